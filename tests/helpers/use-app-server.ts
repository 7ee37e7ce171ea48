/**
 * One app server for a test file (tests only: it registers vitest hooks, so bench scripts
 * keep importing `app-server.ts` alone).
 */
import { afterAll, beforeAll } from 'vitest';
import type { ConversationSession } from '../../src/client/conversation-session.js';
import type { ParleyServerOptions } from '../../signaling/server.js';
import { startAppServer, type AppServer } from './app-server.js';

/** Started before the file's tests, closed after them; read `url` inside a test. */
export function useAppServer(init: ParleyServerOptions = {}): { readonly url: string } {
  let app: AppServer | undefined;
  beforeAll(async () => {
    app = await startAppServer(init);
  });
  afterAll(async () => {
    await app?.close();
  });
  return {
    get url(): string {
      if (!app) throw new Error('the app server is not started yet: read its url inside a test');
      return app.url;
    },
  };
}

/** The texts of a session's messages, in timeline order. */
export const sessionTexts = (s: ConversationSession): string[] => s.timeline.entries.filter((e) => e.kind === 'message').map((e) => e.text);
