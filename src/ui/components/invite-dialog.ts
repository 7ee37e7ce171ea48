/**
 * `<parley-invite-dialog>`: the invite link of a group, in a dialog opened by the
 * conversation's **Invite** action — the link in a readonly box, Copy, the system share
 * sheet where the browser has one (Web Share API), and a QR code to scan from another
 * device. The secret is in the link's fragment, so the link is the key: the dialog says so.
 */
import { LitElement, css, html, nothing } from 'lit';
import '../components/qr-code.js';
import { syncModal } from '../modal-dialog.js';
import { controls, dialogPanel, themeTokens } from '../styles/theme.js';

export class InviteDialog extends LitElement {
  static override properties = { link: { type: String }, feedback: { state: true }, opened: { state: true } };
  declare link: string;
  declare feedback: string;
  declare opened: boolean;

  constructor() {
    super();
    this.link = '';
    this.feedback = '';
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
      dialog {
        --pl-dialog-width: 26rem;
      }
      .head {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      h2 {
        flex: 1;
        margin: 0;
        font-size: 1.1rem;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
        margin-top: 0.75rem;
      }
      input {
        flex: 1 1 100%;
        min-width: 0;
        font-size: 0.85rem;
      }
      p {
        margin: 0.5rem 0 0;
        font-size: 0.85rem;
        color: var(--pl-muted);
      }
      parley-qr {
        display: block;
        margin-top: 0.75rem;
        text-align: center;
      }
    `,
  ];

  /** Opens the dialog. */
  open(): void {
    this.feedback = '';
    this.opened = true;
  }

  protected override updated(): void {
    syncModal(this.renderRoot, this.opened);
  }

  protected override render() {
    const canShare = typeof navigator.share === 'function';
    return html`<dialog aria-labelledby="invite-title" @close=${() => (this.opened = false)}>
      <div class="head">
        <h2 id="invite-title">Invite people</h2>
        <button type="button" class="secondary" aria-label="Close" @click=${() => (this.opened = false)}>✕</button>
      </div>
      <p>Anyone with this link can read and write this conversation. Send it only to the people you want here.</p>
      <div class="row">
        <label class="visually-hidden" for="invite">Invite link</label>
        <input id="invite" type="text" readonly .value=${this.link} @focus=${this.selectAll} />
        <button type="button" @click=${this.copy}>Copy</button>
        ${canShare ? html`<button type="button" class="secondary" @click=${this.share}>Share…</button>` : nothing}
      </div>
      <p role="status">${this.feedback}</p>
      ${this.opened ? html`<parley-qr .text=${this.link} label="QR code of the invite link"></parley-qr>` : nothing}
    </dialog>`;
  }

  private readonly selectAll = (event: Event): void => (event.target as HTMLInputElement).select();

  private readonly copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(this.link);
      this.feedback = 'Link copied.';
    } catch {
      this.renderRoot.querySelector('input')?.select();
      this.feedback = 'Copying is blocked here. The link is selected: copy it from the box.';
    }
  };

  private readonly share = async (): Promise<void> => {
    try {
      await navigator.share({ title: 'Join my Parley conversation', url: this.link });
      this.feedback = 'Shared.';
    } catch (error) {
      // Closing the share sheet is not a failure worth a message.
      if ((error as DOMException).name !== 'AbortError') this.feedback = 'Sharing did not work here. Copy the link instead.';
    }
  };
}

customElements.define('parley-invite-dialog', InviteDialog);

declare global {
  interface HTMLElementTagNameMap {
    'parley-invite-dialog': InviteDialog;
  }
}
