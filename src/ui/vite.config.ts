// The UI's build: one index.html and content-hashed files under assets/,
// served by spin-controller (src/nmf/api/ui_assets.h).  Nothing is loaded
// from elsewhere at run time: the page works with no internet.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  publicDir: false,
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // The strict Content-Security-Policy allows no inline script or style, so
    // nothing is inlined into index.html or as a data: URL.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
