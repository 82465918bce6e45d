// The CLI's side of files and environment: the guest gets faultline's
// environment exactly (env -i FOO=1 faultline run ... gives it FOO=1 only)
// and sees the host's files from the current directory; a C file is built
// with the host's compiler, once per content, its errors shown as they are.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildC } from "../../src/cli/build_c.js";

const cli = fileURLToPath(new URL("../../dist/cli/faultline.js", import.meta.url));
const binDir = fileURLToPath(new URL("../../programs/bin", import.meta.url));

describe("faultline run: environment and files", () => {
  it("gives the guest exactly the environment it was given, and the host's files from the current directory", () => {
    const r = spawnSync("env", ["-i", "FOO=1", process.execPath, cli, "run", "./stack_dump"], { cwd: binDir, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^envp 0x[0-9a-f]+\n {2}FOO=1\nauxv /m);
    const probe = spawnSync(process.execPath, [cli, "run", "./files_probe"], { cwd: binDir, encoding: "utf8", input: "" });
    expect(probe.stdout).toContain("openat 3\nread 4\nelf 1\n");
    expect(probe.stdout).toContain("readlink.exe 1\n");
  });
});

describe.runIf(spawnSync("sh", ["-c", "command -v gcc"]).status === 0)("a C file for faultline run", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-cc-"));
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, "cache") };

  it("is built once per content into $XDG_CACHE_HOME/faultline", () => {
    const src = join(dir, "ok.c");
    writeFileSync(src, "int main(void) { return 3; }\n");
    const messages: string[] = [];
    const first = buildC(src, "gcc", (t) => messages.push(t), env);
    expect(first).toMatchObject({ ok: true, cached: false });
    if (!first.ok) return;
    expect(first.path.startsWith(join(dir, "cache", "faultline"))).toBe(true);
    expect(spawnSync(first.path).status).toBe(3); // the host's build, run natively
    const mtime = statSync(first.path).mtimeMs;
    expect(buildC(src, "gcc", (t) => messages.push(t), env)).toEqual({ ok: true, path: first.path, cached: true });
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    writeFileSync(src, "int main(void) { return 4; }\n");
    const changed = buildC(src, "gcc", (t) => messages.push(t), env);
    expect(changed.ok && changed.path !== first.path).toBe(true);
    expect(messages).toEqual([]);
    expect(readdirSync(join(dir, "cache", "faultline")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("shows the compiler's errors as the compiler wrote them, with its exit status", () => {
    const src = join(dir, "bad.c");
    writeFileSync(src, "int main(void) { return undeclared; }\n");
    const direct = spawnSync("gcc", ["-O2", "-static", "-o", join(dir, "bad"), src], { encoding: "utf8" });
    const r = spawnSync(process.execPath, [cli, "run", src], { encoding: "utf8", env });
    expect(r.status).toBe(direct.status);
    expect(r.stderr).toBe(direct.stderr);
    expect(r.stdout).toBe("");
  });
});
