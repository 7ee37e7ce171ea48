// Lint enforces the import direction of docs/architecture.md §2 so the layering holds by rule:
//   ui → client, pwa → net, store → core;  sw → net, store → core;  signaling → core.
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const layer = (name, message) => ({ group: [`**/${name}/*`, `../${name}/*`, `../../${name}/*`], message });
// Node-only parts (the headless peer, bots, the CLI, webhooks) compose the app's layers from
// above; nothing the browser loads may import them, so none of their dependencies reach the bundle.
const nodeOnly = ['node', 'bot', 'cli', 'webhook'].map((name) => layer(name, `${name}/ runs in Node only: browser code must not import it.`));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Client and worker parts log through an injected Logger (src/core/logger.ts); only the
    // page's composition root decides that lines go to the console.
    files: ['src/**/*.ts', 'sw/**/*.ts'],
    ignores: ['src/main.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      ...restrict([
        layer('net', 'core/ is pure: it must not import net/.'),
        layer('store', 'core/ is pure: it must not import store/.'),
        layer('ui', 'core/ is pure: it must not import ui/.'),
        layer('client', 'core/ is pure: it must not import client/.'),
        { group: ['lit', 'lit/*', '@lit/*', '@lit-labs/*', 'simple-peer', 'simple-peer/*', 'y-indexeddb', 'ws', 'node:*'], message: 'core/ never touches DOM, IndexedDB, WebRTC or Node I/O.' },
        ...nodeOnly,
      ]),
      'no-restricted-globals': ['error', 'window', 'document', 'indexedDB', 'RTCPeerConnection', 'WebSocket', 'localStorage', 'navigator'],
    },
  },
  {
    files: ['src/net/**/*.ts'],
    rules: { ...restrict([layer('store', 'net/ and store/ are siblings; client/ composes them.'), layer('ui', 'net/ sits below ui/.'), layer('client', 'net/ sits below client/.'), { group: ['lit', 'lit/*', '@lit/*', '@lit-labs/*'], message: 'Lit belongs to ui/.' }, ...nodeOnly]) },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: { ...restrict([layer('net', 'net/ and store/ are siblings; client/ composes them.'), layer('ui', 'store/ sits below ui/.'), layer('client', 'store/ sits below client/.'), { group: ['lit', 'lit/*', '@lit/*', '@lit-labs/*'], message: 'Lit belongs to ui/.' }, ...nodeOnly]) },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: { ...restrict([layer('ui', 'client/ sits below ui/.'), { group: ['lit', 'lit/*', '@lit/*', '@lit-labs/*'], message: 'Lit belongs to ui/.' }, ...nodeOnly]) },
  },
  {
    files: ['src/pwa/**/*.ts'],
    rules: { ...restrict([layer('ui', 'pwa/ adapts browser PWA APIs below ui/.'), layer('client', 'pwa/ sits below client/; main.ts composes them.'), ...nodeOnly]) },
  },
  {
    files: ['sw/**/*.ts'],
    rules: { ...restrict([layer('ui', 'The service worker has no DOM: it must not import ui/.'), layer('client', 'The service worker composes net/ and store/ itself.'), ...nodeOnly]) },
  },
  {
    files: ['src/ui/**/*.ts', 'src/main.ts'],
    rules: { ...restrict(nodeOnly) },
  },
  {
    files: ['signaling/**/*.ts'],
    rules: {
      ...restrict([
        { group: ['**/src/net/*', '**/src/store/*', '**/src/ui/*', '**/src/client/*', '**/src/core/conversation*', '**/src/core/timeline*'], message: 'signaling/ may import only wire types and pure helpers from src/core/.' },
        { group: ['lit', 'lit/*', 'yjs', 'y-*', 'simple-peer'], message: 'The server never parses documents: it is blind.' },
      ]),
    },
  },
);
