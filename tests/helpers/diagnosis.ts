/** How a chain of work stands: `pending` for 100 ms while the process is otherwise idle means stuck or busy. */
export type Settled = (promise: Promise<unknown> | undefined) => Promise<string>;

/**
 * What every failure report of a test that waited in vain shares (docs/architecture.md §13),
 * whether it is a page's (`page-diagnosis.ts`) or a scripted Node member's
 * (`peer-diagnosis.ts`): the mesh's links and rooms as the mesh holds them, the number of log
 * lines kept, and the report's layout.
 *
 * `describeMesh` reaches into the mesh's private parts on purpose: it is read once, after a
 * failure. A page runs its source and `settled`'s (page-diagnosis.ts sends them with the rest
 * of what the page evaluates), so both stay self-contained: no imports, nothing from this
 * module's scope; `describeMesh` is handed `settled` rather than calling it.
 */

/** The newest log lines kept for a report (the app logs dropped links, failed pushes…). */
export const LOG_LINES = 40;

export interface MeshState {
  readonly links: unknown[];
  readonly rooms: unknown[];
}

export const settled: Settled = async (promise) => {
  if (!promise) return 'none';
  return Promise.race([promise.then(() => 'idle', () => 'failed'), new Promise<string>((r) => setTimeout(() => r('pending'), 100))]);
};

/** Each link (paths, phase, attempt, whether its frame chain is busy) and each room (epoch topic, drain, apply chain). */
export async function describeMesh(mesh: unknown, settled: Settled): Promise<MeshState> {
  type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const m = mesh as Any;
  const links = [];
  for (const entry of (m.entries as Map<string, Any>).values()) {
    const link = entry.link;
    links.push({
      remote: String(entry.remote).slice(0, 8),
      device: String(entry.device).slice(0, 8),
      // Which connection attempt (net/link-attempts.ts): its tail, as the mesh logs it.
      attempt: entry.attempt ? String(entry.attempt).slice(-6) : null,
      phase: entry.machine.phase,
      attachedRooms: entry.machine.attachedRooms().length,
      open: link.isOpen,
      closed: link.isClosed,
      // The path this side sends on and the one the remote's stream is read from (§5.4).
      send: link.sendPath?.kind ?? null,
      receive: link.recvPath?.kind ?? null,
      heldBytes: link.heldBytes,
      paths: [...link.paths.keys()].map((p: Any) => `${p.kind}${p.isOpen ? '' : p.isClosed ? ' (closed)' : ' (opening)'} buffered ${p.bufferedAmount}`),
      queuedBytes: link.queuedBytes,
      msSinceSyncFrame: Number.isFinite(link.syncHeardAt) ? Math.round(performance.now() - link.syncHeardAt) : null,
      frameChain: await settled(entry.chain),
    });
  }
  const rooms = [];
  for (const room of (m.rooms as Map<string, Any>).values()) {
    rooms.push({
      topic: String(room.sync.topic).slice(0, 8),
      peerCount: room.sync.peerCount,
      draining: room.sync.draining !== null,
      seen: room.seen.size,
      // Per attached link: a gap asked for a fresh sync not answered yet; what it reported holding.
      links: [...(room.sync.links as Map<Any, Any>).values()].map((state: Any) => ({ resyncRequested: state.resyncRequested, gapsRefused: state.gaps, acked: Object.fromEntries(state.neighbour.acked()) })),
      relaysWaiting: room.sync.relaysWaiting,
      applyChain: await settled(room.sync.applying),
    });
  }
  return { links, rooms };
}

/** One report: its label, each part of `state` on its own line as JSON (or what was said instead), then the newest log lines. */
export function formatDiagnosis(label: string, state: Readonly<Record<string, unknown>> | string, log: readonly string[]): string {
  const parts = typeof state === 'string' ? state : Object.entries(state).map(([part, value]) => `\n  ${part}: ${JSON.stringify(value)}`).join('');
  return `[${label}] ${parts}\n  log (newest ${log.length} lines):${log.map((line) => `\n    ${line}`).join('')}`;
}
