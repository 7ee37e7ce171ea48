/**
 * Serves baseline pages over plain HTTP on localhost, like the app server serves the app,
 * so both sides load the same way (request interception would slow the baseline down).
 * Each fixture gets its own origin and therefore its own IndexedDB.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureFile {
  readonly body: string;
  readonly type: string;
  /** Same policy as the app's static server: pages revalidate, scripts are immutable. */
  readonly cache: string;
}

export interface FixtureServer {
  /** `http://localhost:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

export async function startFixtureServer(files: Readonly<Record<string, FixtureFile>>): Promise<FixtureServer> {
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': file.cache }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const html = (body: string): FixtureFile => ({
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body>${body}</body></html>`,
  type: 'text/html; charset=utf-8',
  cache: 'no-cache',
});

export const script = (body: string): FixtureFile => ({ body, type: 'text/javascript; charset=utf-8', cache: 'public, max-age=31536000, immutable' });
