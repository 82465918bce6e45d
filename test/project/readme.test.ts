// The README's seed map must point at the code it names.

import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);

describe("README seed map", () => {
  it("every row's file:line holds the first name in its Linux column", () => {
    const readme = readFileSync(new URL("README.md", root), "utf8");
    const rows = [...readme.matchAll(/^\|[^|\n]*\|([^|\n]*)\|\s*\[([^\]:]+):(\d+)\]/gm)];
    expect(rows.length).toBeGreaterThan(30);
    for (const [, linux, file, line] of rows) {
      const name = /`(?:struct )?([A-Za-z_]\w*)/.exec(linux)?.[1];
      expect(name, linux).toBeDefined();
      const text = readFileSync(new URL(file, root), "utf8").split("\n")[Number(line) - 1] ?? "";
      expect(text, `${file}:${line} should name ${name}`).toContain(name);
    }
  });
});

describe("README sample output", () => {
  it("is what npm start prints, line for line where it is not shortened (…)", async () => {
    const { demo } = await import("../../src/cli/demo.js");
    const out = demo().split("\n");
    const readme = readFileSync(new URL("README.md", root), "utf8");
    const block = /## What `npm start` shows[^]*?```\n([^]*?)```/.exec(readme)![1].split("\n").slice(0, -1);
    expect(block.length).toBeGreaterThan(40);
    // Each line of the sample, "…" aside, comes next in the real output: a shortened copy, in order.
    let at = 0;
    for (const line of block.filter((l) => l !== "…")) {
      const found = out.indexOf(line, at);
      expect(found, `README line not in npm start's output after line ${at}: ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
    // The batch the text names is the count of __rmqueue calls in the fault shown.
    const batch = Number(/`batch` of (\d+) pages/.exec(readme.replace(/\n/g, " "))![1]);
    expect(out.filter((l) => l.endsWith("__rmqueue() {")).length).toBe(batch);
  });
});
