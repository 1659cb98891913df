// Two entries, one build: the workspace (index.html, no React) and GraphiQL (graphiql.html, React + Monaco).
// Both are served under /ui/ by the hub, so every asset URL starts with /ui/assets/ and nothing leaves the machine.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    assetsInlineLimit: 0, // fonts as files, not data: URLs, which the hub's Content-Security-Policy refuses
    chunkSizeWarningLimit: 5000, // GraphiQL's Monaco editor is large; it never loads with /ui
    rollupOptions: {
      // GraphiQL's dependencies mark React client modules with "use client": meaningless in a plain bundle
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        graphiql: resolve(import.meta.dirname, 'graphiql.html'),
      },
    },
  },
  server: {
    // `npm run dev`: the hub (make run) answers the API; vite serves the page with hot reload
    proxy: {
      '/graphql': 'http://127.0.0.1:8000',
      '/oauth': 'http://127.0.0.1:8000',
      '/ui/dev': 'http://127.0.0.1:8000',
    },
  },
});
