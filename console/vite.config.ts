import { defineConfig } from "vite";

// The config lives in console/ but is run from the repository root (`vite build --config console/vite.config.ts`),
// so the root is this file's folder rather than the working directory.
const here = decodeURIComponent(new URL(".", import.meta.url).pathname);

export default defineConfig({
  root: here,
  // The admin listener serves the files under /console/.
  base: "/console/",
  build: {
    outDir: `${here}../dist/console`,
    emptyOutDir: true,
    // Nothing inlined as data: URLs or injected inline, so the page's strict CSP holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
