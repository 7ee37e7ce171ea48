/**
 * `<parley-transfer-progress>`: a file's transfer line (progress bar, waiting, failed,
 * cancelled) that redraws itself when only the bytes moved change (docs/architecture.md
 * §14.5). Progress came every 100 ms on both sides of a transfer, and each one had re-rendered
 * the whole virtualized message list, which measured every rendered message (a forced layout
 * each time); now only this element renders, and its height does not change while it moves.
 *
 * Rendered into the light DOM, so the message list's styles (`fileStyles`) apply and the bar
 * is found where the rest of the message is.
 */
import { LitElement, type PropertyValues } from 'lit';
import type { FileView } from '../../client/files/client-files.js';
import type { FileRef } from '../../core/files/file-ref.js';
import { renderProgress } from './file-card.js';

/** Where the element reads a file's view, and hears that its bytes moved (`ClientFiles`). */
export interface ProgressSource {
  /** The file's view now. */
  view(ref: FileRef): FileView | undefined;
  on(name: 'progress', f: (root: string) => void): unknown;
  off(name: 'progress', f: (root: string) => void): unknown;
}

export class TransferProgress extends LitElement {
  static override properties = {
    ref: { attribute: false },
    view: { attribute: false },
    source: { attribute: false },
  };

  declare ref: FileRef | undefined;
  /** The file's view as the list last rendered it (a change of state); progress replaces it. */
  declare view: FileView | undefined;
  declare source: ProgressSource | undefined;
  private followed: ProgressSource | undefined;

  constructor() {
    super();
    this.ref = undefined;
    this.view = undefined;
    this.source = undefined;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.follow(this.source);
  }

  override disconnectedCallback(): void {
    this.follow(undefined);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('source') && this.isConnected) this.follow(this.source);
  }

  private follow(source: ProgressSource | undefined): void {
    if (source === this.followed) return;
    this.followed?.off('progress', this.onProgress);
    this.followed = source;
    source?.on('progress', this.onProgress);
  }

  private readonly onProgress = (root: string): void => {
    if (root === this.ref?.root) this.view = this.source?.view(this.ref);
  };

  protected override render() {
    return this.ref ? renderProgress(this.ref, this.view) : null;
  }
}

customElements.define('parley-transfer-progress', TransferProgress);
