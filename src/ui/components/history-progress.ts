/**
 * The bar above the messages while a long operation on the history runs: loading it from
 * this device, or receiving it from a peer (how much is in, then that its signatures are
 * being checked). The styles go into the owner's shadow root with `historyProgressStyles`.
 */
import { css, html, nothing } from 'lit';
import type { ConversationSession } from '../../client/conversation-session.js';

type HistoryProgress = ReturnType<ConversationSession['historyProgress']>;

export const historyProgressStyles = css`
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
`;

/** @param ready the stored history has loaded (the newest messages show from a cache before) */
export function historyProgress(p: HistoryProgress, ready: boolean) {
  if (!p && !ready) {
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
