/**
 * `<parley-qr>`: a QR code for a link or a safety number, drawn with the maintained `qrcode`
 * library. The library is loaded on first use, so it costs nothing at start-up.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';

export class QrCode extends LitElement {
  static override properties = { text: { type: String }, label: { type: String }, src: { state: true }, error: { state: true } };
  declare text: string;
  /** Accessible name of the image. */
  declare label: string;
  declare src: string;
  declare error: string;

  constructor() {
    super();
    this.text = '';
    this.label = 'QR code';
    this.src = '';
    this.error = '';
  }

  static override styles = css`
    :host {
      display: inline-block;
    }
    img {
      width: 12rem;
      height: 12rem;
      image-rendering: pixelated;
      background: #fff;
      border-radius: 6px;
    }
  `;

  protected override async willUpdate(changed: PropertyValues<this>): Promise<void> {
    if (!changed.has('text') || !this.text) return;
    try {
      const { default: QRCode } = await import('qrcode');
      this.src = await QRCode.toDataURL(this.text, { errorCorrectionLevel: 'M', margin: 2, width: 384 });
      this.error = '';
    } catch (error) {
      this.error = `Could not draw the QR code: ${(error as Error).message}`;
    }
  }

  protected override render() {
    if (this.error) return html`<p role="alert">${this.error}</p>`;
    return this.src ? html`<img src=${this.src} alt=${this.label} />` : nothing;
  }
}

customElements.define('parley-qr', QrCode);
