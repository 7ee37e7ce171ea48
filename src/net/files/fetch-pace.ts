/**
 * How much file data one link is asked for at once (docs/architecture.md §14.2, "Pacing").
 *
 * A receiving page takes in every data-channel message as a task, with no flow control, so
 * the chunks asked of a link and not yet taken in are a queue a text waits behind. The window
 * is sized from measurement, as BBR sizes a congestion window: about twice the bandwidth-delay
 * product, `gain × rate × minRtt`, so the pipe stays full and the queue ahead of a text is
 * about one BDP, between a floor and a ceiling.
 *
 * - `rate`: bytes of answered chunks per second, one sample per RATE_MS or more of time with
 *   requests outstanding (an idle link's time is not counted), smoothed.
 * - `minRtt`: the round trip of a chunk asked when nothing else was outstanding on the link
 *   (request sent → its chunk arrived). A chunk asked behind others waits for them too, and
 *   a window sized from that wait would only grow. So every RTT_MS the link is let drain once
 *   (`probing`) and the next ask measures it again: it re-learns, at the cost of one round
 *   trip's pause in RTT_MS.
 *
 * It cannot spiral down: while the window limits the rate, `rate × minRtt` is the window
 * itself, and the gain of 2 doubles it each sample until the link, not the window, limits.
 *
 * While texts go on the link (a sync frame was heard from it less than `talkMs` ago) the
 * window is held to a rate, `talkRate × loneRtt`, and never below `talkWindow` (one chunk):
 * on two cores a transfer at full rate kept both pages' threads and their workers busy
 * enough that a text's own work (signing, applying, the list's render) took several times
 * as long (docs/architecture.md §14.5). What that protects is the rate chunks reach the
 * page, not the bytes in flight: a fixed 64 KiB would be one chunk per round trip, 640 KiB/s
 * across a 100 ms round trip where a local link moved 3.6–4.0 MiB/s held. `loneRtt` is the
 * shortest round trip of a single chunk asked with nothing outstanding, used once
 * `talkSamples` were measured (one chunk at a time until then, each ask measuring one). Not
 * `minRtt`: a probe that led a larger ask waits for the holder's read and the bulk worker's
 * batch of several chunks (65 ms traced here under load, against 8–12 ms for a lone chunk).
 * Several samples, and never measured again: held to a few chunks a link never empties to
 * measure, and one stalled sample (242 ms traced at load 14) sized the window at seven
 * chunks for seconds; a round trip taken too short only holds the link tighter. Rate
 * samples pause meanwhile, so the window after the texts is what the link can do.
 */
import { FETCH_WINDOW_BYTES } from '../../core/files/file-ref.js';

export interface PaceConfig {
  /** Bytes, never less (a fast link is never starved by a low estimate). */
  readonly floor: number;
  /** Bytes, never more (also the window before any measurement). */
  readonly ceiling: number;
  /** Window = gain × rate × minRtt. */
  readonly gain: number;
  /** Shortest period one rate sample covers. */
  readonly rateMs: number;
  /** A round-trip sample older than this is measured again. */
  readonly rttMs: number;
  /** A drain that has not emptied the link after this long is given up (the old sample stays). */
  readonly drainMs: number;
  /** Bytes per second the window is held to while the conversation's own traffic goes on the link (× loneRtt). */
  readonly talkRate: number;
  /** Bytes, the held window's floor: one 64 KiB chunk at a time on a link of a few ms. */
  readonly talkWindow: number;
  /** Lone round trips measured before the held window may grow past talkWindow. */
  readonly talkSamples: number;
  /** How long after the last sync frame heard the window stays held. */
  readonly talkMs: number;
}

const MiB = 1024 * 1024;

/**
 * talkRate 2 MiB/s: a held window stays one 64 KiB chunk for any lone round trip under 64 ms
 * (two chunks need 128 KiB), so on this machine the hold is the one measured (docs/
 * architecture.md §14.5): lone round trips of 8–12 ms traced at load 6–8 and 35–61 ms at
 * load 14 (§14.2). 4 MiB/s, the rate a local link moved held, would have asked two or three
 * chunks at that load. Across a 100 ms round trip it is three chunks, 1.9 MiB/s, not 640 KiB/s.
 */
export const PACE: PaceConfig = { floor: MiB, ceiling: FETCH_WINDOW_BYTES, gain: 2, rateMs: 250, rttMs: 10_000, drainMs: 1_000, talkRate: 2 * MiB, talkWindow: 64 * 1024, talkSamples: 4, talkMs: 1_000 };

/** No sync frame heard yet. */
const NEVER = (): number => -Infinity;

/** The window rule alone: bytes per second and milliseconds in, bytes out. */
export const paceWindow = (rate: number, minRttMs: number, config: Pick<PaceConfig, 'floor' | 'ceiling' | 'gain'> = PACE): number => {
  if (!(rate > 0) || !(minRttMs > 0) || !Number.isFinite(rate) || !Number.isFinite(minRttMs)) return config.ceiling;
  return Math.min(config.ceiling, Math.max(config.floor, Math.round((config.gain * rate * minRttMs) / 1000)));
};

