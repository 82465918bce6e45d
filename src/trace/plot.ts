// --plot: free pages per order over the run (all zones), and RSS, as an
// SVG from the same samples as the trace counters. Lines differ by dash
// pattern and marker as well as colour, and each carries its label at its
// end, so the picture reads in greyscale too. A run of millions of faults
// is drawn from at most a few points per pixel column (the first, lowest,
// highest and last of each), so no peak or trough is lost. Browser-safe.

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

/** The largest value of a series (no spread: a series may hold millions). */
function maxOf(values: ArrayLike<number>, floor: number): number {
  let max = floor;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/**
 * The indices of a series worth drawing: all of them when there are few,
 * else per pixel column the first, the lowest, the highest and the last,
 * in order (min/max decimation: every extreme stays on the picture).
 */
export function decimate(xs: ArrayLike<number>, ys: ArrayLike<number>, columns: number): number[] {
  const n = xs.length;
  if (n <= 4 * columns) return Array.from({ length: n }, (_, i) => i);
  const x0 = xs[0], span = Math.max(xs[n - 1] - x0, 1);
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    const column = Math.min(columns - 1, Math.floor(((xs[i] - x0) / span) * columns));
    let lo = i, hi = i, j = i;
    for (; j < n && Math.min(columns - 1, Math.floor(((xs[j] - x0) / span) * columns)) === column; j++) {
      if (ys[j] < ys[lo]) lo = j;
      if (ys[j] > ys[hi]) hi = j;
    }
    const last = j - 1;
    for (const k of [...new Set([i, lo, hi, last])].sort((a, b) => a - b)) out.push(k);
    i = j;
  }
  return out;
}

export function plotSvg(samples: Sample[], title: string): string {
  if (!samples.length) throw new Error("plot: no samples (the run took no faults)");
  const n = samples.length;
  const xs = Float64Array.from(samples, (s) => s.fault);
  const x0 = xs[0], x1 = Math.max(xs[n - 1], x0 + 1);
  const x = (v: number) => LEFT + ((v - x0) / (x1 - x0)) * PLOT_W;
  let orders = 0;
  for (const s of samples) for (const z of s.zones) orders = Math.max(orders, z.nr_free.length);
  // One series per order, each value the free pages at that order after a fault.
  const perOrder = Array.from({ length: orders }, () => new Float64Array(n));
  samples.forEach((s, i) => freePagesPerOrder(s).forEach((pages, order) => (perOrder[order][i] = pages)));
  const maxFree = perOrder.reduce((max, series) => maxOf(series, max), 1);
  const top = logScale(maxFree, TOP_H, PANEL_TOP);
  const rssKB = Float64Array.from(samples, (s) => (s.rss.anon + s.rss.file) * 4);
  const rssTicks = linearTicks(maxOf(rssKB, 4));
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
  const points = (ys: Float64Array, y: (v: number) => number) =>
    decimate(xs, ys, PLOT_W).map((i) => `${x(xs[i]).toFixed(1)},${y(ys[i]).toFixed(1)}`).join(" ");
  for (let order = 0; order < orders; order++) {
    out.push(`<polyline fill="none" stroke="${COLOURS[order % COLOURS.length]}" stroke-width="2"${dashOf(order)} points="${points(perOrder[order], top.y)}"><title>order ${order}</title></polyline>`);
    const last = perOrder[order][n - 1];
    ends.set(last, [...(ends.get(last) ?? []), order]);
  }
  const labels = [...ends].map(([last, os]) => ({
    y: top.y(last), text: `o${os.join(",")} ${fmt(last)}`, colour: os.length === 1 ? COLOURS[os[0] % COLOURS.length] : "#000",
  }));
  labels.sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + 12);
  for (const l of labels) out.push(`<text x="${LEFT + PLOT_W + 4}" y="${(l.y + 4).toFixed(1)}" fill="${l.colour}">${esc(l.text)}</text>`);

  out.push(`<polyline fill="none" stroke="#000" stroke-width="2" points="${points(rssKB, yRss)}"><title>RSS</title></polyline>`);
  out.push(`<text x="${LEFT + PLOT_W + 4}" y="${yRss(rssKB[n - 1]) + 4}">${fmt(rssKB[n - 1])} kB</text>`);

  // Legend, above the panel: a sample of each line's dash with its name.
  for (let order = 0; order < orders; order++) {
    const lx = LEFT + (order % 6) * 120, ly = 42 + Math.floor(order / 6) * 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${COLOURS[order % COLOURS.length]}" stroke-width="2"${dashOf(order)}/>`);
    out.push(`<text x="${lx + 34}" y="${ly + 4}">order ${order}</text>`);
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
