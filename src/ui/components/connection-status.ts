/**
 * `<parley-connection-status>`: says whether peers are connected, as a `role="status"`
 * live region so screen readers hear changes without losing their place.
 */
import { LitElement, css, html } from 'lit';
import type { SignalingStatus } from '../../net/signaling-client.js';
import { themeTokens } from '../styles/theme.js';

export function connectionText(peers: number, signaling: SignalingStatus): string {
  if (peers > 0) return `Connected to ${peers} ${peers === 1 ? 'peer' : 'peers'}`;
  if (signaling === 'connected') return 'No peers online';
  return signaling === 'connecting' ? 'Connecting…' : 'Offline';
}

export class ConnectionStatus extends LitElement {
  static override properties = { peers: { type: Number }, signaling: { type: String } };
  declare peers: number;
  declare signaling: SignalingStatus;

  constructor() {
    super();
    this.peers = 0;
    this.signaling = 'disconnected';
  }

  static override styles = [
    themeTokens,
    css`
      :host {
        display: inline-flex;
        align-items: center;
        gap: 0.35rem;
        font-size: 0.8rem;
        color: var(--pl-muted);
        background: transparent;
      }
      .dot {
        width: 0.55rem;
        height: 0.55rem;
        border-radius: 50%;
        background: var(--pl-muted);
      }
      .dot.on {
        background: var(--pl-ok);
      }
    `,
  ];

  protected override render() {
    return html`<span class="dot ${this.peers > 0 ? 'on' : ''}" aria-hidden="true"></span>
      <span role="status">${connectionText(this.peers, this.signaling)}</span>`;
  }
}

customElements.define('parley-connection-status', ConnectionStatus);
