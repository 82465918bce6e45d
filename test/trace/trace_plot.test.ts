// --plot's SVG: one labelled, dashed line per order and one for RSS, from the samples.
import { describe, expect, it } from "vitest";
import { plotSvg, type Sample } from "../../src/trace/index.js";

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

describe("plotSvg of a run of millions of faults", () => {
  // 2M samples: free pages fall step by step (one zones object per step of
  // 1024 faults, to keep the test small), with one dip to 0 and one spike
  // in the middle; RSS climbs. The drawing keeps both extremes.
  const N = 2_000_000, SPIKE = 5_000_000;
  const zonesOf = (free: number) => [{ name: "DMA32", nr_free: [free] }];
  const dip = zonesOf(0), spike = zonesOf(SPIKE);
  const samples: Sample[] = new Array(N);
  let step = zonesOf(N);
  for (let f = 0; f < N; f++) {
    if (f % 1024 === 0) step = zonesOf(N - f);
    samples[f] = { ts: f, fault: f, zones: f === 777_777 ? dip : f === 1_234_567 ? spike : step, rss: { anon: f, file: 0 } };
  }
  const svg = plotSvg(samples, "millions");
  const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"><title>([^<]*)<\/title>/g)];
  const ys = (m: RegExpMatchArray) => m[1].split(" ").map((p) => Number(p.split(",")[1]));

  it("draws at most four points per pixel column", () => {
    for (const m of lines) expect(m[1].split(" ").length).toBeLessThanOrEqual(4 * 900);
  });
  it("keeps the spike and the dip of order 0", () => {
    // The log axis (PANEL_TOP 100, 330 high) spans 7 decades for 5M.
    const order0 = ys(lines[0]);
    expect(Math.min(...order0)).toBeCloseTo(100 + 330 - (Math.log10(SPIKE + 1) / 7) * 330, 1);
    expect(Math.max(...order0)).toBe(430);
  });
  it("labels the last RSS", () => {
    expect(svg).toContain(`>${+(((N - 1) * 4) / 1e6).toFixed(1)}M kB<`);
  });
});
