// The playground: `npm run web` serves it, `npm run build:web` writes dist-web/.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("../dist-web", import.meta.url)),
    emptyOutDir: true,
    // Guest programs stay files of their own (no data: URLs), as a page would fetch them.
    assetsInlineLimit: 0,
    rolldownOptions: {
      // Guest programs have no extension: give them one, not a trailing dot.
      output: { assetFileNames: (a) => (/\.\w+$/.test(a.names[0] ?? "") ? "assets/[name]-[hash][extname]" : "assets/[name]-[hash].elf") },
    },
  },
  server: { host: "127.0.0.1" },
});
