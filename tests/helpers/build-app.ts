/**
 * Vitest global setup for the e2e project: build the PWA once, so every browser test runs
 * against the same files `npm start` serves.
 */
import { build } from 'vite';

export default async function setup(): Promise<void> {
  await build({ logLevel: 'warn' });
}
