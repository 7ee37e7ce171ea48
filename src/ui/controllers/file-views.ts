/**
 * The open conversation's files as the message list shows them (docs/architecture.md §14):
 * each file message's card or media with this device's transfer state, Download and Cancel,
 * and the image viewer over the conversation's images.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';
import { ClientError } from '../../client/errors.js';
import type { ClientFiles } from '../../client/files/client-files.js';
import { isStandIn, mediaKind } from '../../core/files/file-ref.js';
import type { EventId } from '../../core/ids.js';
import type { TimelineEntry } from '../../core/timeline.js';
import { renderFile } from '../components/file-card.js';
import '../components/image-viewer.js';
import '../components/transfer-progress.js';

type FileRef = NonNullable<TimelineEntry['file']>;

export class FileViews implements ReactiveController {
  /** The image open in the viewer (its message id). */
  private viewing: EventId | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly session: () => ConversationSession | undefined,
    private readonly files: () => ClientFiles | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    // Nothing to start: the controller only holds state for the host's render.
  }

  /** The message list's `renderFile`: a file message's card or media. */
  readonly render = (entry: TimelineEntry): unknown => {
    // A cached row's stand-in has no transfer to show until its message loads.
    const files = entry.file && !isStandIn(entry.file) ? this.files() : undefined;
    return entry.file ? renderFile(entry.file, entry.text, files?.view(entry.file), files) : null;
  };

  /** Fetches the file of the message that holds `root`. */
  download(root: string): void {
    const session = this.session();
    this.with(root, (ref) => session && this.files()?.download(session, ref));
  }

  /**
   * Saves a file the service worker serves (its Download link's URL is not a Blob's): the
   * page fetches it, which goes through the worker, and saves what came. Chromium does not
   * send an `<a download>` itself through the worker: the server answered it with the app
   * shell. An answer that is not the worker's (no `attachment`) is refused, never saved.
   */
  async save(root: string): Promise<void> {
    const ref = this.entryOf(root)?.file;
    if (!ref) return;
    const url = this.files()?.view(ref)?.url;
    const response = url ? await fetch(url) : null;
    if (!response?.ok || !response.headers.get('content-disposition')?.startsWith('attachment')) {
      throw new ClientError('file-unreadable', { detail: { name: ref.name } });
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = ref.name;
    link.click();
    // The download has its bytes once it started; the URL only has to outlive the click.
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  /** Stops fetching `root`. */
  cancel(root: string): void {
    this.files()?.cancel(root);
  }

  /** Opens the image `root` in the viewer. */
  open(root: string): void {
    this.show(this.entryOf(root)?.id ?? null);
  }

  /** The image viewer over this conversation's images, when one is open. */
  renderViewer() {
    const s = this.session();
    if (!this.viewing || !s) return nothing;
    const images = s.timeline.entries.filter((e) => e.file && !e.deleted && mediaKind(e.file.type) === 'image');
    const at = images.findIndex((e) => e.id === this.viewing);
    const entry = images[at];
    if (!entry?.file) return nothing;
    const view = this.files()?.view(entry.file);
    return html`<parley-image-viewer
      .image=${{ url: view?.url ?? null, alt: entry.text || entry.file.name }}
      ?hasPrevious=${at > 0}
      ?hasNext=${at < images.length - 1}
      @parley-viewer-close=${() => this.show(null)}
      @parley-viewer-move=${(e: CustomEvent<{ step: number }>) => this.show(images[at + e.detail.step]?.id ?? this.viewing)}
    ></parley-image-viewer>`;
  }

  private show(id: EventId | null): void {
    this.viewing = id;
    this.host.requestUpdate();
  }

  private entryOf(root: string): TimelineEntry | undefined {
    return this.session()?.timeline.entries.find((e) => e.file?.root === root && !e.deleted);
  }

  private with(root: string, run: (ref: FileRef) => void): void {
    const ref = this.entryOf(root)?.file;
    if (ref) run(ref);
  }
}
