// The guest program cases of programs/manifest.json, typed: the hook for
// running the same cases under faultline. Run a case with
//   argv = programArgv(c), envp = [] (programEnv), execfn = argv[0],
//   stdin = c.stdin ?? "", the ELF bytes from programPath(c),
// and expect stdout === c.stdout and exit status === c.status
// (128 + signo when c.signal is set, with c.si_code and c.si_addr as Linux
// reported them).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ProgramCase {
  name: string;
  program: string;
  args?: string[];
  stdin?: string;
  stdout: string;
  status: number;
  signal?: string;
  si_code?: string;
  /** si_addr as strace shows it ("0x0" for NULL); an mmap'd address assumes Linux's mmap layout without randomization. */
  si_addr?: string;
}

export const programsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "programs");

export const programCases: ProgramCase[] = JSON.parse(
  readFileSync(join(programsDir, "manifest.json"), "utf8"),
).cases;

export const programEnv: string[] = [];

export function programPath(c: { program: string }): string {
  return join(programsDir, "bin", c.program);
}

export function programArgv(c: { program: string; args?: string[] }): string[] {
  return [`./${c.program}`, ...(c.args ?? [])];
}
