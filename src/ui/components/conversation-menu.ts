/**
 * `<parley-conversation-menu>`: what a user does to a conversation on this device, in a
 * small menu behind the header's "⋯" button (one button: phone headers have no room for
 * more), each behind a confirmation dialog (docs/architecture.md §4.9): **Archive** (out of the main
 * list until a new message arrives; **Unarchive** brings it back at once), **Leave** a 1:1
 * chat (groups leave from Members), and **Delete** (history and keys leave this device;
 * a group the user is still in is left first, and the dialog says so).
 */
import { LitElement, css, html, nothing } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import type { ParleyClient } from '../../client/parley-client.js';
import { ActionController } from '../controllers/action-controller.js';
import { syncModal } from '../modal-dialog.js';
import { controls, dialogPanel, themeTokens } from '../styles/theme.js';

type Step = 'archive' | 'leave' | 'delete';

export class ConversationMenu extends LitElement {
  static override properties = { session: { attribute: false }, client: { attribute: false }, name: { type: String }, step: { state: true }, menu: { state: true } };
  declare session: ConversationSession | undefined;
  declare client: ParleyClient | undefined;
  /** How the conversation is called on screen (a contact's name for a 1:1). */
  declare name: string;
  declare step: Step | null;
  /** The menu is open. */
  declare menu: boolean;
  private readonly action = new ActionController(this);

  constructor() {
    super();
    this.session = undefined;
    this.client = undefined;
    this.name = '';
    this.step = null;
    this.menu = false;
  }

  static override styles = [
    themeTokens,
    controls,
    dialogPanel,
    css`
      :host {
        display: inline-block;
        position: relative;
      }
      .menu {
        position: absolute;
        right: 0;
        top: calc(100% + 0.25rem);
        z-index: 5;
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        min-width: 10rem;
        padding: 0.4rem;
        border: 1px solid var(--pl-border);
        border-radius: var(--pl-radius);
        background: var(--pl-bg);
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.2);
      }
      /* Phone headers are tight: the button is as narrow as its glyph allows. */
      button.more {
        padding-inline: 0.45rem;
      }
      .menu button {
        text-align: start;
      }
      dialog {
        --pl-dialog-width: 26rem;
      }
      h2 {
        margin: 0 0 0.5rem;
        font-size: 1.1rem;
      }
      p {
        margin: 0 0 0.75rem;
      }
      .row {
        display: flex;
        gap: 0.5rem;
        justify-content: flex-end;
        flex-wrap: wrap;
      }
    `,
  ];

  protected override updated(): void {
    syncModal(this.renderRoot, this.step !== null);
  }

  protected override render() {
    const s = this.session;
    if (!s) return nothing;
    const archived = s.record.archived ?? false;
    const item = (label: string, act: () => void) => html`<button type="button" role="menuitem" class="secondary" @click=${() => {
        this.menu = false;
        act();
      }}>${label}</button>`;
    return html`<button
        type="button"
        class="secondary more"
        aria-label="Conversation actions"
        aria-haspopup="menu"
        aria-expanded=${this.menu}
        @click=${() => (this.menu = !this.menu)}
      >
        ⋯
      </button>
      ${this.menu
        ? html`<div class="menu" role="menu" aria-label="Conversation actions" @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (this.menu = false)}>
            ${archived ? item('Unarchive', () => this.run(() => this.client?.archive(s.id, false))) : item('Archive', () => this.ask('archive'))}
            ${s.isDirect && !s.ended ? item('Leave', () => this.ask('leave')) : nothing}
            ${item('Delete', () => this.ask('delete'))}
          </div>`
        : nothing}
      <dialog aria-labelledby="confirm-title" aria-describedby="confirm-text" @close=${() => (this.step = null)}>
        ${this.step ? this.renderConfirm(s, this.step) : nothing}
      </dialog>`;
  }

  private renderConfirm(s: ConversationSession, step: Step) {
    const name = this.name || s.title;
    const stillIn = !s.isDirect && !s.ended;
    const copy: Record<Step, { title: string; text: string; confirm: string }> = {
      archive: {
        title: `Archive ${name}?`,
        text: 'It moves to Archived at the bottom of your conversation list. A new message brings it back.',
        confirm: 'Archive',
      },
      leave: {
        title: `Leave the chat with ${name}?`,
        text: 'You will stop receiving messages in this chat, and nothing you write is sent. The history stays on this device.',
        confirm: 'Leave',
      },
      delete: {
        title: `Delete ${name}?`,
        text: `${stillIn ? `You will leave ${name}. ` : ''}Its messages and keys are deleted from this device; your other devices and the other people keep their copies. This cannot be undone.`,
        confirm: 'Delete conversation',
      },
    };
    const { title, text, confirm } = copy[step];
    return html`<h2 id="confirm-title">${title}</h2>
      <p id="confirm-text">${text}</p>
      ${this.action.alert()}
      <div class="row">
        <button type="button" class="secondary" @click=${() => (this.step = null)}>Cancel</button>
        <button type="button" class="danger" ?disabled=${this.action.busy} @click=${() => this.confirm(s, step)}>${confirm}</button>
      </div>`;
  }

  private ask(step: Step): void {
    this.action.clear();
    this.step = step;
  }

  private run(action: () => Promise<void> | undefined): void {
    void this.action.run(action);
  }

  private async confirm(s: ConversationSession, step: Step): Promise<void> {
    const client = this.client;
    if (!client) return;
    const done = await this.action.run(() => (step === 'archive' ? client.archive(s.id) : step === 'leave' ? s.group.leave() : client.deleteConversation(s.id)));
    if (!done) return;
    this.step = null;
    // Archived or deleted: back to the list, as other messengers do.
    if (step !== 'leave') location.hash = '#';
  }
}

customElements.define('parley-conversation-menu', ConversationMenu);

declare global {
  interface HTMLElementTagNameMap {
    'parley-conversation-menu': ConversationMenu;
  }
}
