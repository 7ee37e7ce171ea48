/**
 * How a file message shows in the log (docs/architecture.md §14.4): pure templates over the
 * file reference and this device's view of it.
 *
 * - Images: `<img>` with `alt` = caption or name, inside a box of the image's aspect ratio
 *   that shows the thumbhash until the bytes are here, so the list never jumps. Clicking
 *   opens the viewer.
 * - Video and audio: native controls, inline.
 * - Anything else: a card with an icon, name, size and "Download NAME".
 * - While bytes move either way: `role="progressbar"` named "Transfer of NAME", with bytes and
 *   percent, and a Cancel button on the receiving side.
 *
 * Buttons raise bubbling, composed events the conversation view handles:
 * `parley-file-download`, `parley-file-cancel`, `parley-file-open`, `parley-file-save` (detail: { root }).
 */
import { css, html, nothing } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { thumbHashToDataURL } from 'thumbhash';
import { fromBase64Url } from '../../core/bytes.js';
import { isStandIn, mediaKind, type FileRef } from '../../core/files/file-ref.js';
import type { FileView } from '../../client/files/client-files.js';
import { finiteDuration } from '../../client/files/media-duration.js';
import { sizeText } from '../error-text.js';
import { decodeWave, durationText } from '../../core/files/waveform.js';
import type { ProgressSource } from './transfer-progress.js';

export interface FileDetail {
  readonly root: string;
}

const placeholders = new Map<string, string>();

/**
 * The thumbhash as an image URL (decoded once per thumbhash). Kept by the thumbhash, not the
 * root: a cached row's stand-in has no root, and every stand-in would have shown the first
 * one's placeholder.
 */
function placeholderOf(ref: FileRef): string | null {
  if (!ref.thumb) return null;
  let url = placeholders.get(ref.thumb);
  if (url === undefined) {
    const bytes = fromBase64Url(ref.thumb);
    try {
      url = bytes ? thumbHashToDataURL(bytes) : '';
    } catch {
      url = '';
    }
    if (placeholders.size > 500) placeholders.clear();
    placeholders.set(ref.thumb, url);
  }
  return url || null;
}

/**
 * Sets inline styles through the CSSOM (`style.setProperty`), which the CSP's `style-src`
 * allows; a `style=""` attribute — which Lit's styleMap writes on its first render — it blocks.
 */
const styled = (properties: Readonly<Record<string, string>>) =>
  ref((element) => {
    if (!(element instanceof HTMLElement)) return;
    for (const [name, value] of Object.entries(properties)) element.style.setProperty(name, value);
  });

/** A link to the service worker's URL is saved by the page (`FileViews.save` says why); a Blob's saves itself. */
function savedByPage(event: Event, url: string, root: string): void {
  if (url.startsWith('blob:')) return;
  event.preventDefault();
  raise(event, 'parley-file-save', root);
}

function raise(event: Event, type: string, root: string): void {
  event.stopPropagation();
  (event.currentTarget as Element).dispatchEvent(new CustomEvent<FileDetail>(type, { detail: { root }, bubbles: true, composed: true }));
}

/**
 * A file message's media or card. With `source`, the transfer line is a
 * `<parley-transfer-progress>` that redraws itself as bytes move (the list re-renders only
 * when the file's state changes); without, it is drawn here from `view`.
 */
export function renderFile(ref: FileRef, caption: string, view: FileView | undefined, source?: ProgressSource) {
  const kind = mediaKind(ref.type);
  const url = view?.url ?? null;
  const progress = source ? html`<parley-transfer-progress .ref=${ref} .view=${view} .source=${source}></parley-transfer-progress>` : renderProgress(ref, view);
  // The transfer line comes and goes; it is laid over the media, or takes the card's own
  // action line, so the row keeps its height (docs/architecture.md §11).
  const media = ref.voice ? renderVoice(ref, url) : kind === 'image' ? renderImage(ref, caption, url) : kind === 'video' || kind === 'audio' ? renderPlayer(ref, kind, caption, view) : null;
  const body = media ? html`<div class="media-box">${media}${progress}</div>` : renderCard(ref, view, progress);
  return html`<div class="file" data-file=${ref.root}>${body}${renderMailboxNote(ref, view)}</div>`;
}

