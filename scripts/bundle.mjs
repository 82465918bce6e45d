// The faultline command as one file, dist/cli/faultline.js (package.json's
// bin), made from tsc's output: Node loads an ES module graph file by file,
// and a hundred files cost the CLI more start-up than booting the kernel and
// running a program. What a plain run never reaches (demo, bench, compiling
// a .c program) stays in chunks of its own, loaded when asked for.

import { build } from "rolldown";

await build({
  input: "dist/src/cli/main.js",
  platform: "node",
  logLevel: "warn",
  output: { dir: "dist/cli", format: "esm", entryFileNames: "faultline.js", chunkFileNames: "[name].js", sourcemap: true },
});
