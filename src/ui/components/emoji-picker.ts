/**
 * `<parley-emoji-picker>`: the full emoji set, searchable, for reactions. The data and its
 * search come from `emoji-picker-element`'s Database (IndexedDB-backed), fed from a copy of
 * its data served by Parley itself, so choosing an emoji never contacts another host. The
 * picker's own element is not used: it injects inline styles, which Parley's Content
 * Security Policy forbids; this view is plain Lit.
 *
 * Emits `parley-emoji` (detail: { emoji }) when one is chosen.
 */
import { LitElement, css, html, nothing } from 'lit';
import Database from 'emoji-picker-element/database.js';
import type { NativeEmoji } from 'emoji-picker-element/shared.js';
import dataSource from 'emoji-picker-element-data/en/emojibase/data.json?url';
import { controls, themeTokens } from '../styles/theme.js';

/** Emojibase groups shown as tabs (group 2, skin-tone components, is not offered). */
const GROUPS: ReadonlyArray<{ readonly id: number; readonly label: string; readonly icon: string }> = [
  { id: 0, label: 'Smileys and emotion', icon: '😀' },
  { id: 1, label: 'People and body', icon: '👋' },
  { id: 3, label: 'Animals and nature', icon: '🐱' },
  { id: 4, label: 'Food and drink', icon: '🍎' },
  { id: 5, label: 'Travel and places', icon: '🏠' },
  { id: 6, label: 'Activities', icon: '⚽' },
  { id: 7, label: 'Objects', icon: '📝' },
  { id: 8, label: 'Symbols', icon: '⛔' },
  { id: 9, label: 'Flags', icon: '🏁' },
];

let database: Database | null = null;
const db = (): Database => (database ??= new Database({ dataSource }));

export interface EmojiDetail {
  readonly emoji: string;
}

interface Shown {
  readonly unicode: string;
  readonly name: string;
}

export class EmojiPicker extends LitElement {
  static override properties = { group: { state: true }, query: { state: true }, shown: { state: true }, failed: { state: true } };
  declare group: number;
  declare query: string;
  declare shown: Shown[] | null;
  declare failed: boolean;
  private request = 0;

  constructor() {
    super();
    this.group = 0;
    this.query = '';
    this.shown = null;
    this.failed = false;
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: grid;
        gap: 0.5rem;
        width: min(22rem, calc(100vw - 3rem));
        background: transparent;
      }
      input {
        width: 100%;
        box-sizing: border-box;
      }
      .tabs {
        display: flex;
        flex-wrap: wrap;
        gap: 0.15rem;
      }
      .tabs button,
      .grid button {
        font-size: 1.3rem;
        line-height: 1;
        padding: 0.3rem;
        background: transparent;
        color: inherit;
        border-radius: 6px;
      }
      .tabs button[aria-pressed='true'] {
        background: var(--pl-surface-2);
        outline: 2px solid var(--pl-accent);
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(2.4rem, 1fr));
        max-height: 16rem;
        overflow-y: auto;
        overscroll-behavior: contain;
      }
      .grid button:hover {
        background: var(--pl-surface-2);
      }
      p {
        margin: 0;
        color: var(--pl-muted);
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  protected override render() {
    return html`<label class="visually-hidden" for="search">Search emoji</label>
      <input id="search" type="search" placeholder="Search emoji" autocomplete="off" .value=${this.query} @input=${this.onSearch} />
      ${this.query
        ? nothing
        : html`<div class="tabs" role="group" aria-label="Emoji categories">
            ${GROUPS.map(
              (g) => html`<button type="button" aria-label=${g.label} title=${g.label} aria-pressed=${g.id === this.group ? 'true' : 'false'}
                @click=${() => this.choose(g.id)}>${g.icon}</button>`,
            )}
          </div>`}
      ${this.failed
        ? html`<p role="alert">The emoji list could not be loaded.</p>`
        : this.shown === null
          ? html`<p role="status">Loading emoji…</p>`
          : this.shown.length === 0
            ? html`<p role="status">No emoji found.</p>`
            : html`<div class="grid" role="group" aria-label=${this.query ? 'Search results' : (GROUPS.find((g) => g.id === this.group)?.label ?? 'Emoji')}>
                ${this.shown.map(
                  (e) => html`<button type="button" aria-label=${e.name} title=${e.name} @click=${() => this.pick(e.unicode)}>${e.unicode}</button>`,
                )}
              </div>`}`;
  }

  override focus(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#search')?.focus();
  }

  private choose(group: number): void {
    this.group = group;
    void this.load();
  }

  private readonly onSearch = (event: Event): void => {
    this.query = (event.target as HTMLInputElement).value.trim();
    void this.load();
  };

  private async load(): Promise<void> {
    const request = ++this.request;
    try {
      const found = this.query ? await db().getEmojiBySearchQuery(this.query) : await db().getEmojiByGroup(this.group);
      if (request !== this.request) return;
      this.shown = found.filter((e): e is NativeEmoji => 'unicode' in e).map((e) => ({ unicode: e.unicode, name: e.annotation }));
      this.failed = false;
    } catch {
      if (request === this.request) this.failed = true;
    }
  }

  private pick(emoji: string): void {
    this.dispatchEvent(new CustomEvent<EmojiDetail>('parley-emoji', { detail: { emoji }, bubbles: true, composed: true }));
  }
}

customElements.define('parley-emoji-picker', EmojiPicker);

declare global {
  interface HTMLElementTagNameMap {
    'parley-emoji-picker': EmojiPicker;
  }
}
