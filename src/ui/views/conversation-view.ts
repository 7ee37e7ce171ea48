/**
 * `<parley-conversation>`: one open conversation — header with connection state and
 * actions, the message log, who is typing, and the composer with Attach and Record. It
 * follows the session, the client and the PWA services (smart view); the pieces below it
 * are presentational components, outgoing files live in `OutgoingFiles`, and the words
 * about the conversation in `conversation-lines.ts`.
 */
import { html, nothing, type PropertyValues } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import type { Drafts } from '../../client/drafts.js';
import type { ClientFiles } from '../../client/files/client-files.js';
import { ClientError } from '../../client/errors.js';
import type { IdentityId } from '../../core/identity/keys.js';
import type { PwaController } from '../../pwa/pwa-controller.js';
import '../components/attach-button.js';
import type { AttachDetail } from '../components/attach-button.js';
import '../components/attachments.js';
import '../components/composer.js';
import type { Composer, ReplyPreview, SendDetail } from '../components/composer.js';
import '../components/conversation-header.js';
import type { ConversationHeader } from '../components/conversation-header.js';
import '../components/conversation-menu.js';
import type { FileDetail } from '../components/file-card.js';
import { historyProgress, historyProgressStyles } from '../components/history-progress.js';
import '../components/message-list.js';
import type { EditDetail, MessageDetail, MessageList, ReactDetail } from '../components/message-list.js';
import { entryExcerpt } from '../components/message-row.js';
import type { MuteDetail } from '../components/mute-control.js';
import '../components/voice-recorder.js';
import type { VoiceClip } from '../components/voice-recorder.js';
import { pwaContext } from '../context.js';
import { DraftController } from '../controllers/draft-controller.js';
import { FileViews } from '../controllers/file-views.js';
import { ObservableController, observeContext } from '../controllers/observable-controller.js';
import { OutgoingFiles } from '../controllers/outgoing-files.js';
import { TickController } from '../controllers/tick-controller.js';
import { endedText, presenceLine, typingText } from '../conversation-lines.js';
import { contactHref } from '../routes.js';
import { controls, themeTokens } from '../styles/theme.js';
import { conversationStyles } from './conversation-styles.js';
import { ClientView } from './client-view.js';

/** The list's questions about one session (`MessageList`'s function properties). */
type ListQuestions = Pick<MessageList, 'isMine' | 'canChange' | 'nameOf' | 'isVerified' | 'avatarOf' | 'isBot' | 'deliveryOf' | 'receiptsOf'> & {
  readonly session: ConversationSession;
};

export class ConversationView extends ClientView {
  static override properties = {
    session: { attribute: false },
    readUpTo: { type: Number },
    drafts: { attribute: false },
    files: { attribute: false },
    filesFailed: { type: Boolean },
    invite: { state: true },
  };
  /** Files of this device: sending, fetching, progress. */
  declare files: ClientFiles | undefined;
  /** Files could not load (the app's banner says so); until they load or fail, `files` is undefined. */
  declare filesFailed: boolean;
  private fileRevision = 0;
  private asked: ListQuestions | undefined;
  /** The group's invite link with this user's name sealed in it, once made. */
  declare invite: string | null;
  declare session: ConversationSession | undefined;
  /** Per-conversation drafts on this device. */
  declare drafts: Drafts | undefined;
  /** How far the user had read this conversation when it opened. */
  declare readUpTo: number;
  private readonly pwaRef = observeContext<PwaController>(this, pwaContext);
  /** Files picked, pasted or dropped, and their sending. */
  private readonly outgoing = new OutgoingFiles(
    this,
    () => this.files,
    this.action,
  );
  /** Files in the list: cards, downloads, the image viewer. */
  private readonly fileViews = new FileViews(
    this,
    () => this.session,
    () => this.files,
  );
  private readonly draft = new DraftController(
    this,
    () => this.drafts,
    () => this.session?.id,
  );

