// faultline run's stderr on a terminal: colour only there and without
// NO_COLOR, a progress line that anything written erases first.
import { describe, expect, it, vi } from "vitest";
import { Terminal } from "../../src/cli/terminal.js";

const stream = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (c: string | Uint8Array) => (chunks.push(String(c)), true) };
};

describe("Terminal", () => {
  it("colours only a terminal, and not when NO_COLOR is set", () => {
    expect(new Terminal(stream(true), {}).red("a\nb\n")).toBe("\x1b[31ma\x1b[0m\n\x1b[31mb\x1b[0m\n");
    expect(new Terminal(stream(true), { NO_COLOR: "1" }).red("a\n")).toBe("a\n");
    expect(new Terminal(stream(false), {}).red("a\n")).toBe("a\n");
  });

  it("draws progress once a second on a terminal only, erased before other output", () => {
    vi.useFakeTimers();
    try {
      const tty = stream(true);
      const t = new Terminal(tty, { NO_COLOR: "1" });
      const p = t.startProgress(() => "42 instructions");
      vi.advanceTimersByTime(2500);
      expect(tty.chunks).toEqual(["\r\x1b[K42 instructions", "\r\x1b[K42 instructions"]);
      t.write("report\n");
      expect(tty.chunks.slice(2)).toEqual(["\r\x1b[K", "report\n"]);
      p.stop();
      const pipe = stream(false);
      new Terminal(pipe, {}).startProgress(() => "never");
      vi.advanceTimersByTime(5000);
      expect(pipe.chunks).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
