/**
 * The page's bulk worker (docs/architecture.md §14.2, "The bulk channel"): the links' bulk
 * channels are transferred here, so file chunks arriving on them never make a task on the
 * page's thread, and chunks this device serves leave from here. Its logic is `BulkCore`
 * (net); this file only gives it a home.
 */
import { BulkCore, type FromBulkWorker, type ToBulkWorker } from '../../net/files/bulk-core.js';

const scope = globalThis as unknown as { postMessage(message: FromBulkWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToBulkWorker>) => void) | null };

const core = new BulkCore((message, transfer) => scope.postMessage(message, transfer ?? []));
scope.onmessage = (e) => core.handle(e.data);
