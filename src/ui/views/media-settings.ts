/**
 * `<parley-media-settings>`: how much space media take on this device per conversation, a way
 * to clear what was downloaded, the auto-download rule and the per-conversation media budget
 * (docs/architecture.md §14.4, §14.7).
 * Images always download; other files up to the chosen size.
 */
import { css, html, nothing } from 'lit';
import type { ClientFiles } from '../../client/files/client-files.js';
import type { Topic } from '../../core/ids.js';
import { sizeText } from '../error-text.js';
import { controls, themeTokens } from '../styles/theme.js';
import { ClientView } from './client-view.js';

type Usage = Map<Topic, { sent: number; downloaded: number }>;

/** The figures per conversation: the table's column headers, and each cell's label where rows are cards. */
const FIGURES = ['Sent', 'Downloaded', 'Of the budget'] as const;

export class MediaSettings extends ClientView {
  static override properties = { files: { attribute: false }, usage: { state: true } };
  declare files: ClientFiles | undefined;
  declare usage: Usage | null;

  constructor() {
    super();
    this.files = undefined;
    this.usage = null;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      table {
        border-collapse: collapse;
        margin: 0.5rem 0;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem 0.8rem 0.3rem 0;
      }
      label {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin: 0.75rem 0;
      }
      input[type='number'] {
        width: 6rem;
      }
      /* Five columns need about 33rem; narrower (a phone), each conversation is a card: its
         name, then its three figures labelled, then its button, instead of a table that ran
         past the screen with "Clear downloaded" out of reach. Still a table to assistive tech. */
      section {
        container-type: inline-size;
      }
      @container (max-width: 36rem) {
        table,
        tbody,
        tr,
        th,
        td {
          display: block;
        }
        thead {
          position: absolute;
          width: 1px;
          height: 1px;
          overflow: hidden;
          clip: rect(0 0 0 0);
        }
        tr {
          display: grid;
          grid-template-columns: repeat(3, minmax(0, 1fr));
          padding: 0.4rem 0;
          border-bottom: 1px solid var(--pl-border);
        }
        th[scope='row'],
        td:last-child {
          grid-column: 1 / -1;
        }
        td[data-label]::before {
          content: attr(data-label) / '';
          display: block;
          font-size: 0.8rem;
          color: var(--pl-muted);
        }
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    this.usage = (await this.files?.usage()) ?? null;
  }

  protected override render() {
    const files = this.files;
    if (!files) return nothing;
    const titles = new Map((this.clientRef.value?.list() ?? []).map((c) => [c.id, c.title]));
    const rows = [...(this.usage ?? new Map())].filter(([, u]) => u.sent + u.downloaded > 0);
    return html`<section aria-labelledby="media">
      <h2 id="media">Media storage</h2>
      ${this.usage === null
        ? html`<p>Counting…</p>`
        : rows.length === 0
          ? html`<p>No media stored on this device.</p>`
          : html`<table aria-label="Media per conversation">
              <thead>
                <tr><th scope="col">Conversation</th>${FIGURES.map((f) => html`<th scope="col">${f}</th>`)}<th scope="col"><span class="visually-hidden">Actions</span></th></tr>
              </thead>
              <tbody>
                ${rows.map(([id, u]) => {
                  const title = titles.get(id) ?? 'A conversation';
                  return html`<tr>
                    <th scope="row">${title}</th>
                    <td data-label=${FIGURES[0]}>${sizeText(u.sent)}</td>
                    <td data-label=${FIGURES[1]}>${sizeText(u.downloaded)}</td>
                    <td data-label=${FIGURES[2]}>${Math.min(100, Math.round(((u.sent + u.downloaded) / Math.max(1, files.rules.budgetBytes)) * 100))}%</td>
                    <td>${u.downloaded > 0
                      ? html`<button type="button" class="secondary" aria-label=${`Clear downloaded media of ${title}`} @click=${() => this.clear(id)}>Clear downloaded</button>`
                      : nothing}</td>
                  </tr>`;
                })}
              </tbody>
            </table>`}
      <label>
        Download other files automatically up to
        <input type="number" min="0" max="10000" step="1" .value=${String(Math.round(files.rules.autoDownloadBytes / 1e6))} @change=${this.onAuto} />
        MB
      </label>
      <p>Images always download. Larger files wait until you click Download.</p>
      <label>
        Media budget per conversation
        <input type="number" min="1" max="1000000" step="1" .value=${String(Math.round(files.rules.budgetBytes / 1e6))} @change=${this.onBudget} />
        MB
      </label>
      <p>Files that would take a conversation's media on this device past its budget are not sent or downloaded until you clear some or raise it.</p>
      ${this.action.error ? html`<p role="alert">${this.action.errorText}</p>` : nothing}
    </section>`;
  }

  private async clear(id: Topic): Promise<void> {
    await this.action.run(async () => {
      await this.files?.clearDownloaded(id);
      await this.refresh();
    });
  }

  private readonly onAuto = (event: Event): void => {
    const mb = Number((event.target as HTMLInputElement).value);
    if (!Number.isFinite(mb) || mb < 0) return;
    void this.action.run(() => this.files!.rules.setAutoDownloadBytes(Math.round(mb * 1e6)));
  };

  private readonly onBudget = (event: Event): void => {
    const mb = Number((event.target as HTMLInputElement).value);
    if (!Number.isFinite(mb) || mb < 1) return;
    void this.action.run(async () => {
      await this.files!.rules.setBudgetBytes(Math.round(mb * 1e6));
      this.requestUpdate();
    });
  };
}

customElements.define('parley-media-settings', MediaSettings);
