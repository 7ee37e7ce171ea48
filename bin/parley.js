#!/usr/bin/env node
// The `parley` command (package.json "bin"). The CLI is TypeScript run through tsx, so it
// works from a clone after `npm install` with no build step, and from `npm pack`'s tarball.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly: a native WebRTC module may keep the event loop alive after teardown.
process.exit(code);
