// --plot's SVG: one labelled, dashed line per order and one for RSS, from the samples.
import { describe, expect, it } from "vitest";
import { plotSvg, type Sample } from "../src/trace/index.js";

const samples: Sample[] = [0, 1, 2].map((f) => ({
  ts: f, fault: f, zones: [{ name: "DMA", nr_free: [1, 0, 0] }, { name: "Normal", nr_free: [2 - f, f, 4] }], rss: { anon: f, file: 1 },
}));

describe("plotSvg", () => {
  const svg = plotSvg(samples, "run <1>");
  it("draws each order and RSS from the samples, with labels and a legend", () => {
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"><title>([^<]*)<\/title>/g)];
    expect(lines.map((m) => m[2])).toEqual(["order 0", "order 1", "order 2", "RSS"]);
    expect(lines.every((m) => m[1].split(" ").length === 3)).toBe(true);
    // Order 2 holds 4 blocks of 4 pages throughout: a flat line labelled with 16.
    const o2 = lines[2][1].split(" ").map((p) => p.split(",")[1]);
    expect(new Set(o2).size).toBe(1);
    expect(svg).toContain(">o2 16<");
    expect(svg).toContain(">12 kB<");                       // final RSS: 3 pages
    for (let o = 0; o < 3; o++) expect(svg).toContain(`>order ${o}</text>`);
    expect(svg).toContain("run &lt;1>");                   // the title is escaped
    expect(svg.match(/stroke-dasharray/g)!.length).toBeGreaterThanOrEqual(4); // not colour alone
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });
  it("is deterministic and refuses an empty run", () => {
    expect(plotSvg(samples, "run <1>")).toBe(svg);
    expect(() => plotSvg([], "x")).toThrow(/no samples/);
  });
});
