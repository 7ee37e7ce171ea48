/**
 * `<parley-connection-status>`: how the conversation is connected, in plain words, as a
 * `role="status"` live region so screen readers hear changes without losing their place.
 * The host carries `data-connection="direct|relay|offline"` for tests and styling.
 */
import { LitElement, css, html } from 'lit';
import type { ConnectionKind } from '../../net/room-sync.js';
import { themeTokens } from '../styles/theme.js';

const LABELS: Record<ConnectionKind, string> = {
  direct: 'Direct',
  relay: 'Via relay',
  offline: 'Offline — messages will be delivered later',
};

/** The status line: how it is connected, and with how many other people (not devices). */
export function connectionText(connection: ConnectionKind, people: number): string {
  if (connection === 'offline' || people === 0) return LABELS[connection];
  return `${LABELS[connection]} · ${people} ${people === 1 ? 'person' : 'people'}`;
}

export class ConnectionStatus extends LitElement {
  static override properties = { connection: { type: String, reflect: true, attribute: 'data-connection' }, people: { type: Number } };
  declare connection: ConnectionKind;
  declare people: number;

  constructor() {
    super();
    this.connection = 'offline';
    this.people = 0;
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
      .dot.direct {
        background: var(--pl-ok);
      }
      .dot.relay {
        background: var(--pl-ok);
        opacity: 0.6;
      }
    `,
  ];

  protected override render() {
    return html`<span class="dot ${this.connection}" aria-hidden="true"></span>
      <span role="status">${connectionText(this.connection, this.people)}</span>`;
  }
}

customElements.define('parley-connection-status', ConnectionStatus);
