/**
 * Admission for request bodies held in memory (docs/architecture.md §6). A mailbox entry is
 * read whole before it is stored, so every upload in progress holds up to its size in RAM.
 * Stalled uploads are the cheap attack: 40 of them at 8 MiB held 320 MiB. The gate bounds
 * that two ways before a byte of the body is read:
 *
 * - bytes in flight across the node: each upload reserves its declared `Content-Length`
 *   (or the cap, when it declares none) and is refused with 503 when the reservation does
 *   not fit;
 * - uploads in flight per client address, so one address cannot hold the whole budget.
 *
 * The reservation is released when the upload ends, however it ends.
 */

/** A held reservation; `release` is idempotent. */
export interface UploadTicket {
  release(): void;
}

export type GateRefusal = 'busy' | 'too-many-uploads';

export interface UploadGateLimits {
  /** Body bytes in flight across the node. */
  readonly uploadMaxInFlightBytes: number;
  /** Uploads in flight from one client address. */
  readonly uploadMaxPerAddress: number;
}

export class UploadGate {
  private inFlight = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: UploadGateLimits) {}

  /** Body bytes reserved right now. */
  get reservedBytes(): number {
    return this.inFlight;
  }

  /** Reserves `bytes` for one upload from `address`, or says why not. */
  enter(address: string, bytes: number): UploadTicket | GateRefusal {
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.limits.uploadMaxPerAddress) return 'too-many-uploads';
    if (this.inFlight + bytes > this.limits.uploadMaxInFlightBytes) return 'busy';
    this.inFlight += bytes;
    this.perAddress.set(address, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= bytes;
        const n = (this.perAddress.get(address) ?? 1) - 1;
        if (n <= 0) this.perAddress.delete(address);
        else this.perAddress.set(address, n);
      },
    };
  }
}
