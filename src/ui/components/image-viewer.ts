/**
 * `<parley-image-viewer>`: a conversation's images full size, one at a time, in a modal
 * dialog (docs/architecture.md §14.4). Escape or Close closes it; ←/→ and the Previous/Next
 * buttons move between images; a horizontal swipe does the same on touch.
 *
 * Events: `parley-viewer-close`, `parley-viewer-move` (detail: { step: -1 | 1 }).
 */
import { LitElement, css, html, nothing } from 'lit';
import { controls, themeTokens } from '../styles/theme.js';

export interface ViewerImage {
  readonly url: string | null;
  readonly alt: string;
}

export class ImageViewer extends LitElement {
  static override properties = { image: { attribute: false }, hasPrevious: { type: Boolean }, hasNext: { type: Boolean } };
  declare image: ViewerImage | null;
  declare hasPrevious: boolean;
  declare hasNext: boolean;
  private touchX: number | null = null;

  constructor() {
    super();
    this.image = null;
    this.hasPrevious = false;
    this.hasNext = false;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      dialog {
        width: 100vw;
        height: 100vh;
        max-width: none;
        max-height: none;
        margin: 0;
        padding: 0;
        border: 0;
        background: rgb(0 0 0 / 0.9);
        color: #fff;
      }
      .stage {
        display: grid;
        grid-template-columns: auto 1fr auto;
        align-items: center;
        height: 100%;
      }
      img {
        max-width: 100%;
        max-height: 92vh;
        margin: auto;
        display: block;
      }
      /* On a phone the image takes the whole width: Previous and Next go under it, where
         beside it they left a 640 px image 132 px of a 320 px screen. */
      @media (max-width: 40rem) {
        .stage {
          grid-template-columns: 1fr 1fr;
          grid-template-rows: minmax(0, 1fr) auto;
        }
        .stage > :not(button) {
          grid-area: 1 / 1 / 2 / 3;
        }
        img {
          max-height: calc(100vh - 7rem);
        }
        .stage > button:last-child {
          justify-self: end;
        }
        .stage > button:first-child {
          justify-self: start;
        }
      }
      .bar {
        position: absolute;
        top: 0.5rem;
        right: 0.5rem;
      }
      button {
        background: rgb(255 255 255 / 0.15);
        color: #fff;
        border: 0;
        border-radius: 999px;
        padding: 0.5rem 0.8rem;
        margin: 0.5rem;
      }
    `,
  ];

  protected override updated(): void {
    // Not while detached (the view left the page before this update ran): showModal throws
    // there. Attached again, connectedCallback asks for the update that opens it.
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && this.image && !dialog.open && this.isConnected) dialog.showModal();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.image) this.requestUpdate();
  }

  protected override render() {
    if (!this.image) return nothing;
    return html`<dialog aria-label="Image viewer" @close=${this.onClose} @keydown=${this.onKey} @touchstart=${this.onTouchStart} @touchend=${this.onTouchEnd}>
      <div class="stage">
        <button type="button" ?disabled=${!this.hasPrevious} @click=${() => this.move(-1)}>Previous</button>
        ${this.image.url ? html`<img src=${this.image.url} alt=${this.image.alt} />` : html`<p>Loading ${this.image.alt}…</p>`}
        <button type="button" ?disabled=${!this.hasNext} @click=${() => this.move(1)}>Next</button>
      </div>
      <div class="bar"><button type="button" @click=${() => this.renderRoot.querySelector('dialog')?.close()}>Close</button></div>
    </dialog>`;
  }

  private move(step: -1 | 1): void {
    if ((step < 0 && !this.hasPrevious) || (step > 0 && !this.hasNext)) return;
    this.dispatchEvent(new CustomEvent('parley-viewer-move', { detail: { step }, bubbles: true, composed: true }));
  }

  private readonly onKey = (event: KeyboardEvent): void => {
    if (event.key === 'ArrowLeft') this.move(-1);
    else if (event.key === 'ArrowRight') this.move(1);
  };

  private readonly onTouchStart = (event: TouchEvent): void => {
    this.touchX = event.touches[0]?.clientX ?? null;
  };

  private readonly onTouchEnd = (event: TouchEvent): void => {
    const start = this.touchX;
    const end = event.changedTouches[0]?.clientX;
    this.touchX = null;
    if (start === null || end === undefined || Math.abs(end - start) < 50) return;
    this.move(end < start ? 1 : -1);
  };

  private readonly onClose = (): void => {
    this.dispatchEvent(new CustomEvent('parley-viewer-close', { bubbles: true, composed: true }));
  };
}

customElements.define('parley-image-viewer', ImageViewer);
