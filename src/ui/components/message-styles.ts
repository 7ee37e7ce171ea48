/**
 * Styles of the message list, its rows and its dialog (split out so the list module stays
 * about behaviour). Colours come only from the theme tokens.
 */
import { css } from 'lit';
import { phoneScreen } from '../styles/layout.js';

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
  .row {
    box-sizing: border-box;
    width: 100%;
  }
  article {
    box-sizing: border-box;
    width: 100%;
    padding: 0.3rem 1rem;
  }
  article.grouped {
    padding-top: 0.05rem;
  }
  article:focus-visible {
    outline: 2px solid var(--pl-focus);
    outline-offset: -2px;
  }
  .bubble {
    width: fit-content;
    max-width: min(42rem, 85%);
    min-width: 5rem;
    box-sizing: border-box;
    background: var(--pl-other);
    border: 1px solid var(--pl-other-border);
    border-radius: var(--pl-radius);
    padding: 0.4rem 0.7rem 0.3rem;
  }
  article.mine .bubble {
    margin-left: auto;
    background: var(--pl-mine);
    border-color: transparent;
  }
  article.highlight .bubble {
    outline: 3px solid var(--pl-accent);
  }
  header {
    display: flex;
    gap: 0.5rem;
    align-items: center;
    font-size: 0.8rem;
    min-width: 0;
  }
  .author {
    font-weight: 600;
    color: var(--pl-text);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .bot-badge {
    flex: none;
    padding: 0 0.35rem;
    border: 1px solid currentColor;
    border-radius: 0.25rem;
    font-size: 0.7rem;
    line-height: 1.2;
    text-transform: uppercase;
    letter-spacing: 0.04em;
    color: var(--pl-text);
  }
  .verified {
    color: var(--pl-accent, var(--pl-text));
    font-weight: 700;
  }
  .avatar {
    width: 1.25rem;
    height: 1.25rem;
    border-radius: 50%;
    flex: none;
  }
  p {
    margin: 0.15rem 0 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .text a {
    color: var(--pl-link);
  }
  .text.collapsed {
    max-height: 16.5em;
    overflow: hidden;
    mask-image: linear-gradient(to bottom, black 75%, transparent);
  }
  button.link {
    background: none;
    border: 0;
    padding: 0.1rem 0;
    color: var(--pl-link);
    text-decoration: underline;
    font-size: 0.85rem;
  }
  .deleted {
    font-style: italic;
    color: var(--pl-muted);
  }
  .quote {
    display: grid;
    width: 100%;
    text-align: left;
    margin: 0.2rem 0;
    padding: 0.25rem 0.5rem;
    border: 0;
    border-left: 3px solid var(--pl-accent);
    border-radius: 4px;
    background: var(--pl-quote);
    color: var(--pl-text);
    font-size: 0.85rem;
  }
  .quote-author {
    font-weight: 600;
  }
  .quote-text,
  .quote.missing {
    color: var(--pl-muted);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  footer {
    display: flex;
    gap: 0.4rem;
    justify-content: flex-end;
    align-items: center;
    font-size: 0.72rem;
    color: var(--pl-muted);
    white-space: nowrap;
    margin-top: 0.1rem;
  }
  .status.waiting,
  .status.saving {
    font-style: italic;
  }
  .status.sent {
    color: var(--pl-ok);
  }
  .status.sent.read {
    color: var(--pl-link);
    font-weight: 600;
  }
  .status.failed {
    color: var(--pl-danger);
    font-weight: 600;
  }
  /* At least 24 px each way (WCAG 2.5.8): on a phone "⋯" is how the message's actions open.
     The negative margin keeps the footer as tall as its line of text, as before. */
  footer .more {
    background: transparent;
    color: var(--pl-muted);
    border: 0;
    padding: 0 0.35rem;
    font-size: 1rem;
    line-height: 1;
    min-width: 1.5rem;
    min-height: 1.5rem;
    margin: -0.25rem 0;
  }
  .notice {
    text-align: center;
    font-size: 0.8rem;
    color: var(--pl-muted);
  }
  .reactions,
  .tools {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    margin-top: 0.25rem;
    align-items: center;
    font-size: 0.85rem;
  }
  .reaction {
    font-size: 0.8rem;
    padding: 0.1rem 0.45rem;
    /* 24 px to hit, but laid out as the 20 px chip it was (the row below does not move). */
    min-height: 1.5rem;
    margin: -0.125rem 0;
    background: var(--pl-surface-2);
    color: var(--pl-text);
    border: 1px solid var(--pl-border);
    border-radius: 999px;
  }
  .reaction[aria-pressed='true'] {
    border-color: var(--pl-accent);
    outline: 1px solid var(--pl-accent);
  }
  .tools button {
    font-size: 0.8rem;
    padding: 0.15rem 0.5rem;
  }
  /*
   * Actions float over the bubble's corner on hover or keyboard focus, so they cost no
   * height. Touch screens have no hover: there "⋯" and a long-press open the menu instead.
   */
  /* Anchored to the full-width message, not the bubble: it never reaches past the screen. */
  article.message {
    position: relative;
  }
  .actions {
    position: absolute;
    top: -0.7rem;
    right: 1rem;
    max-width: calc(100% - 2rem);
    box-sizing: border-box;
    flex-wrap: wrap;
    justify-content: flex-end;
    display: flex;
    gap: 0.15rem;
    padding: 0.15rem;
    background: var(--pl-bg);
    border: 1px solid var(--pl-border);
    border-radius: var(--pl-radius);
    opacity: 0;
    z-index: 1;
  }
  article.mine .actions {
    right: auto;
    left: 1rem;
    justify-content: flex-start;
  }
  .actions button {
    font-size: 0.75rem;
    padding: 0.1rem 0.4rem;
  }
  article:hover .actions,
  article:focus-within .actions {
    opacity: 1;
  }
  .edit-form {
    display: grid;
    gap: 0.3rem;
    margin-top: 0.25rem;
  }
  .edit-form textarea {
    font: inherit;
    min-height: 3rem;
    min-width: min(20rem, 60vw);
    resize: vertical;
  }
  .edit-error {
    color: var(--pl-danger);
    white-space: normal;
  }
  .empty {
    margin: auto;
    color: var(--pl-muted);
    padding: 2rem;
    text-align: center;
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

/** The modal dialog: centred on wide screens, a bottom sheet on phones. */
export const sheetStyles = css`
  dialog.sheet {
    border: 1px solid var(--pl-border);
    border-radius: var(--pl-radius);
    background: var(--pl-bg);
    color: var(--pl-text);
    padding: 0.75rem 1rem 1rem;
    width: min(24rem, calc(100vw - 2rem));
    box-sizing: border-box;
  }
  dialog.sheet::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
  @media ${phoneScreen} {
    dialog.sheet {
      margin: auto 0 0;
      width: 100%;
      max-width: 100%;
      border-radius: var(--pl-radius) var(--pl-radius) 0 0;
    }
  }
  .sheet-head {
    display: flex;
    align-items: center;
    gap: 0.5rem;
  }
  .sheet-head h2 {
    flex: 1;
    margin: 0;
    font-size: 1.05rem;
  }
  .sheet-head button {
    padding: 0.25rem 0.6rem;
  }
  .sheet-sub {
    color: var(--pl-muted);
    font-size: 0.85rem;
    white-space: normal;
  }
  .sheet-excerpt {
    color: var(--pl-text);
  }
  .quick {
    display: flex;
    gap: 0.4rem;
    margin: 0.75rem 0;
  }
  .quick button {
    font-size: 1.2rem;
    padding: 0.3rem 0.6rem;
  }
  .menu-items,
  .reactors {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.3rem;
  }
  .menu-items button {
    width: 100%;
    text-align: left;
  }
  .reactors li {
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  .reactor-emoji {
    font-size: 1.3rem;
  }
  .reactor-names {
    flex: 1;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .info {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.3rem 1rem;
    margin: 0.5rem 0 0;
  }
  .info dt {
    color: var(--pl-muted);
  }
  .info dd {
    margin: 0;
  }
  .info-head {
    font-size: 0.95rem;
    margin: 0.9rem 0 0.3rem;
  }
  .info-note {
    margin: 0.6rem 0 0;
    color: var(--pl-muted);
  }
  .readers {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.25rem;
  }
  .readers .when {
    color: var(--pl-muted);
    font-size: 0.85rem;
  }
`;
