// The README's seed map must point at the code it names.

import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";

const root = new URL("../", import.meta.url);

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
