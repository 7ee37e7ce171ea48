/**
 * `<parley-conversation-header>`: the title of the open conversation with its presence and
 * connection lines, a Back link on phone-sized screens, and the conversation's action: the
 * invite dialog for a group, the safety number for a 1:1 conversation; further actions
 * (Members) come in through the `actions` slot. Long titles end in
 * an ellipsis; nothing here may push the page wider than a 360 px phone.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { ConnectionKind } from '../../net/room-sync.js';
import '../components/connection-status.js';
import './invite-dialog.js';
import './mute-control.js';
import type { InviteDialog } from './invite-dialog.js';
import { backLink } from '../styles/layout.js';
import { controls, themeTokens } from '../styles/theme.js';

export class ConversationHeader extends LitElement {
  static override properties = {
    heading: { type: String },
    verified: { type: Boolean },
    presence: { type: String },
    connection: { type: String },
    people: { type: Number },
    inviteLink: { type: String },
    safetyHref: { type: String },
    warning: { type: String },
    mutedUntil: { attribute: false },
    canMute: { type: Boolean },
  };
  /** Notifications muted until (ms since epoch), or null. */
  declare mutedUntil: number | null;
  /** This device can ring for new messages (the mute control is offered). */
  declare canMute: boolean;
  declare heading: string;
  declare verified: boolean;
  /** The presence line ("online", "3 others, 1 online"). */
  declare presence: string;
  /** How the conversation is connected (its words belong to the status component). */
  declare connection: ConnectionKind;
  /** How many other people (not devices) are connected now. */
  declare people: number;
  /** Groups: their invite link. */
  declare inviteLink: string;
  /** 1:1 conversations: the contact's safety-number page. */
  declare safetyHref: string;
  /** A loud warning (another contact has the same name), with a link to check who this is. */
  declare warning: string;

  constructor() {
    super();
    this.heading = '';
    this.verified = false;
    this.presence = '';
    this.connection = 'offline';
    this.people = 0;
    this.inviteLink = '';
    this.safetyHref = '';
    this.warning = '';
    this.mutedUntil = null;
    this.canMute = false;
  }

  static override styles = [
    themeTokens,
    controls,
    backLink,
    css`
      :host {
        display: block;
        border-bottom: 1px solid var(--pl-border);
        background: transparent;
      }
      /* On a phone the actions wrap under the title rather than squeeze it to "B…": the
         title keeps at least 10rem, and whatever no longer fits beside it moves down. */
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 0.6rem;
        padding: 0.55rem 0.9rem;
        min-width: 0;
      }
      .titles {
        flex: 1 1 10rem;
        min-width: 0;
      }
      h1 {
        margin: 0;
        font-size: 1.1rem;
        display: flex;
        align-items: center;
        gap: 0.4rem;
        min-width: 0;
      }
      .name {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .verified {
        flex: none;
        font-size: 0.7rem;
        font-weight: 600;
        color: var(--pl-ok);
        border: 1px solid currentColor;
        border-radius: 999px;
        padding: 0 0.45rem;
      }
      .lines {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.1rem 0.75rem;
        font-size: 0.8rem;
        color: var(--pl-muted);
        min-width: 0;
      }
      .presence {
        margin: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        max-width: 100%;
      }
      parley-connection-status {
        max-width: 100%;
      }
      .action,
      ::slotted([slot='actions']) {
        flex: none;
        white-space: nowrap;
      }
      a.action {
        font-size: 0.85rem;
        color: var(--pl-link);
      }
      .warning {
        margin: 0;
        padding: 0 0.9rem 0.55rem;
        color: var(--pl-danger);
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .warning a {
        color: inherit;
      }
    `,
  ];

  /** Opens the invite dialog (also from the empty state of a new group). */
  openInvite(): void {
    this.renderRoot.querySelector<InviteDialog>('parley-invite-dialog')?.open();
  }

  protected override render() {
    return html`<div class="bar">
        <a class="back" href="#" aria-label="Back to conversations">←</a>
        <div class="titles">
          <h1 id="conversation-title" tabindex="-1"><span class="name">${this.heading}${this.verified ? ' ' : ''}</span>${this.verified ? html`<span class="verified">Verified</span>` : nothing}</h1>
          <div class="lines">
            <p class="presence" data-presence>${this.presence}</p>
            <parley-connection-status .connection=${this.connection} .people=${this.people}></parley-connection-status>
          </div>
        </div>
        ${this.canMute ? html`<parley-mute-control .until=${this.mutedUntil}></parley-mute-control>` : nothing}
        <slot name="actions"></slot>
        ${this.safetyHref
          ? html`<a class="action" href=${this.safetyHref}>Safety number</a>`
          : this.inviteLink
            ? html`<button type="button" class="action secondary" aria-haspopup="dialog" @click=${() => this.openInvite()}>Invite</button>`
            : nothing}
      </div>
      ${this.warning ? html`<p class="warning" role="alert">${this.warning} <a href=${this.safetyHref}>Check who this is</a></p>` : nothing}
      ${this.safetyHref ? nothing : html`<parley-invite-dialog .link=${this.inviteLink}></parley-invite-dialog>`}`;
  }
}

customElements.define('parley-conversation-header', ConversationHeader);

declare global {
  interface HTMLElementTagNameMap {
    'parley-conversation-header': ConversationHeader;
  }
}
