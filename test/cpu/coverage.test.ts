// Every instruction gcc and as emitted for programs/ (objdump's linear sweep)
// is inside the subset: our decoder agrees on its length and never says #UD
// except where objdump itself shows ud2 or (bad).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decode } from "../../src/cpu/decode.js";
import { needs, TOOLS } from "../helpers/tools.js";

describe.runIf(needs(TOOLS.objdump))("programs/ use only the subset", () => {
  const dir = new URL("../../programs/bin/", import.meta.url);
  for (const name of readdirSync(dir)) {
    it(name, () => {
      const text = execFileSync("objdump", ["-d", "--insn-width=16", new URL(name, dir).pathname], { encoding: "utf8", maxBuffer: 1 << 26 });
      const bad: string[] = [];
      let n = 0;
      for (const line of text.split("\n")) {
        const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$/.exec(line);
        if (!m) continue;
        const bytes = Uint8Array.from(m[2].trim().split(" "), (x) => parseInt(x, 16));
        const insn = decode(bytes, bytes.length, parseInt(m[1], 16));
        n++;
        const theirs = m[3].trim();
        if (insn === null || insn.len !== bytes.length) bad.push(`${m[1]}: ${theirs}: length ${insn?.len}`);
        else if (insn.op === "ud" && !/^(ud2|\(bad\))/.test(theirs)) bad.push(`${m[1]}: ${theirs}: #UD`);
      }
      expect(n).toBeGreaterThan(5);
      expect(bad).toEqual([]);
    });
  }
});