/**
 * Where a file is for members who are offline (docs/architecture.md §14.6): the sender sees
 * its copy in the mailbox; a file the mailbox does not keep (over the server's
 * `MAILBOX_MAX_FILE_BYTES`) says that it comes only from a member who has it.
 */
function renderMailboxNote(ref: FileRef, view: FileView | undefined) {
  if (!view || view.state === 'failed' || view.state === 'cancelled') return nothing;
  const note = (text: string) => html`<p class="file-status" role="status">${text}</p>`;
  if (view.overBudget && view.state !== 'done') {
    return note(`${ref.name} was not downloaded: it would take this conversation's media on this device past its budget. Clear downloaded media or raise the budget in Settings.`);
  }
  if (view.direction === 'send') {
    if (view.mailbox === 'uploading') return note(`Saving ${ref.name} in the mailbox for members who are offline…`);
    if (view.mailbox === 'stored') return note(`${ref.name} is in the mailbox for members who are offline.`);
    if (view.mailbox === 'refused') return note(`${ref.name} is not in the mailbox: members who are offline get it from a member who has it, when one is online.`);
    if (!ref.mailbox) return note(`${ref.name} is too large for the mailbox: members who are offline get it from a member who has it, when one is online.`);
    return nothing;
  }
  if (ref.mailbox || view.state === 'done') return nothing;
  return note(`${ref.name} is too large for the mailbox: it comes directly from a member who has it, when one is online.`);
}

/**
 * A voice message (docs/architecture.md §14.8): its waveform and recorded duration, and the
 * player once the bytes are here. The duration comes from the message, since a recording's
 * WebM states none.
 */
function renderVoice(ref: FileRef, url: string | null) {
  const duration = durationText(ref.ms ?? 0);
  const levels = decodeWave(ref.wave);
  return html`<div class="voice">
    ${url ? html`<audio controls preload="metadata" src=${url} aria-label=${`Voice message, ${duration}`} @loadedmetadata=${findDuration}></audio>` : html`<span class="voice-pending">Voice message</span>`}
    <span class="wave" aria-hidden="true">${[...levels].map((level) => html`<span ${styled({ height: `${Math.max(8, Math.round((level / 255) * 100))}%` })}></span>`)}</span>
    <span class="duration">${duration}</span>
  </div>`;
}

function renderImage(ref: FileRef, caption: string, url: string | null) {
  const ratio = ref.w && ref.h ? `${ref.w} / ${ref.h}` : '4 / 3';
  const thumb = placeholderOf(ref);
  const alt = caption || ref.name;
  const style = styled({ 'aspect-ratio': ratio, ...(thumb ? { 'background-image': `url(${thumb})` } : {}) });
  return url
    ? html`<button type="button" class="image" tabindex="-1" ${style} aria-label=${`Open ${alt}`} @click=${(e: Event) => raise(e, 'parley-file-open', ref.root)}>
        <img src=${url} alt=${alt} />
      </button>`
    : html`<div class="image pending" ${style} role="img" aria-label=${`${alt} (loading)`}></div>`;
}

/**
 * A video or a (non-voice) audio file: its player once the bytes are here, and before that a
 * box of the player's size (a video's from the message's pixel size, else 16:9; audio one
 * player tall) with the file's name, size and Download when nothing fetches it, so the row
 * keeps its height when the player comes (docs/architecture.md §11).
 */
function renderPlayer(ref: FileRef, kind: 'video' | 'audio', caption: string, view: FileView | undefined) {
  const url = view?.url ?? null;
  const label = caption || ref.name;
  const box = styled(kind === 'video' ? { 'aspect-ratio': ref.w && ref.h ? `${ref.w} / ${ref.h}` : '16 / 9' } : {});
  if (url) {
    return kind === 'video'
      ? html`<video class="media video" controls preload="metadata" src=${url} aria-label=${label} ${box} @loadedmetadata=${findDuration}></video>`
      : html`<audio class="media audio" controls preload="metadata" src=${url} aria-label=${label} @loadedmetadata=${findDuration}></audio>`;
  }
  // As on a card: Download while nothing fetches the file, a file over the auto-download
  // size included (`idle`; a cancelled one has it in its transfer line).
  const idle = (!view || view.state === 'idle') && !isStandIn(ref);
  // The length the message carries (the sender read it, a recording's WebM to its end).
  const duration = ref.ms ? durationText(ref.ms) : '';
  return html`<div class=${`media ${kind} pending`} role="group" aria-label=${`${label} (${kind}, ${duration ? `${duration}, ` : ''}not here yet)`} ${box}>
    <span class="icon" aria-hidden="true">${kind === 'video' ? '🎬' : '🎵'}</span>
    <span class="name">${ref.name}</span>
    <span class="size">${sizeText(ref.size)}${duration ? `, ${duration}` : ''}</span>
    ${idle ? downloadButton(ref) : nothing}
  </div>`;
}

