/** The client is provided to every view through @lit/context, not a global. */
import { createContext } from '@lit/context';
import type { ParleyClient } from '../client/parley-client.js';

export const clientContext = createContext<ParleyClient>(Symbol('parley-client'));

import type { PwaController } from '../pwa/pwa-controller.js';

/** PWA services (update prompt, notifications, badge); absent where unsupported. */
export const pwaContext = createContext<PwaController | undefined>(Symbol('parley-pwa'));
