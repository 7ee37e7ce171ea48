/** The client is provided to every view through @lit/context, not a global. */
import { createContext } from '@lit/context';
import type { ParleyClient } from '../client/parley-client.js';

export const clientContext = createContext<ParleyClient>(Symbol('parley-client'));