/**
 * A recording's WebM states no duration: its player would show none, and its timeline could
 * not be used, until played to the end. Its real length is found at once (`finiteDuration`).
 */
function findDuration(event: Event): void {
  const media = event.currentTarget as HTMLMediaElement;
  if (!Number.isFinite(media.duration)) void finiteDuration(media);
}

/**
 * A file other than media: icon, name, size, and one action line that holds the transfer
 * line while the file moves, waits, failed or was cancelled, else its Download link or
 * button. The line has the same height whatever it holds.
 */
function renderCard(ref: FileRef, view: FileView | undefined, progress: unknown) {
  const url = view?.url ?? null;
  const state = view?.state;
  const transfer = state === 'moving' || state === 'failed' || state === 'cancelled' || (state === 'waiting' && view?.direction === 'receive');
  return html`<div class="card">
    <span class="icon" aria-hidden="true">📄</span>
    <span class="name">${ref.name}</span>
    <span class="size">${sizeText(ref.size)}</span>
    <div class="action">
      ${transfer
        ? progress
        : url
          ? html`<a href=${url} download=${ref.name} tabindex="-1" @click=${(e: Event) => savedByPage(e, url, ref.root)}>Download ${ref.name}</a>`
          : state === 'done' || state === 'waiting' || isStandIn(ref)
            ? nothing
            : downloadButton(ref)}
    </div>
  </div>`;
}

function downloadButton(ref: FileRef) {
  return html`<button type="button" class="link" tabindex="-1" @click=${(e: Event) => raise(e, 'parley-file-download', ref.root)}>Download ${ref.name}</button>`;
}

/** The transfer line: waiting, failed, cancelled, or the progress bar while bytes move. */
export function renderProgress(ref: FileRef, view: FileView | undefined) {
  if (!view) return nothing;
  if (view.state === 'waiting' && view.direction === 'receive') {
    return html`<p class="file-status" role="status">Waiting for a member who has ${ref.name}… ${cancelButton(ref)}</p>`;
  }
  if (view.state === 'failed') return html`<p class="file-status" role="status">${ref.name} could not be received.</p>`;
  // A card shows this line in place of its Download button: media and cards alike need one here to start again.
  if (view.state === 'cancelled') return html`<p class="file-status" role="status">Cancelled. ${downloadButton(ref)}</p>`;
  if (view.state !== 'moving') return nothing;
  const percent = Math.floor((view.done / Math.max(1, view.size)) * 100);
  const text = `${sizeText(view.done)} of ${sizeText(view.size)} (${percent}%)`;
  return html`<div class="transfer">
    <div role="progressbar" aria-label=${`Transfer of ${ref.name}`} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent} aria-valuetext=${text} class="bar">
      <span ${styled({ width: `${percent}%` })}></span>
    </div>
    <span class="transfer-text">${text}</span>
    ${view.direction === 'receive' ? cancelButton(ref) : nothing}
  </div>`;
}

function cancelButton(ref: FileRef) {
  return html`<button type="button" class="link" tabindex="-1" aria-label=${`Cancel transfer of ${ref.name}`} @click=${(e: Event) => raise(e, 'parley-file-cancel', ref.root)}>Cancel</button>`;
}

