import { defineConfig } from 'vite';

export default defineConfig({
  resolve: {
    alias: {
      // simple-peer's package entry needs Node's stream and buffer; its prebuilt browser
      // bundle carries small shims instead (y-webrtc imports the same file).
      'simple-peer': 'simple-peer/simplepeer.min.js',
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      '/signal': { target: 'ws://localhost:8787', ws: true },
      '/api': 'http://localhost:8787',
    },
  },
});
