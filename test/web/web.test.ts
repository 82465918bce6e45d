// The playground in a real browser: builds web/ with Vite, serves it on
// 127.0.0.1, and drives Debian's Chromium (playwright-core, headless)
// through touch_write and segv_null. Screenshots go to test-results/web/.
// Skips only when /usr/bin/chromium is missing outside CI; in CI
// (.ci/run installs Chromium) a missing browser is a failure.

import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { build } from "vite";
import { chromium, type Browser, type Page } from "playwright-core";
import { needs, TOOLS } from "../helpers/tools.js";

const CHROMIUM = "/usr/bin/chromium";
const root = join(import.meta.dirname, "../..");
const shots = join(root, "test-results", "web");

const TYPES: Record<string, string> = {
  ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json",
};

/** A static file server for the built page. */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, path.endsWith("/") ? path + "index.html" : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe.runIf(needs(TOOLS.chromium))("the playground in Chromium", () => {
  let out: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "faultline-web-"));
    await build({ configFile: join(root, "web", "vite.config.ts"), logLevel: "warn", build: { outDir: out, emptyOutDir: true } });
    server = await serve(out);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    mkdirSync(shots, { recursive: true });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector("body[data-state=booted]", { timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const counter = async (name: string) => Number(await page.getAttribute(`#counters [data-name="${name}"]`, "data-value"));
  const anon = async () => Number(await page.getAttribute("#frame-summary", "data-anon"));

  it("boots and draws the frame map and buddyinfo", async () => {
    expect(await page.textContent("#buddyinfo")).toMatch(/^Node 0, zone      DMA /);
    expect(await anon()).toBe(0);
    expect(Number(await page.getAttribute("#frame-summary", "data-free"))).toBe(await counter("nr_free_pages"));
    // The canvas has one pixel per frame: 256 x 256 for 256 MiB.
    expect(await page.$eval("#frames", (c: HTMLCanvasElement) => [c.width, c.height])).toEqual([256, 256]);
    await page.focus("#frames");
    await page.keyboard.press("End");
    expect(await page.textContent("#frame-label")).toMatch(/^pfn 0xffff  phys 0x0ffff000  zone DMA32: /);
    await page.screenshot({ path: join(shots, "boot.png"), fullPage: true });
  });

  it("runs touch_write fault by fault: the counter rises, buddyinfo changes, anonymous frames appear", async () => {
    const bootBuddy = await page.textContent("#buddyinfo");
    await page.selectOption("#program", "touch_write");
    await page.fill("#args", "256");
    await page.click("#load");
    await page.waitForSelector("body[data-state=ready]");
    // exec's own copies (the initial stack) already faulted.
    const loaded = await counter("page faults");
    // The entry point's page is not mapped yet: the view says so instead of reading frame 0.
    expect(await page.textContent("#insn")).toMatch(/^0x401\w+: \(not mapped yet: fetching it faults\)$/);
    for (let i = 1; i <= 24; i++) {
      await page.keyboard.press("f");
      await page.waitForFunction((n) => Number(document.querySelector('#counters [data-name="page faults"]')?.getAttribute("data-value")) >= n, loaded + i);
    }
    expect(await counter("page faults")).toBe(loaded + 24);
    expect(await page.textContent("#status")).toBe(`Paused ./touch_write 256 after fault ${loaded + 24}.`);
    // Numbered from 1 at exec, newest first, with no gaps.
    const numbers = await page.$$eval("#faults li", (lis) => lis.map((li) => (li as HTMLLIElement).value));
    expect(numbers).toEqual(Array.from({ length: loaded + 24 }, (_, i) => loaded + 24 - i));
    // The last fault in words, and its page under the map's cursor.
    const said = (await page.textContent("#narration"))!;
    expect(said).toMatch(new RegExp(`^fault ${loaded + 24} at 0x[0-9a-f]+: write to an empty PTE in an anonymous rw-p mapping → do_anonymous_page → pfn (0x[0-9a-f]+)`));
    const pfn = /pfn (0x[0-9a-f]+)/.exec(said)![1];
    expect(await page.textContent("#frame-label")).toMatch(new RegExp(`^pfn ${pfn} .*: anon`));
    await page.screenshot({ path: join(shots, "playground.png") });  // the README's picture (docs/playground.png)
    expect(await anon()).toBeGreaterThan(0);
    expect(await counter("nr_anon_pages")).toBeGreaterThan(0);
    expect(await page.textContent("#buddyinfo")).not.toBe(bootBuddy);
    // Each fault's call tree is there, down to the allocator (rendered as an entry opens).
    for (const summary of await page.$$("#faults button")) await summary.click();
    const trees = (await page.$$eval("#faults pre", (ps) => ps.map((p) => p.textContent ?? ""))).join("\n");
    expect(trees).toContain("do_anonymous_page");
    expect(trees).toContain("__alloc_pages");
    // The walk follows the last fault, which is now mapped.
    expect(await page.textContent("#walk")).toMatch(/PTE.*P RW US/s);
    // One instruction further: rip moves on.
    const before = await page.textContent("#insn");
    await page.click("#step");
    await page.waitForFunction((b) => document.querySelector("#insn")?.textContent !== b, before);
    await page.focus("#frames");
    await page.keyboard.press("PageDown");
    expect(await page.textContent("#frame-label")).toMatch(/^pfn 0x/);
    await page.screenshot({ path: join(shots, "touch_write-paused.png"), fullPage: true });

    await page.click("#run");
    await page.waitForSelector("body[data-state=exited]", { timeout: 30_000 });
    expect(await page.textContent("#stdout")).toBe("touched 256 pages, checksum 32640\n");
    expect(await page.textContent("#status")).toContain("exited with status 0");
    expect(await counter("instructions")).toBeGreaterThan(1000);  // the program's, not 0 once it has ended
    expect(await counter("page faults")).toBeGreaterThanOrEqual(256);
    expect(Number(await page.getAttribute("#frame-summary", "data-anon-peak"))).toBeGreaterThanOrEqual(256);
    // exit_mmap gave every anonymous page back.
    expect(await anon()).toBe(0);
    await page.screenshot({ path: join(shots, "touch_write-exited.png"), fullPage: true });
  });

  it("reports segv_null as a segmentation fault", async () => {
    await page.selectOption("#program", "segv_null");
    await page.click("#load");
    await page.waitForSelector("body[data-state=ready]");
    await page.keyboard.press("r");
    await page.waitForSelector("body[data-state=signal]", { timeout: 20_000 });
    const status = await page.textContent("#status");
    expect(status).toContain("Segmentation fault");
    expect(status).toContain("SIGSEGV (SEGV_MAPERR) at address 0x0");
    expect(status).toContain("exit status 139");
    expect(await page.getAttribute("#faults li:first-child", "data-outcome")).toBe("maperr");
    // A second program's log starts again at 1 and runs down without a gap.
    const numbers = await page.$$eval("#faults li", (lis) => lis.map((li) => (li as HTMLLIElement).value));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers.length - i));
    expect(await page.textContent("#narration")).toMatch(/^fault \d+ at 0x0: (read|write) to an empty PTE in no mapping → SIGSEGV \(SEGV_MAPERR\)$/);
    await page.screenshot({ path: join(shots, "segv_null.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("runs fork_cow: a process list, each process's own page tables, shared frames turning into copies", async () => {
    const expected = (JSON.parse(readFileSync(join(root, "programs", "manifest.json"), "utf8")).cases as Array<{ name: string; stdout: string }>)
      .find((c) => c.name === "fork_cow")!;
    const shared = async () => Number(await page.getAttribute("#frame-summary", "data-anon-shared"));
    const rows = () => page.$$eval("#procs tr[data-pid]", (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    await page.selectOption("#program", "fork_cow");
    expect(await page.inputValue("#args")).toBe("64");
    await page.click("#load");
    await page.waitForSelector("body[data-state=ready]");
    // The kernel threads are listed as ps lists them: kthreadd and its children, no memory of their own.
    const kthreads = [["2", "0", "S (sleeping)", "kthreadd", "0", ""], ["3", "2", "S (sleeping)", "kcompactd0", "0", ""], ["4", "2", "S (sleeping)", "kswapd0", "0", ""]];
    expect(await rows()).toEqual([["1", "0", "R (running)", "fork_cow", expect.stringMatching(/^\d+$/), "on the CPU"], ...kthreads]);
    expect(await shared()).toBe(0);
    // Fault by fault up to the fork: the parent's 64 pages are written first.
    for (let i = 0; i < 500 && (await rows()).length < 5; i++) {
      const before = await counter("page faults");
      await page.keyboard.press("f");
      await page.waitForFunction((n) => Number(document.querySelector('#counters [data-name="page faults"]')?.getAttribute("data-value")) > n, before);
    }
    const procs = await rows();
    expect(procs.map((r) => r.slice(0, 4))).toEqual([["1", "0", expect.stringMatching(/^[RS] /), "fork_cow"], ...kthreads.map((r) => r.slice(0, 4)),
      ["5", "1", expect.stringMatching(/^[RS] /), "fork_cow"]]);
    // Every anonymous page the parent had is now mapped by both.
    const atFork = await shared();
    expect(atFork).toBeGreaterThanOrEqual(64);
    expect(await counter("shared anon frames")).toBe(atFork);
    // Each process's walk of the same address starts from its own PML4.
    const address = (await page.inputValue("#walk-addr"))!;
    const cr3 = async (pid: number) => {
      await page.click(`#procs tr[data-pid="${pid}"] button`);
      await page.waitForFunction((p) => document.querySelector("#walk-pid")?.textContent === `pid ${p}'s page tables`, pid);
      expect(await page.getAttribute(`#procs tr[data-pid="${pid}"]`, "aria-selected")).toBe("true");
      expect(await page.inputValue("#walk-addr")).toBe(address);
      return /CR3\s*(0x[0-9a-f]+)/.exec((await page.textContent("#walk"))!)![1];
    };
    const [cr3Parent, cr3Child] = [await cr3(1), await cr3(5)];
    expect(cr3Parent).not.toBe(cr3Child);
    await page.screenshot({ path: join(shots, "fork_cow-forked.png"), fullPage: true });
    // Fault by fault (a fetch from the program's text may come first in the child): the first write
    // to a shared page copies it, and the shared count falls.
    for (let i = 0; i < 10 && (await shared()) === atFork; i++) {
      const before = await counter("page faults");
      await page.keyboard.press("f");
      await page.waitForFunction((n) => Number(document.querySelector('#counters [data-name="page faults"]')?.getAttribute("data-value")) > n, before);
    }
    expect(await shared()).toBe(atFork - 1);
    expect(await page.textContent("#narration")).toMatch(/: write to a present PTE that forbids it in .* → do_wp_page \(copy on write\) → pfn 0x/);
    await page.click("#run");
    await page.waitForSelector("body[data-state=exited]", { timeout: 30_000 });
    expect(await page.textContent("#stdout")).toBe(expected.stdout);
    expect(await shared()).toBe(0);
    expect(await anon()).toBe(0);
    expect(await rows()).toEqual(kthreads);
    expect(await page.textContent("#walk")).toContain("No process");
    await page.screenshot({ path: join(shots, "fork_cow-exited.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("gives the guest the files chosen or dropped on the page, and its own program, as the native run reads them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-web-files-"));
    const chosen = "first line\nsecond line\n".repeat(300);  // more than a page
    writeFileSync(join(dir, "notes.txt"), chosen);
    writeFileSync(join(dir, "dropped.txt"), "dropped on the page\n");
    /** file_sum's native stdout and status for these arguments, next to the same files. */
    const native = (args: string[]) => {
      const r = spawnSync(join(root, "programs", "bin", "file_sum"), args, { cwd: dir, encoding: "utf8", env: {} });
      return { stdout: r.stdout, status: r.status };
    };
    const guest = async (args: string) => {
      await page.selectOption("#program", "file_sum");
      await page.fill("#args", args);
      await page.click("#load");
      await page.waitForSelector("body[data-state=ready]");
      await page.keyboard.press("r");
      await page.waitForSelector("body[data-state=exited]", { timeout: 30_000 });
      const status = Number(/exited with status (\d+)/.exec((await page.textContent("#status"))!)![1]);
      return { stdout: await page.textContent("#stdout"), status };
    };
    try {
      await page.setInputFiles("#guest-files", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from(chosen) });
      const dropped = await page.evaluateHandle(() => {
        const d = new DataTransfer();
        d.items.add(new File(["dropped on the page\n"], "dropped.txt"));
        return d;
      });
      await page.dispatchEvent("main", "drop", { dataTransfer: dropped });
      await page.waitForSelector('#file-list li[data-name="dropped.txt"]');
      expect(await page.$$eval("#file-list li", (lis) => lis.map((li) => li.textContent))).toEqual([
        "/dropped.txt  20 bytes", `/notes.txt  ${chosen.length.toLocaleString("en-US")} bytes`,
      ]);
      expect(await guest("notes.txt")).toEqual(native(["notes.txt"]));
      expect(await guest("/dropped.txt")).toEqual({ ...native(["dropped.txt"]), stdout: native(["dropped.txt"]).stdout.replace(/^/, "/") });
      expect(await guest("missing.txt")).toEqual(native(["missing.txt"]));
      expect((await guest("missing.txt")).status).toBe(1);
      // With no argument it reads itself: the program is in the guest's file system as well.
      const own = (JSON.parse(readFileSync(join(root, "programs", "manifest.json"), "utf8")).cases as Array<{ name: string; stdout: string }>)
        .find((c) => c.name === "file_sum")!;
      expect(await guest("")).toEqual({ stdout: own.stdout, status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(errors).toEqual([]);
  });

  it("shades free blocks by order with rising lightness, labelled, apart from every other state", async () => {
    const rows = await page.$$eval("#frame-summary tr[data-state]", (trs) => trs.map((tr) => ({
      key: (tr as HTMLElement).dataset.state!, name: tr.children[1].textContent!, colour: getComputedStyle(tr.querySelector(".swatch")!).backgroundColor,
    })));
    const rgb = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number);
    // Relative luminance (WCAG): what a greyscale projector keeps.
    const lum = (c: string) => rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const free = rows.filter((r) => r.key.startsWith("free-"));
    expect(free.map((r) => r.name)).toEqual(free.map((_, o) => `order ${o}`));
    const l = free.map((r) => lum(r.colour));
    for (let o = 1; o < l.length; o++) expect(l[o]).toBeGreaterThan(l[o - 1]);
    const others = new Set(rows.filter((r) => !r.key.startsWith("free-")).map((r) => r.colour));
    for (const r of free) expect(others.has(r.colour), r.name).toBe(false);
  });

  it("marks where each zone starts on the frame map", async () => {
    const marks = await page.$$eval(".zone-mark", (ms) => ms.map((m) => [(m as HTMLElement).dataset.zone, Number((m as HTMLElement).dataset.pfn), m.textContent]));
    // x86-64: ZONE_DMA32 starts at 16 MiB (MAX_DMA_PFN), pfn 0x1000.
    expect(marks.find((m) => m[0] === "DMA32")).toEqual(["DMA32", 0x1000, "DMA32 from pfn 0x1000"]);
    expect(marks.map((m) => m[0])).toContain("DMA");
  });

  it("fits the page-table walk on a 390 px phone without cutting it", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const { port } = server.address() as AddressInfo;
    await phone.goto(`http://127.0.0.1:${port}/`);
    await phone.waitForSelector("body[data-state=booted]", { timeout: 20_000 });
    await phone.click("#load");
    await phone.waitForSelector("body[data-state=ready]");
    await phone.click("#fault");
    await phone.waitForFunction(() => /PTE/.test(document.querySelector("#walk")?.textContent ?? ""));
    const fit = await phone.$eval("#walk", (t) => ({
      right: t.getBoundingClientRect().right,
      cut: Array.from(t.querySelectorAll("td")).filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent),
    }));
    expect(fit.right).toBeLessThanOrEqual(390);
    expect(fit.cut).toEqual([]);
    await phone.screenshot({ path: join(shots, "phone-walk.png"), fullPage: true });
    await phone.close();
  });

  it("runs the thrash demo in 16M of RAM with 64M of swap: the memory-pressure panel shows the LRU lists, swap and kswapd at work", async () => {
    const expected = (JSON.parse(readFileSync(join(root, "programs", "manifest.json"), "utf8")).cases as Array<{ name: string; stdout: string }>)
      .find((c) => c.name === "thrash")!;
    const reclaim = async (name: string) => Number(await page.getAttribute(`#reclaim [data-name="${name}"]`, "data-value"));
    // Choosing the demo boots the machine it needs.
    await page.selectOption("#program", "thrash");
    await page.waitForFunction(() => /^Booted 16M of RAM and 64M of swap\./.test(document.querySelector("#status")?.textContent ?? ""), undefined, { timeout: 20_000 });
    expect([await page.inputValue("#mem"), await page.inputValue("#swap")]).toEqual(["16M", "64M"]);
    await page.selectOption("#speed", "2000000");
    await page.click("#load");
    await page.waitForSelector("body[data-state=ready]");
    expect(await reclaim("swap total")).toBe(64 * 256 - 1);  // the first page is the swap header
    expect(await reclaim("swap used")).toBe(0);
    await page.click("#run");
    // Part-way: pages have gone to swap, kswapd has run, anonymous pages sit on the LRU lists.
    await page.waitForFunction(() => {
      const v = (n: string) => Number(document.querySelector(`#reclaim [data-name="${n}"]`)?.getAttribute("data-value"));
      return v("swap used") > 0 && v("kswapd0 runs") > 0;
    }, undefined, { timeout: 120_000 });
    await page.keyboard.press("r");
    await page.waitForSelector("body[data-state=paused]");
    expect(await reclaim("swap used")).toBeGreaterThan(0);
    expect(await reclaim("nr_inactive_anon") + await reclaim("nr_active_anon")).toBeGreaterThan(0);
    expect(await reclaim("pswpout")).toBeGreaterThan(0);
    expect(await reclaim("kswapd0 wakeups")).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, "thrash-paused.png"), fullPage: true });
    await page.click("#run");
    await page.waitForSelector("body[data-state=exited]", { timeout: 300_000 });
    expect(await page.textContent("#stdout")).toBe(expected.stdout);
    // Every pass brought pages back from swap.
    expect(await reclaim("pswpin")).toBeGreaterThan(0);
    expect(await reclaim("pgmajfault")).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.selectOption("#speed", "2000");
  }, 600_000);

  it("shows one frame map per node on a machine of two nodes (--numa 2), each with its own zones", async () => {
    // 256 MiB and no swap (the thrash demo before this chose 16M and swap).
    await page.selectOption("#mem", "256M");
    await page.selectOption("#swap", "");
    await page.selectOption("#numa", "2");
    await page.click("#reboot");
    await page.waitForSelector("body[data-state=booted]", { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll("canvas.frame-map").length === 2);
    const maps = await page.$$eval("canvas.frame-map", (cs) => cs.map((c) => {
      const wrap = c.parentElement!;
      return { node: (c as HTMLElement).dataset.node, pixels: (c as HTMLCanvasElement).width * (c as HTMLCanvasElement).height,
        zones: Array.from(wrap.querySelectorAll(".zone-mark")).map((m) => (m as HTMLElement).dataset.zone) };
    }));
    // 256 MiB in two nodes of 128 MiB: 32768 frames each; node 0 has DMA and DMA32, node 1 DMA32 alone (as Linux's x86-64).
    expect(maps.map((m) => m.node)).toEqual(["0", "1"]);
    for (const m of maps) expect(m.pixels).toBeGreaterThanOrEqual(32768);
    expect(maps[0].zones).toEqual(["DMA", "DMA32"]);
    expect(maps[1].zones).toEqual(["DMA32"]);
    expect(await page.$$eval(".node-caption", (ps) => ps.map((p) => p.textContent))).toEqual([
      "Node 0: pfn 0x0-0x7fff, 128 MiB", "Node 1: pfn 0x8000-0xffff, 128 MiB",
    ]);
    expect(await page.textContent("#buddyinfo")).toMatch(/^Node 1, zone    DMA32 /m);
    await page.screenshot({ path: join(shots, "numa-2.png"), fullPage: true });
    // Back to one node: one map again.
    await page.selectOption("#numa", "1");
    await page.click("#reboot");
    await page.waitForFunction(() => document.querySelectorAll("canvas.frame-map").length === 1);
    expect(errors).toEqual([]);
  });
});