export const fileStyles = css`
  .voice {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    flex-wrap: wrap;
    /* As tall as the player that replaces the "Voice message" label once the bytes are here. */
    min-height: 2rem;
  }
  .voice audio {
    height: 2rem;
    max-width: 14rem;
  }
  .wave {
    display: inline-flex;
    align-items: center;
    gap: 1px;
    height: 1.6rem;
  }
  .wave span {
    display: inline-block;
    width: 2px;
    background: currentColor;
    opacity: 0.6;
  }
  .duration {
    font-variant-numeric: tabular-nums;
  }
  .file {
    display: grid;
    /* One column no wider than the bubble: an auto column took the media's 280 or 320 px
       even where the bubble is narrower (a phone: 85% of 360 px leaves 256 px inside), so
       the media's max-width: 100% never applied and it reached past the bubble. */
    grid-template-columns: minmax(0, 1fr);
    gap: 0.3rem;
    margin: 0.2rem 0;
  }
  /* The transfer line is laid over the bottom of the media while it shows: in the flow it
     made the row 24 px taller, then shorter again, and the rows around it jumped. */
  .media-box {
    position: relative;
    /* As wide as the media, not the bubble (a note under it may widen the bubble). */
    justify-self: start;
    max-width: 100%;
  }
  .media-box .file-status,
  .media-box .transfer {
    position: absolute;
    left: 0;
    right: 0;
    bottom: 0;
    box-sizing: border-box;
    padding: 0.25rem 0.5rem;
    border-radius: 0 0 0.5rem 0.5rem;
    background: color-mix(in srgb, var(--pl-surface) 92%, transparent);
    color: var(--pl-text);
  }
  .image {
    display: block;
    /* A definite width, not min(280px, 100%): in a bubble as wide as its content (fit-content)
       a percentage width made the placeholder as narrow as the time line (88 × 55 px), and the
       row grew and shrank by 120-144 px as a status line or the image came and went. */
    width: 280px;
    max-width: 100%;
    max-height: 360px;
    padding: 0;
    border: 0;
    border-radius: 0.5rem;
    overflow: hidden;
    background: var(--pl-border) center / cover no-repeat;
    cursor: zoom-in;
  }
  .image img {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  .image.pending {
    cursor: default;
  }
  /* A definite width, as for images: a percentage one in a bubble as wide as its content
     shrinks to the time line. A video's box has the message's aspect ratio in every state
     (the player letterboxes); an audio player and its stand-in are one player tall. */
  .media {
    display: block;
    box-sizing: border-box;
    width: 320px;
    max-width: 100%;
    border-radius: 0.5rem;
  }
  .media.video {
    max-height: 360px;
    object-fit: contain;
    background: #000;
  }
  .media.audio {
    height: 3.25rem;
  }
  .media.pending {
    display: flex;
    align-items: center;
    justify-content: center;
    flex-wrap: wrap;
    gap: 0.25rem 0.5rem;
    padding: 0.4rem 0.6rem;
    overflow: hidden;
    background: var(--pl-border);
    color: var(--pl-text);
  }
  .media.pending .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .media.audio.pending {
    flex-wrap: nowrap;
    justify-content: flex-start;
  }
  .media.audio.pending .name {
    min-width: 0;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .media.pending .size {
    font-size: 0.8rem;
    color: var(--pl-muted);
  }
  .card {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0 0.5rem;
    align-items: center;
    padding: 0.4rem 0.6rem;
    border: 1px solid var(--pl-border);
    border-radius: 0.5rem;
  }
  .card .icon {
    grid-row: span 3;
    font-size: 1.6rem;
  }
  /* One line tall whether it holds Download, the transfer line or nothing. */
  .card .action {
    grid-column: 2;
    display: flex;
    align-items: center;
    min-height: 1.5rem;
    min-width: 0;
  }
  .card .action .transfer {
    flex: 1;
  }
  .card .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .card .size,
  .transfer-text,
  .file-status {
    font-size: 0.8rem;
    color: var(--pl-muted);
    margin: 0;
  }
  /* Its bar and lines are the file's own rows: an empty one adds no gap. */
  parley-transfer-progress {
    display: contents;
  }
  .transfer {
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  .bar {
    flex: 1;
    min-width: 6rem;
    height: 0.4rem;
    border-radius: 999px;
    background: var(--pl-border);
    overflow: hidden;
  }
  .bar span {
    display: block;
    height: 100%;
    background: var(--pl-accent, #3b6fd8);
  }
`;
