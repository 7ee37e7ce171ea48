/** The conversation view's own layout: the column, the empty state of a new group, the status lines. */
import { css } from 'lit';

export const conversationStyles = css`
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
  /* Beside the box while the files part loads, where Attach and Record go. */
  .files-loading {
    align-self: center;
    color: var(--pl-muted);
    font-size: 0.875rem;
  }
`;
