// The faultline command as a few files in dist/cli, made from tsc's output:
// main.js and the machine it loads, CommonJS chunks that faultline.js
// (package.json's bin, from src/cli/faultline.cts) compiles with a V8 code
// cache each. Node loads an ES module graph file by file, and a hundred
// files cost the CLI more start-up than booting the kernel and running a
// program. What a plain run never reaches (demo, bench, compiling a .c
// program) stays in chunks of its own, loaded when asked for.
//
// The code caches (<chunk>.cache) come from a run of programs/bin/hello
// under the new command, so that they hold the functions a run compiles,
// not only the top level.

import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "rolldown";

const out = "dist/cli";
rmSync(out, { recursive: true, force: true });
// The vDSO image, built here rather than at every start (src/loader/vdso.ts's vdsoBytes).
const { buildVdsoImage } = await import(pathToFileURL("dist/src/loader/vdso.js").href);
await build({
  input: "dist/src/cli/main.js",
  platform: "node",
  logLevel: "warn",
  // main.js exports nothing anyone imports: the entry chunk may then hold
  // the start group itself, rather than re-export it from a start.js (one
  // script and one code cache fewer for every command).
  preserveEntrySignatures: false,
  // An imported constant (PAGE_SIZE and the other ABI numbers) written where
  // it is used: the machine's chunk read main.js's through a getter each
  // time, and the rest through the top-level scope's TDZ-checked slots.
  optimization: { inlineConst: { mode: "all", pass: 1 } },
  transform: { define: { FAULTLINE_VDSO_IMAGE: JSON.stringify([...buildVdsoImage().bytes]) } },
  // ASCII only, without comments or indentation: a smaller source, which
  // Node reads into a one-byte string (the source maps lead back to
  // dist/src). Names stay as written: they are in stack traces and messages.
  output: {
    dir: out, format: "cjs", entryFileNames: "main.js", chunkFileNames: "[name].js", sourcemap: true, charset: "ascii", comments: false,
    minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } },
    // Two chunks a run loads: main.js, what every command needs first (the
    // options; run starts the kernel's compile with them), and machine.js,
    // the rest of a run's code, loaded as the kernel compiles.
    codeSplitting: {
      groups: [
        { name: "start", tags: ["$initial"] },
        { name: "machine", test: (id) => !/[\\/]src[\\/]cli[\\/](boot|demo|bench|build_c)\.js$/.test(id) },
      ],
    },
  },
});
// package.json says "type": "module"; these files are CommonJS.
writeFileSync(join(out, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
const launcher = join(out, "faultline.js");
writeFileSync(launcher, readFileSync("dist/src/cli/faultline.cjs", "utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n"), { mode: 0o755 });

// The training run's output is hello's; what matters is what it compiled.
const train = `require(${JSON.stringify(join(process.cwd(), launcher))}).train(["run", "programs/bin/hello"])`;
execFileSync(process.execPath, ["-e", train], { stdio: ["ignore", "ignore", "inherit"] });
