import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { WASM_WORKER_SCRIPTS } from './signaling/http/security-headers.js';

/**
 * The workers that compile WebAssembly (the file workers' SHA-256, docs/architecture.md §6.3,
 * §14.4). Only their scripts go where the server serves a policy that allows it; any other
 * worker (the bulk worker compiles nothing) keeps the page's `script-src 'self'`.
 */
const WASM_WORKERS = new Set(['open-worker', 'seal-worker']);

/**
 * Lit's css`` literals ship as written, comments and indentation included: 0.6 kB gzip of the
 * start-up script (docs/architecture.md §11), and more in the views. This drops the comments
 * and the spaces at the ends of each line. Line breaks stay (CSS reads them as spaces), so
 * every line keeps its place and the source maps, line by line, stay right (`map: null`).
 */
function compactCssLiterals(): Plugin {
  const compact = (literal: string): string => literal.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, '')).replace(/[ \t]*\n[ \t]*/g, '\n');
  return {
    name: 'parley:compact-css-literals',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/src\/ui\/[^?]*\.ts(\?|$)/.test(id) || !code.includes('css`')) return null;
      // A literal opens its line's end (`css` in a comment or a name does not count).
      return { code: code.replace(/(?<![\w`.$])css`(?=\n)[^`]*`/g, compact), map: null };
    },
  };
}

export default defineConfig({
  resolve: {
    alias: [
      // simple-peer's package entry needs Node's stream and buffer; its prebuilt browser
      // bundle carries small shims instead (y-webrtc imports the same file).
      { find: 'simple-peer', replacement: 'simple-peer/simplepeer.min.js' },
      // Yjs prints two rare warnings through lib0's logging. Its browser build renders to the
      // DOM too, and that pulls lib0's schema module into the start-up script (2.6 kB gzip
      // of 107, docs/architecture.md §11); lib0's own Node build has the same API and prints
      // to the same console, only with ANSI colours, which the browser's console shows.
      { find: /^lib0\/logging$/, replacement: fileURLToPath(new URL('./node_modules/lib0/logging.node.js', import.meta.url)) },
    ],
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
    modulePreload: { polyfill: false },
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'start', tags: ['$initial'] }] } } },
  },
  worker: {
    rolldownOptions: { output: { entryFileNames: (chunk) => `${WASM_WORKERS.has(chunk.name) ? WASM_WORKER_SCRIPTS.join('/') : 'assets/workers'}/[name]-[hash].js` } },
  },
  plugins: [
    compactCssLiterals(),
    VitePWA({
      // Our own worker (push, background sync) with Workbox precaching injected at build.
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      // The page registers the worker itself and asks before activating an update.
      injectRegister: false,
      registerType: 'prompt',
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,ico,webmanifest}'],
        rollupFormat: 'es',
      },
      manifest: {
        name: 'Parley',
        short_name: 'Parley',
        description: 'Private peer-to-peer messaging in your browser.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#111318',
        theme_color: '#2f5bd3',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
  server: {
    proxy: {
      '/signal': { target: 'ws://localhost:8787', ws: true },
      '/api': 'http://localhost:8787',
    },
  },
});
