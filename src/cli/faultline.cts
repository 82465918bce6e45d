#!/usr/bin/env node
// The faultline command, package.json's bin: scripts/bundle.mjs copies it to
// dist/cli/faultline.js, next to the bundle's CommonJS chunks (main.js and
// what it requires). A chunk the build made a V8 code cache for
// (<chunk>.cache) is compiled with it: a run deserializes the functions a run
// uses instead of parsing and compiling half a megabyte of JavaScript. A
// cache V8 rejects (another Node, other V8 flags) costs only the compile it
// would have saved. The other chunks (bench, demo, compiling a .c program)
// Node loads as it loads any CommonJS file: code compiled through node:vm
// cannot import() (bench imports its suites, ES modules of dist/bench).
// CommonJS, as Node loads an ES module graph asynchronously, through its
// thread pool: a cost every run would pay.

import { closeSync, fstatSync, openSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";
import type { Module as NodeModule } from "node:module";

// Node's Module class, as this file's module was made by it: importing
// node:module would load that public module and the source-map modules it
// requires, a cost every run would pay.
const Module = module.constructor as typeof NodeModule;

/** The chunks compiled here, by file. */
const scripts = new Map<string, Script>();
/** Compile every chunk here, cache or not (the build's run that makes the caches). */
let training = false;

/**
 * One buffer for every file read here, a chunk's source and then its code
 * cache over it: memory is fresh the first time it is touched, and each
 * fresh page is a page fault (13 us on the VM of the 16th session), where a
 * buffer for each file would fault in a megabyte and more. Neither is
 * needed once the chunk is compiled. What it held is not kept when it grows.
 */
let scratch = Buffer.alloc(0);

/** Reads `fd` whole into scratch from `at` on, leaving `spare` bytes after it, then closes it: where its bytes end. */
function readInto(fd: number, at: number, spare = 0): number {
  try {
    const size = fstatSync(fd).size;
    // Room for the largest chunk at once: untouched, the rest costs nothing.
    if (scratch.length < at + size + spare) scratch = Buffer.allocUnsafeSlow(Math.max(at + size + spare, 1 << 20));
    let end = at;
    while (end < at + size) {
      const n = readSync(fd, scratch, end, at + size - end, null);
      if (n === 0) break;
      end += n;
    }
    return end;
  } finally {
    closeSync(fd);
  }
}

/**
 * Node's CommonJS wrapper around the chunk's source, read in one string.
 * The bundle is ASCII (charset "ascii"): decoded as latin1 it is one copy of
 * the bytes ("utf8" decodes through a growing buffer first). Read between
 * the wrapper's two halves, not concatenated: V8 would flatten a
 * concatenation, copying the half megabyte again.
 */
function wrapped(file: string): string {
  const [head, tail] = Module.wrap("\0").split("\0");
  const end = readInto(openSync(file, "r"), head.length, tail.length);
  scratch.write(head, 0, "latin1");
  scratch.write(tail, end, "latin1");
  return scratch.toString("latin1", 0, end + tail.length);
}

/** The exports of the chunk dist/cli/`name`, run the first time it is asked for. */
export function load(name: string): unknown {
  const file = join(__dirname, name);
  const known = require.cache[file];
  if (known) return known.exports;
  let cache: number | undefined;
  try {
    cache = openSync(file + ".cache", "r");
  } catch {
    if (!training) return require(file);
  }
  const source = wrapped(file);
  const cachedData = cache === undefined ? undefined : scratch.subarray(0, readInto(cache, 0));
  const script = new Script(source, { filename: file, cachedData });
  scripts.set(file, script);
  // In Node's module cache, so that a chunk Node loads gets this one from its require.
  const m = new Module(file, module);
  m.filename = file;
  require.cache[file] = m;
  const chunkRequire = (id: string): unknown => (id.startsWith("./") ? load(id.slice(2)) : require(id));
  (script.runInThisContext() as (...args: unknown[]) => void).call(m.exports, m.exports, chunkRequire, m, file, __dirname);
  m.loaded = true;
  return m.exports;
}

/** Whether V8 took the code cache of each chunk compiled here, by file. */
export function codeCacheTaken(): Record<string, boolean> {
  return Object.fromEntries([...scripts].map(([file, s]) => [file, s.cachedDataRejected === false]));
}

/**
 * Runs the command with `args`, then writes the code cache of every chunk it
 * loaded, holding each function compiled by then: how the build makes them.
 */
export function train(args: string[]): void {
  training = true;
  process.argv = [process.argv[0], __filename, ...args];
  process.on("exit", () => {
    for (const [file, s] of scripts) writeFileSync(file + ".cache", s.createCachedData());
  });
  load("main.js");
}

if (require.main === module) load("main.js");
