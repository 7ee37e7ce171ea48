/**
 * The contract of the files' data path (`FileDataPath`, docs/architecture.md §14.2, "The data
 * path"): whichever way a link's chunks come (in-band, checked on the page; or on the
 * link's bulk channel, checked in the bulk worker), the fetch hears the same things. Plain
 * async cases, run against each way by tests/unit/net/data-path.test.ts.
 */
import { toBase64Url } from '../../src/core/bytes.js';
import type { FileDataPath } from '../../src/net/files/data-path.js';
import type { PeerLink } from '../../src/net/peer-link.js';

export interface DataPathRig {
  readonly path: FileDataPath;
  /** The link the remote's chunks come on. */
  readonly link: PeerLink;
  /** The remote sends chunk `index` of `root` the way this rig carries chunks. */
  deliver(root: string, index: number, bytes: Uint8Array): void;
  /** Resolves once the remote could take chunks off the link's own channel (never, for in-band). */
  remoteReady(): Promise<void>;
  /** Whether `send` may carry chunks off the link's own channel. */
  readonly offPage: boolean;
  /** Chunks the remote received off the link's own channel. */
  receivedOffPage(): number;
  dispose(): void;
}

export interface DataPathCase {
  readonly name: string;
  run(rig: DataPathRig): Promise<void>;
}

const CHUNK = 64 * 1024;
const ROOT = toBase64Url(new Uint8Array(32).fill(1));
const OTHER = toBase64Url(new Uint8Array(32).fill(2));

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A file of `chunks` sealed chunks (their bytes made up) and its hash list. */
export async function fileOf(chunks: number): Promise<{ file: { hashes: Uint8Array; size: number; chunk: number }; sealed: Uint8Array[] }> {
  const sealed = Array.from({ length: chunks }, (_, i) => new Uint8Array(CHUNK + 16).fill(i + 1));
  const hashes = new Uint8Array(chunks * 32);
  for (const [i, bytes] of sealed.entries()) hashes.set(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), i * 32);
  return { file: { hashes, size: chunks * CHUNK, chunk: CHUNK }, sealed };
}

function listen(path: FileDataPath): { checked: Array<{ root: string; index: number; bytes: Uint8Array }>; bad: string[] } {
  // No port was given (`direct`): every checked chunk comes with its bytes; an empty one fails the checks below.
  const heard = { checked: [] as Array<{ root: string; index: number; bytes: Uint8Array }>, bad: [] as string[] };
  path.on('checked', (_link, root, index, bytes) => heard.checked.push({ root, index, bytes: bytes ?? new Uint8Array(0) }));
  path.on('bad', (_link, reason, detail) => heard.bad.push(`${reason}: ${detail}`));
  return heard;
}

/** A file of two chunks the path knows, announced for `link` unless told otherwise, and what the path says. */
async function asked(path: FileDataPath, link: PeerLink | null): Promise<{ sealed: Uint8Array[]; heard: ReturnType<typeof listen> }> {
  const { file, sealed } = await fileOf(2);
  const heard = listen(path);
  path.file(ROOT, file);
  if (link) path.announce(link, ROOT);
  return { sealed, heard };
}

/** The one fault the path reported, with nothing passed on. */
async function faulted(heard: ReturnType<typeof listen>, expected: string): Promise<void> {
  await until(() => heard.bad.length > 0, 'the fault');
  check(heard.bad[0] === expected, `the fault: ${heard.bad[0]}`);
  check(heard.checked.length === 0, 'nothing passed on');
}

export const dataPathContractCases: readonly DataPathCase[] = [
  {
    name: 'a chunk of a file announced for the link arrives checked, equal, in a buffer of its own',
    async run({ path, link, deliver }) {
      const { sealed, heard } = await asked(path, link);
      deliver(ROOT, 1, sealed[1]!);
      await until(() => heard.checked.length === 1, 'the checked chunk');
      const [got] = heard.checked;
      check(got!.root === ROOT && got!.index === 1, 'the chunk it was sent');
      check(got!.bytes.length === sealed[1]!.length && got!.bytes.every((b, i) => b === sealed[1]![i]), 'the same bytes');
      check(got!.bytes.byteOffset === 0 && got!.bytes.byteLength === got!.bytes.buffer.byteLength, 'a buffer of its own');
      check(heard.bad.length === 0, `no fault: ${heard.bad.join()}`);
    },
  },
  {
    name: 'a chunk that does not match its hash is the link’s fault, and is not passed on',
    async run({ path, link, deliver }) {
      const { sealed, heard } = await asked(path, link);
      deliver(ROOT, 0, sealed[1]!);
      await faulted(heard, 'bad-file-chunk: chunk 0 does not match its hash');
    },
  },
  {
    name: 'a chunk of a file the link was never asked for is the link’s fault',
    async run({ path, deliver }) {
      const { sealed, heard } = await asked(path, null);
      deliver(ROOT, 0, sealed[0]!);
      await faulted(heard, 'bad-file-chunk: a chunk nobody asked for');
    },
  },
  {
    name: 'a late chunk of a file whose fetch ended is ignored, and the link keeps serving',
    async run({ path, link, deliver }) {
      const { sealed, heard } = await asked(path, link);
      const { file } = await fileOf(2);
      path.forget(ROOT);
      path.file(OTHER, file);
      path.announce(link, OTHER);
      deliver(ROOT, 0, sealed[0]!);
      deliver(OTHER, 1, sealed[1]!);
      await until(() => heard.checked.length === 1, 'the chunk of the running fetch');
      check(heard.checked[0]!.root === OTHER, 'only the running fetch’s chunk');
      check(heard.bad.length === 0, `no fault: ${heard.bad.join()}`);
    },
  },
  {
    name: 'a chunk leaves off the link’s own channel exactly when the remote’s worker listens',
    async run({ path, link, remoteReady, offPage, receivedOffPage }) {
      const { sealed } = await fileOf(1);
      await remoteReady();
      const sent = path.send(link, ROOT, 0, sealed[0]!);
      check(sent === offPage, `send said ${sent}`);
      if (offPage) await until(() => receivedOffPage() === 1, 'the chunk at the remote');
      check(path.counts[offPage ? 'sentBulk' : 'sentInBand'] === 1, 'counted on its way');
    },
  },
];
