/**
 * The open conversation's draft: its text and the message it replies to. It is loaded when
 * the view connects, saved (through `Drafts`) as it changes, and flushed when the view
 * goes away, so a draft never follows the user into another conversation and survives a
 * reload.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Drafts } from '../../client/drafts.js';
import type { EventId, Topic } from '../../core/ids.js';

export class DraftController implements ReactiveController {
  /** The draft's text as last loaded or typed. */
  text = '';
  /** The message the draft replies to. */
  replyTo: EventId | null = null;
  private loadedFor: Topic | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly drafts: () => Drafts | undefined,
    private readonly topic: () => Topic | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.load();
  }

  hostUpdate(): void {
    if (this.topic() !== this.loadedFor) void this.load();
  }

  hostDisconnected(): void {
    void this.drafts()?.flush();
  }

  /** The user typed. */
  change(text: string): void {
    this.text = text;
    this.save();
  }

  /** Replying to `id`, or no longer replying (null). */
  reply(id: EventId | null): void {
    this.replyTo = id;
    this.save();
    this.host.requestUpdate();
  }

  /** The draft was sent: nothing is left of it. */
  sent(): void {
    this.text = '';
    this.replyTo = null;
    this.save(true);
    this.host.requestUpdate();
  }

  private save(now = false): void {
    const topic = this.topic();
    if (topic) this.drafts()?.set(topic, { text: this.text, ...(this.replyTo ? { replyTo: this.replyTo } : {}) }, now);
  }

  private async load(): Promise<void> {
    const topic = this.topic();
    const drafts = this.drafts();
    if (!topic || !drafts) return;
    this.loadedFor = topic;
    const draft = await drafts.get(topic);
    if (this.topic() !== topic) return;
    this.text = draft.text;
    this.replyTo = draft.replyTo ?? null;
    this.host.requestUpdate();
  }
}
