/**
 * A synchronous copy of the read markers this page sets (docs/architecture.md §11).
 *
 * The real marker is a signed record in the self doc, and writing it is asynchronous
 * (signing, then IndexedDB). A page closed right after its conversation was on screen
 * (the app closed, a reload) could lose that write, and the messages it had shown came back
 * unread. `localStorage` writes synchronously within the `pagehide` handler, so the page
 * keeps its newest marker there too; the client reads the larger of the two and writes the
 * copy into the self doc when it finds it ahead.
 */
import type { Topic } from '../core/ids.js';
import { LocalJsonObject } from './local-json.js';

export interface ReadMarkerCopy {
  /** The newest marker this device set for a conversation, 0 when none. */
  get(topic: Topic): number;
  /** Records a marker; never moves one back. */
  set(topic: Topic, upTo: number): void;
  /** Drops a conversation's marker (the conversation was deleted on this device). */
  forget(topic: Topic): void;
}

/** In memory (tests, Node peers: they have no page to close). */
export class MemoryReadMarkerCopy implements ReadMarkerCopy {
  private readonly markers = new Map<Topic, number>();

  get(topic: Topic): number {
    return this.markers.get(topic) ?? 0;
  }

  set(topic: Topic, upTo: number): void {
    if (upTo > this.get(topic)) this.markers.set(topic, upTo);
  }

  forget(topic: Topic): void {
    this.markers.delete(topic);
  }
}

/** One small JSON object in `localStorage`, a number per conversation. */
export class LocalReadMarkerCopy implements ReadMarkerCopy {
  private readonly stored: LocalJsonObject;
  private markers: Record<string, number>;

  constructor(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, key = 'parley:read-markers') {
    this.stored = new LocalJsonObject(storage, key);
    // Anything but a safe positive integer (another version, a hand edit) is left out.
    this.markers = Object.fromEntries(Object.entries(this.stored.read()).filter(([, v]) => Number.isSafeInteger(v) && (v as number) > 0)) as Record<string, number>;
  }

  get(topic: Topic): number {
    return this.markers[topic] ?? 0;
  }

  set(topic: Topic, upTo: number): void {
    if (!Number.isSafeInteger(upTo) || upTo <= this.get(topic)) return;
    this.markers = { ...this.markers, [topic]: upTo };
    this.stored.write(this.markers);
  }

  forget(topic: Topic): void {
    if (!(topic in this.markers)) return;
    const { [topic]: _gone, ...rest } = this.markers;
    this.markers = rest;
    this.stored.write(this.markers);
  }
}
