/**
 * `<parley-mute-control>`: mutes a conversation's notifications on this device for 1 hour,
 * 8 hours, 1 week or always, from a bell button and a small dialog. Emits `parley-mute`
 * (detail: { until: number | null }, ms since epoch; null unmutes).
 */
import { LitElement, css, html, nothing } from 'lit';
import { MUTED_ALWAYS } from '../../store/settings-store.js';
import { syncModal } from '../modal-dialog.js';
import { controls, dialogPanel, themeTokens } from '../styles/theme.js';

export interface MuteDetail {
  readonly until: number | null;
}

const HOUR = 3_600_000;
const CHOICES: ReadonlyArray<{ readonly label: string; readonly ms: number | null }> = [
  { label: 'For 1 hour', ms: HOUR },
  { label: 'For 8 hours', ms: 8 * HOUR },
  { label: 'For 1 week', ms: 7 * 24 * HOUR },
  { label: 'Always', ms: null },
];
const untilFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });

export function mutedText(until: number): string {
  return until >= MUTED_ALWAYS ? 'Muted' : `Muted until ${untilFormat.format(until)}`;
}

export class MuteControl extends LitElement {
  static override properties = { until: { attribute: false }, opened: { state: true } };
  /** Muted until (ms since epoch), or null when not muted. */
  declare until: number | null;
  declare opened: boolean;

  constructor() {
    super();
    this.until = null;
    this.opened = false;
  }

  static override styles = [
    themeTokens,
    controls,
    dialogPanel,
    css`
      :host {
        display: contents;
      }
      .bell {
        padding: 0.35rem 0.55rem;
        line-height: 1;
      }
      dialog {
        --pl-dialog-width: 20rem;
      }
      h2 {
        margin: 0 0 0.5rem;
        font-size: 1.05rem;
      }
      p {
        margin: 0 0 0.75rem;
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.35rem;
      }
      li button {
        width: 100%;
        text-align: left;
      }
    `,
  ];

  protected override updated(): void {
    syncModal(this.renderRoot, this.opened);
  }

  protected override render() {
    const muted = this.until !== null;
    return html`<button type="button" class="bell secondary" aria-haspopup="dialog"
        aria-label=${muted ? `${mutedText(this.until!)}. Change` : 'Mute notifications'} title=${muted ? mutedText(this.until!) : 'Mute notifications'}
        @click=${() => (this.opened = true)}>${muted ? '🔕' : '🔔'}</button>
      <dialog aria-labelledby="mute-title" @close=${() => (this.opened = false)}>
        <h2 id="mute-title">Mute notifications</h2>
        <p>${muted ? `${mutedText(this.until!)}.` : 'New messages still arrive and count as unread; this device just does not ring.'}</p>
        <ul>
          ${CHOICES.map((c) => html`<li><button type="button" class="secondary" @click=${() => this.choose(c.ms === null ? MUTED_ALWAYS : Date.now() + c.ms)}>${c.label}</button></li>`)}
          ${muted ? html`<li><button type="button" @click=${() => this.choose(null)}>Unmute</button></li>` : nothing}
          <li><button type="button" class="secondary" @click=${() => (this.opened = false)}>Cancel</button></li>
        </ul>
      </dialog>`;
  }

  private choose(until: number | null): void {
    this.opened = false;
    this.dispatchEvent(new CustomEvent<MuteDetail>('parley-mute', { detail: { until }, bubbles: true, composed: true }));
  }
}

customElements.define('parley-mute-control', MuteControl);

declare global {
  interface HTMLElementTagNameMap {
    'parley-mute-control': MuteControl;
  }
}
