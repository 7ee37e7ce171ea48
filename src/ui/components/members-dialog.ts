/**
 * `<parley-members>`: the Members dialog of a group (docs/architecture.md §4). Every member
 * with their devices, role and verified state; admins remove (with a confirmation),
 * promote, rename, choose "approve new members" and history visibility, and answer join
 * requests; anyone makes and revokes their invites, and leaves (with a confirmation).
 * Every action goes through the session's GroupControl; the peers enforce the rules.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import type { MemberInfo } from '../../client/conversation/group-control.js';
import type { DeviceId } from '../../core/ids.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { ActionController } from '../controllers/action-controller.js';
import { ObservableController } from '../controllers/observable-controller.js';
import { controls, themeTokens } from '../styles/theme.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const EXPIRY_DAYS = [1, 7, 30] as const;

/** A destructive step waiting for the user to confirm it. */
type Pending = { readonly kind: 'remove'; readonly member: MemberInfo } | { readonly kind: 'leave' };

export class MembersDialog extends LitElement {
  static override properties = { session: { attribute: false }, pending: { state: true }, newLink: { state: true } };
  declare session: ConversationSession | undefined;
  declare pending: Pending | null;
  declare newLink: string;
  private readonly action = new ActionController(this);

  constructor() {
    super();
    this.session = undefined;
    this.pending = null;
    this.newLink = '';
    new ObservableController(this, () => this.session);
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: block;
      }
      dialog {
        width: min(34rem, calc(100vw - 2rem));
        max-height: calc(100vh - 2rem);
        overflow-y: auto;
        border: 1px solid var(--pl-border);
        border-radius: var(--pl-radius);
        background: var(--pl-bg);
        color: var(--pl-text);
        padding: 1rem 1.25rem;
        box-sizing: border-box;
      }
      h2,
      h3 {
        margin: 0.4rem 0;
      }
      h3 {
        font-size: 1rem;
        margin-top: 1rem;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
      }
      li.member {
        display: grid;
        /* Not auto: a long name's one line would widen the column past the dialog, its
           buttons with it; minmax(0, 1fr) keeps it the list's width and the name ends in "…". */
        grid-template-columns: minmax(0, 1fr);
        gap: 0.3rem;
        padding: 0.55rem 0;
        border-bottom: 1px solid var(--pl-border);
      }
      .who {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        align-items: center;
      }
      .name {
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        max-width: 100%;
      }
      .badge {
        font-size: 0.75rem;
        border: 1px solid currentColor;
        border-radius: 999px;
        padding: 0 0.45rem;
      }
      .verified {
        color: var(--pl-ok);
      }
      .devices {
        font-size: 0.85rem;
        color: var(--pl-muted);
      }
      .actions,
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .row input[type='text'],
      .row input:not([type]) {
        flex: 1;
        min-width: 0;
      }
      /* "Remove <a long name>": a name of one long word breaks rather than widen the button. */
      .actions button {
        overflow-wrap: anywhere;
      }
      .confirm {
        border: 1px solid var(--pl-danger);
        border-radius: var(--pl-radius);
        padding: 0.6rem 0.8rem;
        margin: 0.6rem 0;
      }
      .spacer {
        flex: 1;
      }
      .muted {
        color: var(--pl-muted);
        font-size: 0.85rem;
      }
    `,
  ];

  /** Opens the dialog (modal). */
  show(): void {
    this.pending = null;
    this.newLink = '';
    this.action.clear();
    void this.updateComplete.then(() => this.renderRoot.querySelector('dialog')?.showModal());
  }

  close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  protected override render() {
    const s = this.session;
    if (!s) return nothing;
    const group = s.group;
    const admin = group.isAdmin;
    const title = s.title;
    return html`<dialog aria-label=${`Members of ${title}`} @close=${() => (this.pending = null)}>
      <div class="row">
        <h2>Members</h2>
        <span class="spacer"></span>
        <button type="button" class="secondary" @click=${() => this.close()}>Close</button>
      </div>
      ${admin ? this.renderRename(title) : nothing}
      ${this.pending ? this.renderConfirm(s, this.pending) : nothing}
      <ul aria-label="Members">
        ${group.members().map((m) => this.renderMember(m, admin))}
      </ul>
      ${admin ? this.renderRequests(s) : nothing} ${admin ? this.renderSettings(s) : nothing} ${this.renderInvites(s)}
      <h3>Leave</h3>
      <button type="button" class="secondary" @click=${() => (this.pending = { kind: 'leave' })}>Leave group</button>
      ${this.action.alert()}
    </dialog>`;
  }

  private renderRename(title: string) {
    return html`<form
      class="row"
      @submit=${(e: Event) => {
        e.preventDefault();
        const input = this.renderRoot.querySelector<HTMLInputElement>('#group-name');
        void this.action.run(() => this.session?.group.rename(input?.value ?? ''));
      }}
    >
      <label class="visually-hidden" for="group-name">Group name</label>
      <input id="group-name" maxlength="64" .value=${title === 'New conversation' ? '' : title} placeholder="Group name" />
      <button type="submit" ?disabled=${this.action.busy}>Rename</button>
    </form>`;
  }

  private renderMember(m: MemberInfo, admin: boolean) {
    const devices = m.devices.map((d) => d.label + (d.current ? ' (this device)' : '')).join(', ');
    return html`<li class="member">
      <div class="who">
        <span class="name">${m.name}${m.me ? ' (you)' : ''}</span>
        ${m.role === 'admin' ? html`<span class="badge">Admin</span>` : nothing}
        ${m.verified ? html`<span class="badge verified">Verified</span>` : nothing}
      </div>
      <span class="devices">${m.devices.length === 1 ? '1 device' : `${m.devices.length} devices`}${devices ? `: ${devices}` : ''}</span>
      ${admin && !m.me
        ? html`<div class="actions">
            <button type="button" class="secondary" @click=${() => (this.pending = { kind: 'remove', member: m })}>Remove ${m.name}</button>
            ${m.role === 'admin'
              ? html`<button type="button" class="secondary" @click=${() => this.setRole(m.identity, 'member')}>Make ${m.name} a member</button>`
              : html`<button type="button" class="secondary" @click=${() => this.setRole(m.identity, 'admin')}>Make ${m.name} an admin</button>`}
          </div>`
        : nothing}
    </li>`;
  }

  private renderConfirm(s: ConversationSession, pending: Pending) {
    const title = s.title;
    const text =
      pending.kind === 'remove'
        ? `Remove ${pending.member.name} from ${title}? They will not receive anything new, and nothing they write from now on is shown.`
        : `Leave ${title}? You will stop receiving its messages. The history stays on this device.`;
    const label = pending.kind === 'remove' ? 'Remove' : 'Leave';
    return html`<div class="confirm" role="alertdialog" aria-label=${pending.kind === 'remove' ? `Remove ${pending.member.name}` : 'Leave group'}>
      <p>${text}</p>
      <div class="actions">
        <button type="button" class="danger" ?disabled=${this.action.busy} @click=${() => this.confirm(pending)}>${label}</button>
        <button type="button" class="secondary" @click=${() => (this.pending = null)}>Cancel</button>
      </div>
    </div>`;
  }

  private renderRequests(s: ConversationSession) {
    const requests = s.group.requests();
    if (requests.length === 0) return nothing;
    return html`<h3>Waiting for approval</h3>
      <ul aria-label="Join requests">
        ${requests.map(
          (r) => html`<li class="member">
            <span class="name">${r.name}</span>
            <div class="actions">
              <button type="button" @click=${() => this.answer(r.device, true)}>Approve ${r.name}</button>
              <button type="button" class="secondary" @click=${() => this.answer(r.device, false)}>Decline ${r.name}</button>
            </div>
          </li>`,
        )}
      </ul>`;
  }

  private renderSettings(s: ConversationSession) {
    const settings = s.group.settings();
    return html`<h3>Settings</h3>
      <label class="row"
        ><input type="checkbox" .checked=${settings.approval} @change=${(e: Event) => this.run(() => s.group.setApproval((e.target as HTMLInputElement).checked))} />
        Approve new members</label
      >
      <label class="row"
        >New members see
        <select @change=${(e: Event) => this.run(() => s.group.setHistory((e.target as HTMLSelectElement).value as 'full' | 'join'))}>
          <option value="full" ?selected=${settings.history === 'full'}>The whole history</option>
          <option value="join" ?selected=${settings.history === 'join'}>Messages from when they join</option>
        </select></label
      >`;
  }

  private renderInvites(s: ConversationSession) {
    const now = Date.now();
    const invites = s.group.invites();
    return html`<h3>Invites</h3>
      <div class="row">
        <label for="expiry">Expires after</label>
        <select id="expiry">
          ${EXPIRY_DAYS.map((d) => html`<option value=${d} ?selected=${d === 7}>${d === 1 ? '1 day' : `${d} days`}</option>`)}
        </select>
        <button type="button" ?disabled=${this.action.busy} @click=${() => this.createInvite()}>Create invite link</button>
      </div>
      ${this.newLink
        ? html`<div class="row">
            <label class="visually-hidden" for="new-invite">New invite link</label>
            <input id="new-invite" readonly .value=${this.newLink} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
          </div>`
        : nothing}
      <ul aria-label="Invite links">
        ${invites.map((i) => {
          const state = i.revoked ? 'Revoked' : i.expires <= now ? 'Expired' : `Expires ${dateFormat.format(i.expires)}`;
          return html`<li class="member">
            <span>${i.mine ? 'Your invite' : 'An invite by another member'} · ${state}</span>
            ${!i.revoked && i.expires > now && (i.mine || s.group.isAdmin)
              ? html`<div class="actions"><button type="button" class="secondary" @click=${() => this.run(() => s.group.revokeInvite(i.id))}>Revoke invite</button></div>`
              : nothing}
          </li>`;
        })}
      </ul>
      <p class="muted">An invite link works until it expires or is revoked. Revoking one also changes the group's keys.</p>`;
  }

  private run(action: () => Promise<void>): void {
    void this.action.run(action);
  }

  private setRole(identity: IdentityId, role: 'admin' | 'member'): void {
    this.run(() => this.session!.group.setRole(identity, role));
  }

  private answer(device: DeviceId, approve: boolean): void {
    this.run(() => (approve ? this.session!.group.approve(device) : this.session!.group.decline(device)));
  }

  private async createInvite(): Promise<void> {
    const days = Number(this.renderRoot.querySelector<HTMLSelectElement>('#expiry')?.value ?? 7);
    await this.action.run(async () => {
      this.newLink = (await this.session?.group.createInvite(days)) ?? '';
    });
  }

  private async confirm(pending: Pending): Promise<void> {
    const s = this.session;
    if (!s) return;
    const done = await this.action.run(() => (pending.kind === 'remove' ? s.group.remove(pending.member.identity) : s.group.leave()));
    if (done) {
      this.pending = null;
      if (pending.kind === 'leave') this.close();
    }
  }
}

customElements.define('parley-members', MembersDialog);

declare global {
  interface HTMLElementTagNameMap {
    'parley-members': MembersDialog;
  }
}
