// The dashboard's build. Everything the page needs is bundled into dist/
// (no CDN, no web font), the output is named by content hash (the
// orchestrator caches /assets/ for a year), and nothing is inlined into
// index.html, so the Content-Security-Policy needs no 'unsafe-inline'.
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: process.env.SCRIPTMESH_WEB_OUT_DIR || "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
