// The playground in a real browser: builds web/ with Vite, serves it on
// 127.0.0.1, and drives Debian's Chromium (playwright-core, headless)
// through touch_write and segv_null. Screenshots go to test-results/web/.
// Skips only when /usr/bin/chromium is missing outside CI; in CI
// (.ci/run installs Chromium) a missing browser is a failure.

import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { build } from "vite";
import { chromium, type Browser, type Page } from "playwright-core";
import { needs, TOOLS } from "./helpers/tools.js";

const CHROMIUM = "/usr/bin/chromium";
const root = join(import.meta.dirname, "..");
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
    for (let i = 1; i <= 24; i++) {
      await page.keyboard.press("f");
      await page.waitForFunction((n) => Number(document.querySelector('#counters [data-name="page faults"]')?.getAttribute("data-value")) >= n, loaded + i);
    }
    expect(await counter("page faults")).toBe(loaded + 24);
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
    await page.screenshot({ path: join(shots, "segv_null.png"), fullPage: true });
    expect(errors).toEqual([]);
  });
});
