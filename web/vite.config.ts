// The dashboard's build (scripts/build-web.mjs runs it; `npm start` builds on demand).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // Preact's automatic JSX runtime, without a framework plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    emptyOutDir: true,
    // Hashed names under /assets/: the server caches them for a year.
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
