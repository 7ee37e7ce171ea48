/**
 * Typing indicators and presence inside one conversation. They travel as awareness
 * (y-protocols), never in the document and never through the server. Awareness has its own
 * client id, so the document's client id is not revealed before this device writes.
 */
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DeviceId } from '../../core/ids.js';
import { Disposables } from '../../core/lifecycle.js';

export const TYPING_TTL_MS = 4_000;
/** A typing state is refreshed at most this often while the user keeps typing. */
const REFRESH_MS = 1_000;

/** What one member device shares over the conversation's awareness channel: who it is and whether it is typing. */
export interface TypingAwareness {
  readonly device: DeviceId;
  readonly name: string;
  /** When the user last typed, ms since epoch; 0 when not typing. */
  readonly typingAt: number;
}

export class TypingState {
  readonly awareness = new Awareness(new Y.Doc());
  private readonly disposables = new Disposables();
  private cancelTimer: (() => void) | null = null;

  constructor(
    device: DeviceId,
    name: string,
    private readonly now: () => number,
  ) {
    this.awareness.setLocalState({ device, name, typingAt: 0 } satisfies TypingAwareness);
  }

  /** Calls `listener` whenever anyone's presence changes. */
  onChange(listener: () => void): void {
    this.awareness.on('change', listener);
    this.disposables.add(() => this.awareness.off('change', listener));
  }

  set(typing: boolean): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const state = this.awareness.getLocalState() as TypingAwareness | null;
    if (!state) return;
    if (typing) {
      // Refresh at most every second, and clear automatically after the TTL.
      if (this.now() - state.typingAt > REFRESH_MS) this.awareness.setLocalState({ ...state, typingAt: this.now() });
      this.cancelTimer = this.disposables.timeout(() => this.set(false), TYPING_TTL_MS);
    } else if (state.typingAt !== 0) {
      this.awareness.setLocalState({ ...state, typingAt: 0 });
    }
  }

  /** Every device present in the conversation now: this one and each in its presence. */
  presentDevices(): DeviceId[] {
    const out: DeviceId[] = [];
    for (const state of this.awareness.getStates().values()) {
      const p = state as Partial<TypingAwareness>;
      if (typeof p.device === 'string') out.push(p.device);
    }
    return out;
  }

  /** Devices of others typing right now. */
  typingDevices(now = this.now()): DeviceId[] {
    const out: DeviceId[] = [];
    for (const [client, state] of this.awareness.getStates()) {
      if (client === this.awareness.clientID) continue;
      const p = state as Partial<TypingAwareness>;
      if (typeof p.typingAt === 'number' && p.typingAt > 0 && now - p.typingAt < TYPING_TTL_MS && typeof p.device === 'string') {
        out.push(p.device as DeviceId);
      }
    }
    return out;
  }

  destroy(): void {
    this.disposables.dispose();
    this.awareness.destroy();
  }
}
