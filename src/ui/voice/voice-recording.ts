/**
 * One voice recording in the browser (docs/architecture.md §14.8): the microphone through
 * MediaRecorder in Opus (WebM, or Ogg where WebM is not offered), and its loudness sampled
 * every 50 ms from an AnalyserNode for the waveform. Browser-only glue; the waveform's
 * arithmetic is in `core/files/waveform.ts`.
 */
import { encodeWave, waveLevels } from '../../core/files/waveform.js';

/** What a finished recording gives the sender. */
export interface VoiceClip {
  readonly blob: Blob;
  /** Recorded length, ms (WebM from MediaRecorder carries no duration of its own). */
  readonly ms: number;
  /** Base64url levels for the message's `wave`. */
  readonly wave: string | undefined;
}

const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'];
const SAMPLE_MS = 50;
/** Longest recording: the file message's duration cap is far above, this keeps clips small. */
export const MAX_VOICE_MS = 10 * 60 * 1000;

export class VoiceRecording {
  private readonly chunks: Blob[] = [];
  private readonly samples: number[] = [];
  private recorder: MediaRecorder | null = null;
  private stream: MediaStream | null = null;
  private audio: AudioContext | null = null;
  private sampler: ReturnType<typeof setInterval> | undefined;
  private startedAt = 0;

  /** Asks for the microphone and starts recording; throws when it is refused or absent. */
  async start(): Promise<void> {
    const type = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    if (!type) throw new Error('this browser cannot record Opus audio');
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    this.recorder = new MediaRecorder(this.stream, { mimeType: type, audioBitsPerSecond: 32_000 });
    this.recorder.addEventListener('dataavailable', (e) => {
      if (e.data.size > 0) this.chunks.push(e.data);
    });
    this.audio = new AudioContext();
    const analyser = this.audio.createAnalyser();
    analyser.fftSize = 1024;
    this.audio.createMediaStreamSource(this.stream).connect(analyser);
    const frame = new Uint8Array(analyser.fftSize);
    this.sampler = setInterval(() => {
      analyser.getByteTimeDomainData(frame);
      let sum = 0;
      for (const v of frame) sum += (v - 128) * (v - 128);
      this.samples.push(Math.sqrt(sum / frame.length));
    }, SAMPLE_MS);
    this.recorder.start(250);
    this.startedAt = performance.now();
  }

  /** Milliseconds recorded so far. */
  get elapsed(): number {
    return this.startedAt === 0 ? 0 : performance.now() - this.startedAt;
  }

  /** Stops and returns the clip (null when nothing was recorded). */
  async stop(): Promise<VoiceClip | null> {
    const recorder = this.recorder;
    const ms = Math.round(this.elapsed);
    if (!recorder) return null;
    const stopped = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true }));
    if (recorder.state !== 'inactive') recorder.stop();
    await stopped;
    this.release();
    if (this.chunks.length === 0) return null;
    return { blob: new Blob(this.chunks, { type: recorder.mimeType.split(';')[0] }), ms, wave: encodeWave(waveLevels(this.samples)) };
  }

  /** Throws the recording away and lets go of the microphone. */
  cancel(): void {
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.release();
    this.chunks.length = 0;
  }

  private release(): void {
    clearInterval(this.sampler);
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    void this.audio?.close().catch(() => undefined);
    this.stream = null;
    this.audio = null;
  }
}