  constructor() {
    super();
    this.session = undefined;
    this.readUpTo = 0;
    this.drafts = undefined;
    this.files = undefined;
    this.filesFailed = false;
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
    // "is typing…" expires on time even when nothing else changes.
    new TickController(this, () => (this.session?.typingNames().length ?? 0) > 0);
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

  static override styles = [themeTokens, controls, conversationStyles, historyProgressStyles];

  protected override render() {
    const s = this.session;
    if (!s) return html`<p>Choose a conversation.</p>`;
    const contact = s.isDirect && s.record.peer && this.client?.account ? this.client.contact(s.record.peer as IdentityId) : null;
    const title = contact?.name ?? s.title;
    const inviteLink = contact ? '' : s.inviteLink;
    // The named link is made once per conversation; a newer invite (made in Members) wins.
    const shownInvite = inviteLink && this.invite?.startsWith(inviteLink) ? this.invite : inviteLink;
    const emptyGroup = !contact && inviteLink !== '' && s.otherIdentities().size === 0 && !s.timeline.entries.some((e) => e.kind === 'message');
    return html`<parley-conversation-header
        .heading=${title}
        ?verified=${contact?.verified ?? false}
        .presence=${presenceLine(this.client, s)}
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
      ${historyProgress(s.historyProgress(), s.ready)}
      ${emptyGroup
        ? html`<section class="empty-state" aria-labelledby="empty-title">
            <h2 id="empty-title">Only you are here</h2>
            <p>Invite people with a link: anyone who has it can read and write this conversation.</p>
            <button type="button" @click=${() => this.header?.openInvite()}>Invite people</button>
          </section>`
        : nothing}
      ${this.renderList(s)}
      <p class="typing" aria-live="polite">${typingText(s.typingNames())}</p>
      ${this.action.alert()}
      <parley-attachments
        .files=${this.outgoing.pending}
        .sending=${this.outgoing.sending}
        .preparing=${this.outgoing.preparing}
        .problem=${this.outgoing.problem}
        @parley-remove-attachment=${(e: CustomEvent<{ index: number }>) => this.outgoing.remove(e.detail.index)}
      ></parley-attachments>
      ${this.fileViews.renderViewer()} ${s.ended ? nothing : this.renderComposer(s)}`;
  }

  private renderList(s: ConversationSession) {
    const q = this.questions(s);
    return html`<parley-message-list
      .entries=${s.timeline.entries}
      .blocked=${s.blockedTimeline.entries}
      .version=${s.revision + this.fileRevision}
      .readUpTo=${this.readUpTo}
      ?loading=${!s.ready}
      .isMine=${q.isMine}
      .canChange=${q.canChange}
      .nameOf=${q.nameOf}
      .isVerified=${q.isVerified}
      .avatarOf=${q.avatarOf}
      .isBot=${q.isBot}
      .deliveryOf=${q.deliveryOf}
      .receiptsOf=${q.receiptsOf}
      .showReads=${this.client?.readReceipts ?? true}
      .renderFile=${this.fileViews.render}
      @parley-file-download=${(e: CustomEvent<FileDetail>) => this.fileViews.download(e.detail.root)}
      @parley-file-save=${(e: CustomEvent<FileDetail>) => this.action.run(() => this.fileViews.save(e.detail.root))}
      @parley-file-cancel=${(e: CustomEvent<FileDetail>) => this.fileViews.cancel(e.detail.root)}
      @parley-file-open=${(e: CustomEvent<FileDetail>) => this.fileViews.open(e.detail.root)}
      @parley-edit=${(e: CustomEvent<EditDetail>) => this.action.run(() => s.edit(e.detail.id, e.detail.text))}
      @parley-delete=${(e: CustomEvent<MessageDetail>) => this.action.run(() => s.remove(e.detail.id))}
      @parley-react=${(e: CustomEvent<ReactDetail>) => this.action.run(() => s.toggleReaction(e.detail.id, e.detail.emoji))}
      @parley-reply=${(e: CustomEvent<MessageDetail>) => {
        this.draft.reply(e.detail.id);
        this.composer?.focus();
      }}
    ></parley-message-list>`;
  }

  /**
   * What the list asks about the session, made once per session: fresh functions on every
   * render of this view (a draft keystroke, "is typing", the header) made the list render
   * again with nothing changed, several times per text (docs/architecture.md §11).
   */
  private questions(s: ConversationSession): ListQuestions {
    if (this.asked?.session !== s) {
      this.asked = {
        session: s,
        isMine: (d) => s.isMine(d),
        canChange: (d) => d === s.me,
        nameOf: (d, at) => s.memberName(d, at),
        isVerified: (d) => s.isVerified(d),
        avatarOf: (d) => s.memberAvatar(d),
        isBot: (d) => s.memberIsBot(d),
        deliveryOf: (id) => s.deliveryState(id),
        receiptsOf: (e) => (s.isMine(e.author) ? s.receiptsOf(e) : null),
      };
    }
    return this.asked;
  }

  /** The message box, with Attach and Record on its row. */
  private renderComposer(s: ConversationSession) {
    const files = this.files;
    return html`<parley-composer
      ?allowEmpty=${this.outgoing.pending.length > 0}
      ?canSendFile=${files !== undefined}
      ?busy=${this.outgoing.sealing}
      .text=${this.draft.text}
      .replyTo=${this.replyPreview(s)}
      @parley-cancel-reply=${() => this.draft.reply(null)}
      @parley-send=${this.onSend}
      @parley-send-as-file=${(e: CustomEvent<SendDetail>) => this.outgoing.sendText(s, e.target as Composer, e.detail.text, () => this.draft.sent())}
      @parley-typing=${() => this.session?.setTyping(true)}
      @parley-draft=${(e: CustomEvent<{ text: string }>) => this.draft.change(e.detail.text)}
      @parley-edit-last=${() => this.list?.editLast()}
    >
      ${files
        ? html`<parley-attach-button slot="tools" @parley-attach=${(e: CustomEvent<AttachDetail>) => this.outgoing.attach(e.detail.files)}></parley-attach-button>
            <parley-voice-recorder
              slot="tools"
              @parley-voice=${(e: CustomEvent<VoiceClip>) => void this.action.run(() => files.send(s, { blob: e.detail.blob, name: `Voice message.${e.detail.blob.type === 'audio/ogg' ? 'ogg' : 'webm'}` }, '', e.detail))}
            ></parley-voice-recorder>`
        : this.filesFailed
          ? nothing
          : html`<span slot="tools" class="files-loading" role="status">Loading files…</span>`}
    </parley-composer>`;
  }

  /**
   * The Members dialog's code loads on first use. A click that lands just before this view
   * is swapped for another conversation finishes loading after the view has gone: its
   * dialog, never connected when the element was defined, was never upgraded ("show is
   * not a function"), and its conversation is no longer on screen, so nothing opens.
   */
  private readonly openMembers = async (): Promise<void> => {
    await import('../components/members-dialog.js');
    await this.updateComplete;
    if (!this.isConnected) return;
    this.renderRoot.querySelector('parley-members')?.show();
  };

  private readonly onSend = async (event: CustomEvent<SendDetail>): Promise<void> => {
    const composer = event.target as Composer;
    const session = this.session;
    if (!session) return;
    const text = event.detail.text;
    if (this.outgoing.pending.length > 0) return this.outgoing.send(session, composer, text, () => this.draft.sent());
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

  /** What the composer quotes while replying. */
  private replyPreview(s: ConversationSession): ReplyPreview | null {
    const id = this.draft.replyTo;
    const original = id ? s.timeline.get(id) : undefined;
    if (!id || !original) return null;
    return { name: s.isMine(original.author) ? 'You' : s.memberName(original.author), excerpt: original.deleted ? 'This message was deleted.' : entryExcerpt(original, 80) };
  }
}

customElements.define('parley-conversation', ConversationView);
