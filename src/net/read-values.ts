/**
 * The values of a peer's update, read once (docs/architecture.md §5.6, "The values read
 * once"). The authorizer decodes an update before Yjs sees it, and Yjs then read every value
 * again when it applied the update: for a 100k-message history every string of every event
 * was decoded twice, the larger part of applying it. Both reads are Yjs's own struct reader
 * over the same bytes, with lib0's `readAny` for each value. So the check's read (`decode`,
 * handed to `authorize`) keeps each value and the byte span it came from, and `applyRead`
 * hands Yjs those very values instead of reading them again: what Yjs integrates is then,
 * object for object, what the checks looked at.
 *
 * A kept value is handed back only where Yjs's reader stands exactly at the offset it was
 * read from, in the same bytes; from the first value anywhere else (other bytes, a later Yjs
 * that reads differently) Yjs reads for itself, as it always did. No parser of ours reads
 * anything either way.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

/** What the check's read of one update found: each content value and its byte span, in byte order. */
export class ReadValues {
  /** The bytes the values were read from; an apply of any other bytes reads them itself. */
  update: Uint8Array | null = null;
  readonly values: unknown[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  /** `Y.decodeUpdate`, keeping every value it reads and where it lay (for `authorize`'s `decode`). */
  readonly decode = (update: Uint8Array): ReturnType<typeof Y.decodeUpdate> => {
    this.update = update;
    const { values, starts, ends } = this;
    values.length = 0;
    starts.length = 0;
    ends.length = 0;
    class Keeping extends Y.UpdateDecoderV1 {
      override readAny(): unknown {
        const at = this.restDecoder.pos;
        const value: unknown = decoding.readAny(this.restDecoder);
        values.push(value);
        starts.push(at);
        ends.push(this.restDecoder.pos);
        return value;
      }
    }
    return Y.decodeUpdateV2(update, Keeping);
  };
}

/** Yjs's V1 reader, taking each value from `read` while it stands where that value was read. */
class Replaying extends Y.UpdateDecoderV1 {
  private next = 0;
  /** Set at the first value not where it was kept: from there on Yjs reads for itself. */
  private own: boolean;

  constructor(
    decoder: decoding.Decoder,
    private readonly read: ReadValues,
  ) {
    super(decoder);
    this.own = decoder.arr !== read.update;
  }

  override readAny(): unknown {
    const i = this.next++;
    const decoder = this.restDecoder;
    if (!this.own && i < this.read.values.length && decoder.pos === this.read.starts[i]) {
      decoder.pos = this.read.ends[i]!;
      return this.read.values[i];
    }
    this.own = true;
    return decoding.readAny(decoder);
  }
}

/**
 * `Y.applyUpdate(doc, update, origin)`, taking the values `read` kept while these very bytes
 * were checked instead of reading them a second time.
 */
export function applyRead(doc: Y.Doc, update: Uint8Array, origin: unknown, read: ReadValues | undefined): void {
  if (!read) return Y.applyUpdate(doc, update, origin);
  const decoder = decoding.createDecoder(update);
  Y.readUpdateV2(decoder, doc, origin, new Replaying(decoder, read));
}
