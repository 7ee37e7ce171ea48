/** The client and the PWA services are provided to every view through @lit/context, not globals. */
import { createContext } from '@lit/context';
import type { ParleyClient } from '../client/parley-client.js';
import type { PwaController } from '../pwa/pwa-controller.js';

export const clientContext = createContext<ParleyClient | undefined>(Symbol('parley-client'));

/** PWA services (update prompt, notifications, badge); absent where unsupported. */
export const pwaContext = createContext<PwaController | undefined>(Symbol('parley-pwa'));
