/**
 * The page's files (docs/architecture.md §14.4): the chunk store in IndexedDB, the bulk
 * worker's host and `ClientFiles`, following the client's conversations. The composition root
 * imports this module only with `import()`, once the first screen is on its way
 * (docs/architecture.md §11, "Loaded on first use"): the transfer stack is a fifth of the
 * app's code, and the list of conversations shows no file.
 */
import { fileServicePath } from '../../core/files/file-service.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { BulkHost } from '../../net/files/bulk-lane.js';
import type { MailboxClient } from '../../net/mailbox-client.js';
import type { Mesh } from '../../net/mesh.js';
import { IdbChunkStore, openFilesDatabase } from '../../store/idb-chunk-store.js';
import type { ParleyClient } from '../parley-client.js';
import { ClientFiles } from './client-files.js';

export { pageBulkHost } from './bulk-worker-host.js';

export interface PageFilesParts {
  readonly client: ParleyClient;
  readonly mesh: Mesh;
  /** The page's bulk worker host (`pageBulkHost`), shared with the links' transports. */
  readonly bulk: BulkHost;
  /** Largest file members may send (the server's `MAX_FILE_BYTES`). */
  readonly maxFileBytes: number;
  /** The mailbox's blob area, and the largest file it keeps (0: none). */
  readonly mailbox: { readonly client: MailboxClient; readonly maxFileBytes: number };
  readonly logger: Logger;
}

/** Opens the chunk store and starts files over the mesh, following every conversation of `client`. */
export async function startPageFiles(parts: PageFilesParts): Promise<ClientFiles> {
  const { client, logger } = parts;
  const files = new ClientFiles({
    store: new IdbChunkStore(await openFilesDatabase()),
    mesh: parts.mesh,
    bulk: parts.bulk,
    maxFileBytes: parts.maxFileBytes,
    mailbox: parts.mailbox,
    // Finished files stream from the service worker when one controls the page (sw/file-route.ts).
    serve: (conversation, root) => (navigator.serviceWorker?.controller ? fileServicePath(conversation, root) : null),
    logger,
  }).start();
  const track = () => files.track(client.conversations.sessions());
  client.conversations.on('changed', track);
  // Conversations opened before this part loaded.
  track();
  files.on('error', (error) => logger.warn('file transfer failed', { error: error.message }));
  // A conversation deleted on this device takes its files' chunks with it (§4.9, §14.3).
  client.on('erased', (id) => void files.eraseConversation(id).catch((error: unknown) => logger.warn('files of a deleted conversation not erased', { error: errorField(error) })));
  return files;
}