/** One link's measurements. Times are milliseconds from an injected clock. */
export class LinkPace {
  private rate = 0;
  private minRtt = 0;
  /** The last round-trip sample, and the start of the period its minimum is over. */
  private rttAt = -Infinity;
  private periodAt = -Infinity;
  /** The shortest round trip of a chunk asked alone (`heldWindow`), and how many were measured. */
  private loneRtt = Infinity;
  private loneSamples = 0;
  /** The chunk whose round trip is being measured, and when it was asked. */
  private probe: { index: number; at: number; alone: boolean } | null = null;
  private drainSince: number | null = null;
  private sampleStart: number | null = null;
  private sampleBytes = 0;

  /**
   * `heardAt`: when the link last carried a sync frame (a text, an edit, a receipt), on the
   * same clock as the `now` passed in; kept by the link, read here when a window is sized.
   */
  constructor(
    private readonly heardAt: () => number = NEVER,
    private readonly config: PaceConfig = PACE,
  ) {}

  /** Bytes that may be outstanding on this link now. */
  get window(): number {
    return paceWindow(this.rate, this.minRtt, this.config);
  }

  /**
   * `bytes`, or at most the held window while texts go on the link: also for a link that is
   * not paced (its chunks go to the bulk worker), whose transfer competes with the texts for
   * the machine all the same.
   */
  cap(bytes: number, now: number): number {
    return this.talking(now) ? Math.min(bytes, this.heldWindow) : bytes;
  }

  /** talkRate over a lone chunk's round trip, at least talkWindow (also before talkSamples were measured). */
  get heldWindow(): number {
    // No lone round trip measured yet (also with talkSamples 0): one chunk, never Infinity.
    if (this.loneSamples < this.config.talkSamples || !Number.isFinite(this.loneRtt)) return this.config.talkWindow;
    return Math.max(this.config.talkWindow, Math.round((this.config.talkRate * this.loneRtt) / 1000));
  }

  private talking(now: number): boolean {
    return now - this.heardAt() < this.config.talkMs;
  }

  /** Smoothed bytes per second (0 before the first sample). */
  get bytesPerSecond(): number {
    return this.rate;
  }

  /** The round trip with nothing ahead, in ms (0 before the first sample). */
  get roundTrip(): number {
    return this.minRtt;
  }

  /**
   * May the fetch ask this link for more now? No while it drains for a fresh round trip:
   * it is let empty (`outstanding` bytes reach 0), for at most drainMs.
   */
  mayAsk(outstanding: number, now: number): boolean {
    // A probe whose chunk never came back (answered `none`, asked again of another link).
    if (this.probe && now - this.probe.at >= this.config.rttMs) this.probe = null;
    if (this.probe || now - this.rttAt < this.config.rttMs || outstanding === 0) {
      this.drainSince = null;
      return true;
    }
    this.drainSince ??= now;
    if (now - this.drainSince < this.config.drainMs) return false;
    // The link does not empty (a slow holder): keep the old sample for another period.
    this.rttAt = now;
    this.drainSince = null;
    return true;
  }

  /** The fetch asked this link for `indices` (in the order the holder answers them). */
  asked(indices: readonly number[], outstanding: number, now: number): void {
    if (indices.length === 0) return;
    if (outstanding === 0) {
      // Nothing ahead: the first chunk's round trip is the link's own, and idle time before
      // this ask is not part of the rate.
      this.probe = { index: indices[0]!, at: now, alone: indices.length === 1 };
      this.sampleStart = now;
      this.sampleBytes = 0;
    }
    this.sampleStart ??= now;
  }

  /** A chunk of `bytes` arrived from this link. */
  arrived(index: number, bytes: number, now: number): void {
    if (this.probe?.index === index) {
      const rtt = Math.max(1, now - this.probe.at);
      // The minimum over the current period; a new period starts from its first sample.
      if (now - this.periodAt >= this.config.rttMs) {
        this.minRtt = rtt;
        this.periodAt = now;
      } else this.minRtt = Math.min(this.minRtt, rtt);
      if (this.probe.alone) {
        this.loneRtt = Math.min(this.loneRtt, rtt);
        this.loneSamples++;
      }
      this.rttAt = now;
      this.probe = null;
    }
    if (this.sampleStart === null) return;
    if (this.talking(now)) {
      // Held down on purpose: not what the link can do, and not to size the window after.
      this.sampleStart = now;
      this.sampleBytes = 0;
      return;
    }
    this.sampleBytes += bytes;
    const elapsed = now - this.sampleStart;
    if (elapsed < this.config.rateMs) return;
    const sample = (this.sampleBytes * 1000) / elapsed;
    this.rate = this.rate === 0 ? sample : (this.rate + sample) / 2;
    this.sampleStart = now;
    this.sampleBytes = 0;
  }

  /** The link lost what it was asked (closed, left the room): a probe in flight is void. */
  reset(): void {
    this.probe = null;
    this.drainSince = null;
    this.sampleStart = null;
    this.sampleBytes = 0;
  }
}
