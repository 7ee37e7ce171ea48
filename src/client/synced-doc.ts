/** SyncedDoc lives in core (the service worker needs it too); re-exported for the client layer. */
export { LOCAL_ORIGIN, SyncedDoc, type DocPolicy, type SyncedDocParts } from '../core/synced-doc.js';
