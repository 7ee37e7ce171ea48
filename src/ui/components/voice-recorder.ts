/**
 * `<parley-voice-recorder>`: the Record button (docs/architecture.md §14.8). Hold it to record
 * and let go to send, or tap it to start and tap again ("Stop and send voice message") to
 * send; Cancel throws the recording away. From the keyboard, Enter or Space start and stop.
 * While recording, a timer shows how long.
 *
 * One button element throughout, whose name changes: if it were replaced when recording
 * starts, the release of the same press would land on the new button and stop at once.
 *
 * Events (bubble, composed): `parley-voice` (detail: VoiceClip) once a clip is recorded.
 */
import { LitElement, css, html, nothing } from 'lit';
import { durationText } from '../../core/files/waveform.js';
import { controls, themeTokens } from '../styles/theme.js';
import { MAX_VOICE_MS, VoiceRecording, type VoiceClip } from '../voice/voice-recording.js';

export type { VoiceClip } from '../voice/voice-recording.js';

/** A press held at least this long is "hold to record"; shorter is a tap. */
const HOLD_MS = 500;

type Mode = 'idle' | 'starting' | 'recording';

export class VoiceRecorder extends LitElement {
  static override properties = { disabled: { type: Boolean }, mode: { state: true }, elapsed: { state: true }, problem: { state: true } };
  declare disabled: boolean;
  declare mode: Mode;
  declare elapsed: number;
  declare problem: string;
  private recording: VoiceRecording | null = null;
  /** When the current press began, while the button is held. */
  private pressedAt: number | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.disabled = false;
    this.mode = 'idle';
    this.elapsed = 0;
    this.problem = '';
  }

  static override styles = [
    themeTokens,
    controls,
    css`
      :host {
        display: inline-flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        font-size: 0.9rem;
        background: transparent;
      }
      /* Icon buttons as tall as the message box beside them. */
      .record {
        box-sizing: border-box;
        min-width: 2.5rem;
        height: 2.5rem;
        padding: 0 0.5rem;
        font-size: 1.1rem;
        touch-action: none;
        user-select: none;
      }
      p {
        margin: 0;
        color: var(--pl-danger);
      }
      .recording {
        color: var(--pl-danger);
      }
    `,
  ];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.cancel();
  }

  protected override render() {
    const on = this.mode !== 'idle';
    return html`<button
        type="button"
        class="record secondary"
        aria-label=${on ? 'Stop and send voice message' : 'Record voice message'}
        title=${on ? 'Stop and send voice message' : 'Record voice message'}
        ?disabled=${this.disabled}
        @pointerdown=${this.onDown}
        @pointerup=${this.onUp}
        @pointercancel=${this.onUp}
        @click=${this.onClick}
      >
        <span aria-hidden="true">${on ? '■' : '🎤'}</span>
      </button>
      ${on
        ? html`<span class="recording" role="timer" aria-label="Recording">Recording ${durationText(this.elapsed)}</span>
            <button type="button" class="record secondary" aria-label="Cancel recording" title="Cancel recording" @click=${() => this.cancel()}>
              <span aria-hidden="true">✕</span>
            </button>`
        : nothing}
      ${this.problem ? html`<p role="alert">${this.problem}</p>` : nothing}`;
  }

  private readonly onDown = (event: PointerEvent): void => {
    if (event.button !== 0 || this.mode !== 'idle') return;
    this.pressedAt = performance.now();
    void this.start();
  };

  private readonly onUp = (): void => {
    const pressedAt = this.pressedAt;
    this.pressedAt = null;
    // The release of the press that started it: a hold sends, a tap keeps recording.
    if (pressedAt !== null) {
      if (performance.now() - pressedAt >= HOLD_MS) void this.finish();
      return;
    }
    // A second tap while recording sends.
    if (this.mode === 'recording') void this.finish();
  };

  /** Keyboard activation (a click with no pointer behind it) toggles; pointer clicks were handled above. */
  private readonly onClick = (event: MouseEvent): void => {
    if (event.detail !== 0) return;
    if (this.mode === 'idle') void this.start();
    else if (this.mode === 'recording') void this.finish();
  };

  private async start(): Promise<void> {
    this.problem = '';
    this.mode = 'starting';
    const recording = new VoiceRecording();
    this.recording = recording;
    try {
      await recording.start();
    } catch (error) {
      this.recording = null;
      this.mode = 'idle';
      this.pressedAt = null;
      this.problem = `The microphone could not be used${error instanceof Error && error.name === 'NotAllowedError' ? ': permission was refused' : ''}.`;
      return;
    }
    if (this.recording !== recording) return;
    this.mode = 'recording';
    this.elapsed = 0;
    this.ticker = setInterval(() => {
      this.elapsed = recording.elapsed;
      if (this.elapsed >= MAX_VOICE_MS) void this.finish();
    }, 250);
  }

  private async finish(): Promise<void> {
    const recording = this.recording;
    if (!recording || this.mode !== 'recording') return;
    this.stopTicker();
    this.recording = null;
    this.mode = 'idle';
    const clip = await recording.stop();
    if (!clip) return;
    this.dispatchEvent(new CustomEvent<VoiceClip>('parley-voice', { detail: clip, bubbles: true, composed: true }));
  }

  private cancel(): void {
    this.stopTicker();
    this.recording?.cancel();
    this.recording = null;
    this.mode = 'idle';
    this.pressedAt = null;
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

customElements.define('parley-voice-recorder', VoiceRecorder);
