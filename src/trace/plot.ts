// --plot: free pages per order over the run (all zones), and RSS, as an
// SVG from the same samples as the trace counters. Lines differ by dash
// pattern and marker as well as colour, and each carries its label at its
// end, so the picture reads in greyscale too. Browser-safe.

import { freePagesPerOrder, type Sample } from "./samples.js";

const W = 900, LEFT = 70, RIGHT = 110, PANEL_TOP = 100, TOP_H = 330, GAP = 70, BOTTOM_H = 150;
const H = PANEL_TOP + TOP_H + GAP + BOTTOM_H + 60;
const PLOT_W = W - LEFT - RIGHT;
// Eleven lines: colours from a colour-blind-safe palette, each with its own dash.
const COLOURS = ["#000000", "#e69f00", "#56b4e9", "#009e73", "#d55e00", "#0072b2", "#cc79a7", "#666666", "#8c510a", "#01665e", "#762a83"];
const DASHES = ["", "8 3", "2 3", "8 3 2 3", "12 4", "4 4", "1 2", "10 2 2 2 2 2", "6 2", "3 6", "14 3 3 3"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const fmt = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : String(n));

/** A log10 axis from 0 (drawn at the bottom) up to the next power of ten. */
function logScale(max: number, height: number, top: number) {
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(max, 1) + 1)));
  const y = (v: number) => top + height - (Math.log10(v + 1) / decades) * height;
  const ticks = [0, ...Array.from({ length: decades }, (_, i) => 10 ** (i + 1))];
  return { y, ticks };
}

/** Whole-number ticks from 0 past max, 1-2-5 spaced, at most 8 intervals. */
function linearTicks(max: number): number[] {
  if (max <= 0) return [0];
  const decade = 10 ** Math.floor(Math.log10(max));
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10].map((m) => Math.max(1, m * decade)).find((s) => max / s <= 8)!;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => i * step);
}

export function plotSvg(samples: Sample[], title: string): string {
  if (!samples.length) throw new Error("plot: no samples (the run took no faults)");
  const xs = samples.map((s) => s.fault);
  const x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
  const x = (v: number) => LEFT + ((v - x0) / (x1 - x0)) * PLOT_W;
  const perOrder = samples.map(freePagesPerOrder);
  const orders = Math.max(...perOrder.map((p) => p.length));
  const maxFree = Math.max(1, ...perOrder.flat());
  const top = logScale(maxFree, TOP_H, PANEL_TOP);
  const rssKB = samples.map((s) => (s.rss.anon + s.rss.file) * 4);
  const rssTicks = linearTicks(Math.max(4, ...rssKB));
  const rssMax = rssTicks[rssTicks.length - 1] || 1;
  const bottomTop = PANEL_TOP + TOP_H + GAP;
  const yRss = (v: number) => bottomTop + BOTTOM_H - (v / rssMax) * BOTTOM_H;
  const xTicks = linearTicks(x1 - x0).map((t) => t + x0).filter((t) => t <= x1);
  const dashOf = (order: number) => DASHES[order % DASHES.length] ? ` stroke-dasharray="${DASHES[order % DASHES.length]}"` : "";

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${LEFT}" y="${PANEL_TOP - 10}" font-weight="bold">Free pages per order (all zones; blocks × 2^order), log scale</text>`);
  out.push(`<text x="${LEFT}" y="${bottomTop - 10}" font-weight="bold">RSS (kB)</text>`);

  // Axes and grid.
  const xAxis = (yBase: number, height: number) => {
    for (const t of xTicks) {
      out.push(`<line x1="${x(t)}" y1="${yBase - height}" x2="${x(t)}" y2="${yBase}" stroke="#e0e0e0"/>`);
      out.push(`<text x="${x(t)}" y="${yBase + 16}" text-anchor="middle">${fmt(t)}</text>`);
    }
    out.push(`<line x1="${LEFT}" y1="${yBase}" x2="${LEFT + PLOT_W}" y2="${yBase}" stroke="#000"/>`);
    out.push(`<line x1="${LEFT}" y1="${yBase - height}" x2="${LEFT}" y2="${yBase}" stroke="#000"/>`);
  };
  for (const t of top.ticks) {
    out.push(`<line x1="${LEFT}" y1="${top.y(t)}" x2="${LEFT + PLOT_W}" y2="${top.y(t)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${LEFT - 6}" y="${top.y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  xAxis(PANEL_TOP + TOP_H, TOP_H);
  for (const t of rssTicks) {
    out.push(`<line x1="${LEFT}" y1="${yRss(t)}" x2="${LEFT + PLOT_W}" y2="${yRss(t)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${LEFT - 6}" y="${yRss(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  xAxis(bottomTop + BOTTOM_H, BOTTOM_H);
  out.push(`<text x="${LEFT + PLOT_W / 2}" y="${H - 14}" text-anchor="middle">faults handled</text>`);

  // One line per order, labelled at its right end; orders ending on the
  // same value share one label, and labels are nudged apart.
  const ends = new Map<number, number[]>();
  for (let order = 0; order < orders; order++) {
    const pts = perOrder.map((p, i) => `${x(xs[i]).toFixed(1)},${top.y(p[order] ?? 0).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${COLOURS[order % COLOURS.length]}" stroke-width="2"${dashOf(order)} points="${pts.join(" ")}"><title>order ${order}</title></polyline>`);
    const last = perOrder[perOrder.length - 1][order] ?? 0;
    ends.set(last, [...(ends.get(last) ?? []), order]);
  }
  const labels = [...ends].map(([last, os]) => ({
    y: top.y(last), text: `o${os.join(",")} ${fmt(last)}`, colour: os.length === 1 ? COLOURS[os[0] % COLOURS.length] : "#000",
  }));
  labels.sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + 12);
  for (const l of labels) out.push(`<text x="${LEFT + PLOT_W + 4}" y="${(l.y + 4).toFixed(1)}" fill="${l.colour}">${esc(l.text)}</text>`);

  const rssPts = rssKB.map((v, i) => `${x(xs[i]).toFixed(1)},${yRss(v).toFixed(1)}`);
  out.push(`<polyline fill="none" stroke="#000" stroke-width="2" points="${rssPts.join(" ")}"><title>RSS</title></polyline>`);
  out.push(`<text x="${LEFT + PLOT_W + 4}" y="${yRss(rssKB[rssKB.length - 1]) + 4}">${fmt(rssKB[rssKB.length - 1])} kB</text>`);

  // Legend, above the panel: a sample of each line's dash with its name.
  for (let order = 0; order < orders; order++) {
    const lx = LEFT + (order % 6) * 120, ly = 42 + Math.floor(order / 6) * 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${COLOURS[order % COLOURS.length]}" stroke-width="2"${dashOf(order)}/>`);
    out.push(`<text x="${lx + 34}" y="${ly + 4}">order ${order}</text>`);
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
