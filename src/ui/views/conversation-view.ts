/**
 * `<parley-conversation>`: one open conversation — header with connection state, invite
 * link, the message log, who is typing, and the composer. It follows the session, the
 * client and the PWA services (smart view); the pieces below it are presentational
 * components.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import type { Drafts } from '../../client/drafts.js';
import type { ParleyClient } from '../../client/parley-client.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import '../components/composer.js';
import type { Composer, ReplyPreview, SendDetail } from '../components/composer.js';
import { excerpt } from '../components/message-row.js';
import '../components/conversation-header.js';
import '../components/conversation-menu.js';
import type { ConversationHeader } from '../components/conversation-header.js';
import type { MuteDetail } from '../components/mute-control.js';
import type { EditDetail, MessageDetail, MessageList, ReactDetail } from '../components/message-list.js';
import '../components/message-list.js';
import type { ClientFiles } from '../../client/files/client-files.js';
import { ClientError } from '../../client/errors.js';
import type { VoiceClip } from '../components/voice-recorder.js';
import { mediaKind } from '../../core/files/file-ref.js';
import type { TimelineEntry } from '../../core/timeline.js';
import '../components/attachments.js';
import '../components/voice-recorder.js';
import type { AttachDetail } from '../components/attachments.js';
import { renderFile, type FileDetail } from '../components/file-card.js';
import '../components/image-viewer.js';
import { errorText } from '../error-text.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { clientContext, pwaContext } from '../context.js';
import { contactHref } from '../routes.js';
import { presenceText } from '../presence-text.js';
import type { PwaController } from '../../pwa/pwa-controller.js';
import { ActionController } from '../controllers/action-controller.js';
import { DraftController } from '../controllers/draft-controller.js';
import { ObservableController, observeContext } from '../controllers/observable-controller.js';
import { TickController } from '../controllers/tick-controller.js';
import { controls, themeTokens } from '../styles/theme.js';

export class ConversationView extends LitElement {
  static override properties = {
    session: { attribute: false },
    readUpTo: { type: Number },
    drafts: { attribute: false },
    files: { attribute: false },
    pending: { state: true },
    problem: { state: true },
    sealing: { state: true },
    viewing: { state: true },
    invite: { state: true },
  };
  /** Files of this device: sending, fetching, progress. */
  declare files: ClientFiles | undefined;
  /** Files picked, pasted or dropped, not sent yet. */
  declare pending: readonly File[];
  /** Why a picked file was refused, in words. */
  declare problem: string;
  declare sealing: boolean;
  /** The image open in the viewer (its message id). */
  declare viewing: EventId | null;
  private fileRevision = 0;
  /** The group's invite link with this user's name sealed in it, once made. */
  declare invite: string | null;
  declare session: ConversationSession | undefined;
  /** Per-conversation drafts on this device. */
  declare drafts: Drafts | undefined;
  /** How far the user had read this conversation when it opened. */
  declare readUpTo: number;
  private readonly clientRef = observeContext<ParleyClient>(this, clientContext);
  private readonly pwaRef = observeContext<PwaController>(this, pwaContext);
  /** Sends, edits, deletes and reactions: a failure shows in the view's alert. */
  private readonly action = new ActionController(this);

  constructor() {
    super();
    this.session = undefined;
    this.readUpTo = 0;
    this.drafts = undefined;
    this.files = undefined;
    this.pending = [];
    this.problem = '';
    this.sealing = false;
    this.viewing = null;
    this.invite = null;
    new ObservableController(this, () => this.session);
    new ObservableController(this, () => this.files, {
      changed: () => {
        this.fileRevision++;
        this.requestUpdate();
      },
      // Refusals about this conversation's files (the server's mailbox, this device's
      // budget) show in the view's alert, in the words the server or the rule gave.
      error: (error) => {
        if (error instanceof ClientError && error.detail.conversation !== undefined && error.detail.conversation === this.session?.id) this.action.fail(error);
      },
    });
    // Pasting or dropping files anywhere in the conversation attaches them.
    this.addEventListener('paste', (e) => this.onPaste(e));
    this.addEventListener('dragover', (e) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    });
    this.addEventListener('drop', (e) => {
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      this.attach([...e.dataTransfer.files]);
    });
    // "is typing…" expires on time even when nothing else changes.
    new TickController(this, () => (this.session?.typingNames().length ?? 0) > 0);
  }

  private readonly draft = new DraftController(
    this,
    () => this.drafts,
    () => this.session?.id,
  );

  private get client(): ParleyClient | undefined {
    return this.clientRef.value;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('session')) {
      this.invite = null;
      const session = this.session;
      if (session && !session.isDirect) {
        session
          .namedInviteLink()
          .then((link) => {
            if (this.session === session) this.invite = link;
          })
          .catch(() => undefined); // the plain link is shown meanwhile
      }
    }
  }

  protected override async firstUpdated(): Promise<void> {
    // Opening a conversation puts the cursor in its message box.
    await this.updateComplete;
    this.composer?.focus();
  }

  private get composer(): Composer | null {
    return this.renderRoot.querySelector('parley-composer');
  }

  private get header(): ConversationHeader | null {
    return this.renderRoot.querySelector('parley-conversation-header');
  }

  private get list(): MessageList | null {
    return this.renderRoot.querySelector('parley-message-list');
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
        height: 100%;
      }
      .empty-state {
        margin: 1.5rem auto 0;
        padding: 1.25rem;
        max-width: 26rem;
        text-align: center;
        border: 1px dashed var(--pl-border);
        border-radius: var(--pl-radius);
      }
      .empty-state h2 {
        margin: 0 0 0.5rem;
        font-size: 1.1rem;
      }
      .empty-state p {
        margin: 0 0 1rem;
        color: var(--pl-muted);
      }
      parley-message-list {
        flex: 1;
      }
      .typing {
        min-height: 1.2rem;
        margin: 0;
        padding: 0 1rem;
        font-size: 0.8rem;
        color: var(--pl-muted);
        font-style: italic;
      }
      .history {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        padding: 0.4rem 1rem;
        font-size: 0.85rem;
        color: var(--pl-muted);
        border-bottom: 1px solid var(--pl-border);
      }
      .history progress {
        flex: 1;
      }
      .error {
        margin: 0;
        padding: 0.4rem 1rem;
        color: var(--pl-danger);
      }
      .warning {
        margin: 0;
        padding: 0.4rem 1rem;
        color: var(--pl-danger);
        font-weight: 600;
      }
    `,
  ];

  protected override render() {
    const s = this.session;
    if (!s) return html`<p>Choose a conversation.</p>`;
    const typing = s.typingNames();
    const contact = s.isDirect && s.record.peer && this.client?.account ? this.client.contacts.get(s.record.peer as IdentityId) : null;
    const title = contact?.name ?? s.title;
    const others = s.otherIdentities();
    const inviteLink = contact ? '' : s.inviteLink;
    // The named link is made once per conversation; a newer invite (made in Members) wins.
    const shownInvite = inviteLink && this.invite?.startsWith(inviteLink) ? this.invite : inviteLink;
    const emptyGroup = !contact && inviteLink !== '' && others.size === 0 && !s.timeline.entries.some((e) => e.kind === 'message');
    return html`<parley-conversation-header
        .heading=${title}
        ?verified=${contact?.verified ?? false}
        .presence=${this.presenceLine(s)}
        .connection=${s.connection}
        .people=${s.peopleConnected}
        .inviteLink=${shownInvite}
        .safetyHref=${contact ? contactHref(contact.identity.sign) : ''}
        .warning=${contact?.sameNameAs && !contact.verified ? `Another of your contacts is also called ${contact.name}.` : ''}
        ?canMute=${this.pwaRef.value !== undefined}
        .mutedUntil=${this.pwaRef.value?.mutedUntil(s.id) ?? null}
        @parley-mute=${(e: CustomEvent<MuteDetail>) => this.action.run(() => this.pwaRef.value?.setMuted(s.id, e.detail.until))}
      >
        ${s.isDirect ? nothing : html`<button slot="actions" type="button" class="secondary" aria-haspopup="dialog" @click=${this.openMembers}>Members</button>`}
        <parley-conversation-menu slot="actions" .session=${s} .client=${this.client} .name=${title}></parley-conversation-menu>
      </parley-conversation-header>
      ${endedText(s) ? html`<p class="warning" role="status">${endedText(s)}</p>` : nothing}
      ${s.isDirect ? nothing : html`<parley-members .session=${s}></parley-members>`}
      ${this.renderHistoryProgress(s)}
      ${emptyGroup
        ? html`<section class="empty-state" aria-labelledby="empty-title">
            <h2 id="empty-title">Only you are here</h2>
            <p>Invite people with a link: anyone who has it can read and write this conversation.</p>
            <button type="button" @click=${() => this.header?.openInvite()}>Invite people</button>
          </section>`
        : nothing}
      <parley-message-list
        .entries=${s.timeline.entries}
        .blocked=${s.blockedTimeline.entries}
        .version=${s.revision + this.fileRevision}
        .readUpTo=${this.readUpTo}
        ?loading=${!s.ready}
        .isMine=${(d: DeviceId) => s.isMine(d)}
        .canChange=${(d: DeviceId) => d === s.me}
        .nameOf=${(d: DeviceId, at?: number) => s.memberName(d, at)}
        .isVerified=${(d: DeviceId) => s.isVerified(d)}
        .avatarOf=${(d: DeviceId) => s.memberAvatar(d)}
        .isBot=${(d: DeviceId) => s.memberIsBot(d)}
        .deliveryOf=${(id: EventId) => s.deliveryState(id)}
        .receiptsOf=${(e: TimelineEntry) => (s.isMine(e.author) ? s.receiptsOf(e) : null)}
        .showReads=${this.client?.readReceipts ?? true}
        .renderFile=${this.fileOf}
        @parley-file-download=${(e: CustomEvent<FileDetail>) => this.withFile(e.detail.root, (ref) => this.files?.download(s, ref))}
        @parley-file-cancel=${(e: CustomEvent<FileDetail>) => this.files?.cancel(e.detail.root)}
        @parley-file-open=${(e: CustomEvent<FileDetail>) => (this.viewing = this.entryOfFile(e.detail.root)?.id ?? null)}
        @parley-edit=${(e: CustomEvent<EditDetail>) => this.change(() => s.edit(e.detail.id, e.detail.text))}
        @parley-delete=${(e: CustomEvent<MessageDetail>) => this.change(() => s.remove(e.detail.id))}
        @parley-react=${(e: CustomEvent<ReactDetail>) => this.change(() => s.toggleReaction(e.detail.id, e.detail.emoji))}
        @parley-reply=${(e: CustomEvent<MessageDetail>) => {
          this.draft.reply(e.detail.id);
          this.composer?.focus();
        }}
      ></parley-message-list>
      <p class="typing" aria-live="polite">${typingText(typing)}</p>
      ${this.action.error ? html`<p class="error" role="alert">${this.action.errorText}</p>` : nothing}
      <parley-attachments
        .files=${this.pending}
        .problem=${this.problem}
        ?busy=${this.sealing}
        @parley-attach=${(e: CustomEvent<AttachDetail>) => this.attach(e.detail.files)}
        @parley-remove-attachment=${(e: CustomEvent<{ index: number }>) => (this.pending = this.pending.filter((_, i) => i !== e.detail.index))}
      ></parley-attachments>
      ${s.ended || !this.files
        ? nothing
        : html`<parley-voice-recorder
            @parley-voice=${(e: CustomEvent<VoiceClip>) => void this.action.run(() => this.files!.send(s, { blob: e.detail.blob, name: `Voice message.${e.detail.blob.type === 'audio/ogg' ? 'ogg' : 'webm'}` }, '', e.detail))}
          ></parley-voice-recorder>`}
      ${this.renderViewer(s)}
      ${s.ended
        ? nothing
        : html`<parley-composer
        ?allowEmpty=${this.pending.length > 0}
        .text=${this.draft.text}
        .replyTo=${this.replyPreview(s)}
        @parley-cancel-reply=${() => this.draft.reply(null)}
        @parley-send=${this.onSend}
        @parley-typing=${this.onTyping}
        @parley-draft=${(e: CustomEvent<{ text: string }>) => this.draft.change(e.detail.text)}
        @parley-edit-last=${() => this.list?.editLast()}
      ></parley-composer>`}`;
  }

  /** The Members dialog's code loads on first use. */
  private readonly openMembers = async (): Promise<void> => {
    await import('../components/members-dialog.js');
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('parley-members');
    if (!dialog) return;
    // Defining the element upgrades only the elements connected at that moment; one this
    // view rendered while it was being swapped for another conversation could be missed
    // ("show is not a function" right after New conversation).
    customElements.upgrade(dialog);
    dialog.show();
  };

  private readonly onSend = async (event: CustomEvent<SendDetail>): Promise<void> => {
    const composer = event.target as Composer;
    const session = this.session;
    if (!session) return;
    const text = event.detail.text;
    if (this.pending.length > 0) return this.sendFiles(session, composer, text);
    const replyTo = this.draft.replyTo;
    const sending = session.send(text, replyTo ?? undefined);
    composer.clear();
    this.draft.sent();
    if (!(await this.action.run(() => sending))) {
      // Never throw text away: a refused send comes back into the box.
      composer.restore(text);
      if (replyTo) this.draft.reply(replyTo);
      return;
    }
    // A natural moment to offer notifications: right after a message was sent.
    void this.pwaRef.value?.offerNotifications();
  };

  /** Sends the picked files, the first with the text as its caption. */
  private async sendFiles(session: ConversationSession, composer: Composer, text: string): Promise<void> {
    const files = this.files;
    if (!files) return;
    const picked = this.pending;
    this.pending = [];
    this.sealing = true;
    composer.clear();
    this.draft.sent();
    try {
      for (const [i, file] of picked.entries()) {
        if (!(await this.action.run(() => files.send(session, { blob: file, name: file.name }, i === 0 ? text : '')))) {
          // Never throw anything away: what was not sent comes back.
          this.pending = picked.slice(i);
          if (i === 0) composer.restore(text);
          return;
        }
      }
    } finally {
      this.sealing = false;
    }
  }

  /** Adds files to send, refusing empty ones and ones over the cap with a clear message. */
  private attach(files: File[]): void {
    const max = this.files?.maxFileBytes ?? Infinity;
    const ok: File[] = [];
    const problems: string[] = [];
    for (const f of files) {
      if (f.size === 0) problems.push(errorText({ code: 'file-empty', detail: { name: f.name } }));
      else if (f.size > max) problems.push(errorText({ code: 'file-too-large', detail: { name: f.name, max } }));
      else ok.push(f);
    }
    this.problem = problems.join(' ');
    if (ok.length > 0) this.pending = [...this.pending, ...ok];
  }

  private onPaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    // A pasted screenshot is called "image.png" by every browser; give it a useful name.
    this.attach(files.map((f) => (f.name === 'image.png' ? new File([f], `Pasted image ${new Date().toISOString().slice(0, 19).replace('T', ' ')}.png`, { type: f.type }) : f)));
  }

  private readonly fileOf = (entry: TimelineEntry): unknown => (entry.file ? renderFile(entry.file, entry.text, this.files?.view(entry.file)) : null);

  private entryOfFile(root: string): TimelineEntry | undefined {
    return this.session?.timeline.entries.find((e) => e.file?.root === root && !e.deleted);
  }

  private withFile(root: string, run: (ref: NonNullable<TimelineEntry['file']>) => void): void {
    const ref = this.entryOfFile(root)?.file;
    if (ref) run(ref);
  }

  /** The image viewer over this conversation's images, when one is open. */
  private renderViewer(s: ConversationSession) {
    if (!this.viewing) return nothing;
    const images = s.timeline.entries.filter((e) => e.file && !e.deleted && mediaKind(e.file.type) === 'image');
    const at = images.findIndex((e) => e.id === this.viewing);
    const entry = images[at];
    if (!entry?.file) return nothing;
    const view = this.files?.view(entry.file);
    return html`<parley-image-viewer
      .image=${{ url: view?.url ?? null, alt: entry.text || entry.file.name }}
      ?hasPrevious=${at > 0}
      ?hasNext=${at < images.length - 1}
      @parley-viewer-close=${() => (this.viewing = null)}
      @parley-viewer-move=${(e: CustomEvent<{ step: number }>) => (this.viewing = images[at + e.detail.step]?.id ?? this.viewing)}
    ></parley-image-viewer>`;
  }

  /**
   * A long operation on the history: loading it from this device, or receiving it from a
   * peer (how much is in, then that its signatures are being checked).
   */
  private renderHistoryProgress(s: ConversationSession) {
    const p = s.historyProgress();
    if (!p && !s.ready) {
      // The newest messages (cached) are on screen; the stored document is still loading.
      return html`<div class="history" role="status"><span>Loading older messages…</span><progress aria-label="Loading history"></progress></div>`;
    }
    if (!p) return nothing;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const text = p.phase === 'receiving' ? `Receiving history… ${mb(p.received)} of ${mb(p.expected)} MB` : 'Checking the signatures of the history…';
    return html`<div class="history" role="status">
      <span>${text}</span>
      <progress aria-label="History download" max=${p.expected} .value=${p.phase === 'receiving' ? p.received : p.expected}></progress>
    </div>`;
  }

  /** Runs an edit, delete or reaction; a failure shows in the view's alert. */
  private async change(action: () => Promise<void>): Promise<void> {
    await this.action.run(action);
  }

  private readonly onTyping = (): void => this.session?.setTyping(true);

  /** What the composer quotes while replying. */
  private replyPreview(s: ConversationSession): ReplyPreview | null {
    const id = this.draft.replyTo;
    const original = id ? s.timeline.get(id) : undefined;
    if (!id || !original) return null;
    return { name: s.isMine(original.author) ? 'You' : s.memberName(original.author), excerpt: original.deleted ? 'This message was deleted.' : excerpt(original.text, 80) };
  }

  /**
   * 1:1: the other person's presence; groups: how many of the other *people* (not
   * devices) are online. It never says "online" while this device has no connection at all,
   * so it cannot contradict the connection line.
   */
  private presenceLine(s: ConversationSession): string {
    const client = this.client;
    if (!client) return '';
    const others = [...s.otherIdentities()];
    if (others.length === 0) return 'Nobody else has joined yet';
    // The connection line says Offline: nobody can be seen online either.
    const cut = s.connection === 'offline';
    const state = (id: (typeof others)[number]) => {
      const p = client.presenceOf(s.id, id);
      return cut ? { online: false, lastSeen: p.lastSeen } : p;
    };
    if (s.isDirect || others.length === 1) return presenceText(state(others[0]!));
    const online = others.filter((id) => state(id).online).length;
    return `${others.length} others${cut ? '' : `, ${online} online`}`;
  }
}

/** What this user sees once out of a group: removed, left, or this device removed. */
function endedText(s: ConversationSession): string {
  switch (s.ended) {
    case 'removed':
      return `You were removed from ${s.title}.`;
    case 'left':
      return `You left ${s.title}.`;
    case 'device-removed':
      return 'This device was removed from your account. Nothing you write here is sent.';
    default:
      return '';
  }
}

function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

customElements.define('parley-conversation', ConversationView);
