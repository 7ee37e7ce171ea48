/**
 * Styles of the message list and its rows (split out so the list module stays about
 * behaviour). Colours come only from the theme tokens.
 */
import { css } from 'lit';

export const messageStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 0;
    background: transparent;
  }
  [role='log'] {
    position: relative;
    flex: 1;
    min-height: 0;
    display: flex;
    flex-direction: column;
  }
  lit-virtualizer {
    flex: 1;
    min-height: 0;
    padding: 0.5rem 0;
  }
  article {
    box-sizing: border-box;
    width: 100%;
    padding: 0.3rem 1rem;
  }
  .bubble {
    max-width: min(42rem, 85%);
    background: var(--pl-surface);
    border-radius: var(--pl-radius);
    padding: 0.45rem 0.7rem;
  }
  article.mine .bubble {
    margin-left: auto;
    background: var(--pl-mine);
  }
  header {
    display: flex;
    gap: 0.5rem;
    align-items: baseline;
    font-size: 0.8rem;
    color: var(--pl-muted);
  }
  .author {
    font-weight: 600;
    color: var(--pl-text);
  }
  .avatar {
    width: 1.25rem;
    height: 1.25rem;
    border-radius: 50%;
    align-self: center;
  }
  p {
    margin: 0.15rem 0 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .deleted {
    font-style: italic;
    color: var(--pl-muted);
  }
  .status {
    font-size: 0.75rem;
    color: var(--pl-muted);
    text-align: right;
  }
  .status.failed {
    color: var(--pl-danger);
    font-weight: 600;
  }
  .notice {
    text-align: center;
    font-size: 0.8rem;
    color: var(--pl-muted);
  }
  .tools {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    margin-top: 0.25rem;
    align-items: center;
  }
  .tools button {
    font-size: 0.75rem;
    padding: 0.1rem 0.45rem;
    min-height: 0;
  }
  .tools [role='group'] {
    font-size: 0.85rem;
  }
  .tools:empty {
    display: none;
  }
  /*
   * Actions float over the bubble's corner on hover or keyboard focus, so they cost no
   * height; they stay in the accessibility tree. Touch screens have no hover: there
   * they sit in the flow, always shown.
   */
  .bubble {
    position: relative;
  }
  .actions {
    position: absolute;
    top: -0.55rem;
    right: 0.5rem;
    display: flex;
    gap: 0.2rem;
    padding: 0.15rem;
    background: var(--pl-surface);
    border: 1px solid var(--pl-border);
    border-radius: var(--pl-radius);
    opacity: 0;
  }
  .actions button {
    font-size: 0.75rem;
    padding: 0.1rem 0.45rem;
  }
  article:hover .actions,
  article:focus-within .actions {
    opacity: 1;
  }
  @media (hover: none) {
    .actions {
      position: static;
      margin-top: 0.25rem;
      opacity: 1;
      border: 0;
      background: transparent;
      padding: 0;
    }
  }
  button.danger {
    background: var(--pl-danger);
    color: var(--pl-bg);
  }
  .reaction[aria-pressed='true'] {
    outline: 2px solid var(--pl-accent);
  }
  .edit-form {
    display: grid;
    gap: 0.3rem;
    margin-top: 0.25rem;
  }
  .edit-form textarea {
    font: inherit;
    min-height: 3rem;
    resize: vertical;
  }
  .empty {
    margin: auto;
    color: var(--pl-muted);
    padding: 2rem;
    text-align: center;
  }
  .row {
    box-sizing: border-box;
    width: 100%;
  }
  .separator {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    margin: 0.6rem 1rem 0.3rem;
    font-size: 0.78rem;
    color: var(--pl-muted);
  }
  .separator::before,
  .separator::after {
    content: '';
    flex: 1;
    border-top: 1px solid var(--pl-border);
  }
  .separator.unread {
    color: var(--pl-danger);
    font-weight: 600;
  }
  .separator.unread::before,
  .separator.unread::after {
    border-color: currentColor;
  }
  article.grouped {
    padding-top: 0.05rem;
  }
  .jump {
    position: absolute;
    right: 1rem;
    bottom: 0.75rem;
    display: inline-flex;
    gap: 0.4rem;
    align-items: center;
    box-shadow: 0 2px 8px rgb(0 0 0 / 0.25);
    border-radius: 999px;
  }
  .jump .count {
    background: var(--pl-accent-text);
    color: var(--pl-accent);
    border-radius: 999px;
    padding: 0 0.4rem;
    font-size: 0.8rem;
    font-weight: 600;
  }
`;
