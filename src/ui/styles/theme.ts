/**
 * Design tokens as CSS custom properties. Dark and light follow the system setting through
 * `prefers-color-scheme`; components read only the tokens.
 */
import { css } from 'lit';

export const themeTokens = css`
  :host {
    --pl-bg: #ffffff;
    --pl-surface: #f3f4f7;
    --pl-surface-2: #e7e9ee;
    --pl-text: #16181d;
    --pl-muted: #5b6270;
    --pl-accent: #2f5bd3;
    --pl-accent-text: #ffffff;
    --pl-mine: #dce6ff;
    /* Other people's bubbles: a border of at least 3:1 against the page (WCAG 1.4.11). */
    --pl-other: #f1f2f5;
    --pl-other-border: #8a909c;
    --pl-quote: rgb(0 0 0 / 0.05);
    --pl-link: #2f5bd3;
    --pl-danger: #b3261e;
    --pl-ok: #17652f;
    --pl-border: #d3d7df;
    --pl-focus: #1a4fd6;
    --pl-radius: 10px;
    --pl-font: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    color-scheme: light dark;
    font-family: var(--pl-font);
    color: var(--pl-text);
    background: var(--pl-bg);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --pl-bg: #111318;
      --pl-surface: #1b1e25;
      --pl-surface-2: #252932;
      --pl-text: #e8eaef;
      --pl-muted: #a1a8b6;
      --pl-accent: #8aa9ff;
      --pl-accent-text: #0d1220;
      --pl-mine: #243356;
      --pl-other: #262a33;
      --pl-other-border: #6b7385;
      --pl-quote: rgb(255 255 255 / 0.06);
      --pl-link: #8aa9ff;
      --pl-danger: #ffb4ab;
      --pl-ok: #7dd99a;
      --pl-border: #343946;
      --pl-focus: #9db7ff;
    }
  }
`;

export const controls = css`
  button {
    font: inherit;
    border: 1px solid transparent;
    border-radius: var(--pl-radius);
    padding: 0.5rem 0.9rem;
    background: var(--pl-accent);
    color: var(--pl-accent-text);
    cursor: pointer;
  }
  button.secondary {
    background: var(--pl-surface-2);
    color: var(--pl-text);
    border-color: var(--pl-border);
  }
  /* A destructive step, once confirmed (Delete, Remove, Leave). */
  button.danger {
    background: var(--pl-danger);
    color: var(--pl-bg);
  }
  button:disabled {
    opacity: 0.55;
    cursor: default;
  }
  input,
  textarea {
    font: inherit;
    color: var(--pl-text);
    background: var(--pl-bg);
    border: 1px solid var(--pl-border);
    border-radius: var(--pl-radius);
    padding: 0.5rem 0.65rem;
  }
  /* A file input's button, as a secondary button: the browser's own is grey in dark mode
     too, and its size changes between Chromium builds (the screenshots caught a 1 px change). */
  input::file-selector-button {
    font: inherit;
    color: var(--pl-text);
    background: var(--pl-surface-2);
    border: 1px solid var(--pl-border);
    border-radius: var(--pl-radius);
    padding: 0.3rem 0.75rem;
    margin-inline-end: 0.6rem;
    cursor: pointer;
  }
  :focus-visible {
    outline: 2px solid var(--pl-focus);
    outline-offset: 2px;
  }
  /* What went wrong, as an action's alert() shows it. */
  .error {
    color: var(--pl-danger);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;

/**
 * A native `<dialog>` panel and its backdrop (invite, mute). Width: `--pl-dialog-width` on
 * the dialog, never wider than the screen less a margin.
 */
export const dialogPanel = css`
  dialog {
    border: 1px solid var(--pl-border);
    border-radius: var(--pl-radius);
    background: var(--pl-bg);
    color: var(--pl-text);
    padding: 1rem;
    width: min(var(--pl-dialog-width, 24rem), calc(100vw - 2rem));
    box-sizing: border-box;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
`;

/** The avatar chooser of first launch and of Settings → Profile: preview beside the file input. */
export const avatarPicker = css`
  .avatar-row {
    display: flex;
    gap: 0.75rem;
    align-items: center;
    flex-wrap: wrap;
  }
  .avatar-row input {
    flex: 1 1 12rem;
    max-width: 100%;
  }
  .avatar {
    width: 3rem;
    height: 3rem;
    border-radius: 50%;
  }
`;
