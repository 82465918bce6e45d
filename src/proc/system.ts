// The system-wide /proc files of fs/proc/: stat, uptime, loadavg, version,
// cpuinfo, and the mount table (mounts, mountinfo), filled from the
// machine's virtual clock, its tasks and its CPU. Browser-safe.

import type { MountPoint } from "../fs/namespace.js";
import { TICK_NSEC } from "../task/jiffies.js";

/** What the system-wide files read of the machine, now. */
export interface SystemView {
  /** The virtual clock: ns since boot (ktime_get_boottime). */
  nowNs: number;
  /** Of which the CPU idled (every task asleep); the rest is the tasks' user time (a syscall retires no instruction). */
  idleNs: number;
  /** The wall clock at boot, seconds since the epoch (btime). */
  bootEpoch: number;
  /** Tasks made since boot (total_forks), context switches (nr_context_switches), runnable tasks, tasks of the system. */
  forks: number;
  ctxt: number;
  running: number;
  threads: number;
  /** The last pid given (idr_get_cursor - 1). */
  lastPid: number;
  avenrun: readonly number[];
}

/** USER_HZ: /proc's clock ticks per second. */
const USER_HZ = 100;
const ticks = (ns: number) => Math.floor(ns / (1e9 / USER_HZ));
/** NR_IRQS_LEGACY: the interrupt lines intr counts (faultline takes no interrupt); NR_SOFTIRQS. */
const NR_IRQS = 16, NR_SOFTIRQS = 10;

/** show_stat (fs/proc/stat.c): one CPU, its time in USER_HZ ticks; user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice. */
export function procStat(s: SystemView): string {
  const cpu = [ticks(s.nowNs - s.idleNs), 0, 0, ticks(s.idleNs), 0, 0, 0, 0, 0, 0].join(" ");
  return `cpu  ${cpu}\ncpu0 ${cpu}\n`
    + `intr 0${" 0".repeat(NR_IRQS)}\nctxt ${s.ctxt}\nbtime ${s.bootEpoch}\nprocesses ${s.forks}\n`
    + `procs_running ${s.running}\nprocs_blocked 0\nsoftirq 0${" 0".repeat(NR_SOFTIRQS)}\n`;
}

/** Seconds and hundredths, as uptime_proc_show prints a time. */
const centis = (ns: number) => `${Math.floor(ns / 1e9)}.${String(Math.floor((ns % 1e9) / 1e7)).padStart(2, "0")}`;

/** uptime_proc_show: time since boot and the CPU's idle time. */
export function procUptime(s: SystemView): string {
  return `${centis(s.nowNs)} ${centis(s.idleNs)}\n`;
}

/** FSHIFT, FIXED_1: avenrun's fixed point; EXP_1, EXP_5, EXP_15: 1/exp(5s/1min), 5 min, 15 min in it. */
const FSHIFT = 11, FIXED_1 = 1 << FSHIFT;
const EXP = [1884, 2014, 2037];
/** LOAD_FREQ: 5 s and a jiffy (CONFIG_HZ 250), in ns; calc_global_load runs 10 jiffies after each. */
const LOAD_FREQ = 5_000_000_000 + TICK_NSEC, LOAD_LATE = 10 * TICK_NSEC;

/** fixed_power_int: x^n in fixed point of `frac` bits. */
function fixed_power_int(x: number, frac: number, n: number): number {
  let result = 1 << frac;
  while (n) {
    if (n & 1) result = Math.floor((result * x + (1 << (frac - 1))) / (1 << frac));
    n >>>= 1;
    if (n) x = Math.floor((x * x + (1 << (frac - 1))) / (1 << frac));
  }
  return result;
}

/** calc_load: one step of the exponential average (rounding up while the load rises). */
function calc_load(load: number, exp: number, active: number): number {
  let newload = load * exp + active * (FIXED_1 - exp);
  if (active >= load) newload += FIXED_1 - 1;
  return Math.floor(newload / FIXED_1);
}

/** The load averages (kernel/sched/loadavg.c): avenrun, moved on every LOAD_FREQ by the runnable tasks' count. */
export class LoadAvg {
  readonly avenrun = [0, 0, 0];
  private calc_load_update = LOAD_FREQ;

  /** calc_global_load at `now`: the periods missed since the last update all count `active` tasks (calc_load_n, as after a tickless idle). */
  calc_global_load(now: number, active: () => number): void {
    if (now < this.calc_load_update + LOAD_LATE) return;
    const n = 1 + Math.floor((now - this.calc_load_update - LOAD_LATE) / LOAD_FREQ);
    const a = active() * FIXED_1;
    for (let i = 0; i < 3; i++) this.avenrun[i] = calc_load(this.avenrun[i], fixed_power_int(EXP[i], FSHIFT, n), a);
    this.calc_load_update += n * LOAD_FREQ;
  }
}

/** loadavg_proc_show: the three averages to two decimals, runnable/all tasks, the last pid. */
export function procLoadavg(s: SystemView): string {
  const avg = s.avenrun.map((a) => {
    const v = a + FIXED_1 / 200;
    return `${v >> FSHIFT}.${String(((v & (FIXED_1 - 1)) * 100) >> FSHIFT).padStart(2, "0")}`;
  });
  return `${avg.join(" ")} ${s.running}/${s.threads} ${s.lastPid}\n`;
}

/** uname's fields /proc/version repeats. */
export interface Utsname {
  release: string;
  version: string;
}

/** version_proc_show (linux_proc_banner): the release and version uname gives, and who built the kernel with what. */
export function procVersion(u: Utsname): string {
  return `Linux version ${u.release} (faultline@faultline) (AssemblyScript) ${u.version}\n`;
}

/** The cpuid leaves /proc/cpuinfo decodes: [eax, ebx, ecx, edx] of a leaf (subleaf 0). */
export type Cpuid = (leaf: number) => number[];

/** x86_cap_flags' names (arch/x86/kernel/cpu/capflags.c) of the words faultline's cpuid fills, by bit. */
const CAP_FLAGS: readonly [number, number, readonly string[]][] = [
  // word 0: CPUID.1:EDX
  [1, 3, ["fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep", "mtrr", "pge", "mca", "cmov",
    "pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe"]],
  // word 1: CPUID.0x80000001:EDX (the bits that repeat word 0 have no name)
  [0x80000001, 3, ["", "", "", "", "", "", "", "", "", "", "", "syscall", "", "", "", "", "", "", "", "mp", "nx", "", "mmxext", "",
    "", "fxsr_opt", "pdpe1gb", "rdtscp", "", "lm", "3dnowext", "3dnow"]],
  // word 4: CPUID.1:ECX
  [1, 2, ["pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", "sdbg", "fma", "cx16",
    "xtpr", "pdcm", "", "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave",
    "", "avx", "f16c", "rdrand", "hypervisor"]],
  // word 6: CPUID.0x80000001:ECX
  [0x80000001, 2, ["lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse", "3dnowprefetch",
    "osvw", "ibs", "xop", "skinit", "wdt", "", "lwp", "fma4", "tce", "", "nodeid_msr", "", "tbm", "topoext", "perfctr_core",
    "perfctr_nb", "", "bpext", "ptsc", "perfctr_llc", "mwaitx", "", ""]],
  // word 9: CPUID.7.0:EBX (a leaf above cpuid's highest reads as zeros here)
  [7, 1, ["fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", "", "smep", "bmi2", "erms", "invpcid", "rtm", "cqm", "", "mpx",
    "rdt_a", "avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma", "", "clflushopt", "clwb", "intel_pt", "avx512pf",
    "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl"]],
];

/** The CPU's clock: rdtsc counts retired instructions, one a nanosecond (1 GHz). */
const CPU_KHZ = 1_000_000;

/** show_cpuinfo (arch/x86/kernel/cpu/proc.c): the one processor, as identify_cpu reads it from cpuid. */
export function procCpuinfo(cpuid: Cpuid): string {
  const [level, b0, c0, d0] = cpuid(0);
  const vendor = [b0, d0, c0].map((r) => String.fromCharCode(r & 0xff, (r >>> 8) & 0xff, (r >>> 16) & 0xff, r >>> 24)).join("");
  const eax1 = cpuid(1)[0];
  let family = (eax1 >>> 8) & 0xf, model = (eax1 >>> 4) & 0xf;
  if (family === 0xf) family += (eax1 >>> 20) & 0xff;
  if (family >= 6) model += ((eax1 >>> 16) & 0xf) << 4;
  const hex2 = (n: number) => n.toString(16).padStart(2, "0");
  const flags = CAP_FLAGS.flatMap(([leaf, reg, names]) => (leaf < 0x80000000 && leaf > level ? [] : names.filter((n, bit) => n && (cpuid(leaf)[reg] >>> bit) & 1)));
  // cpu_detect_cache_sizes: the L2 size of leaf 0x80000006 (KiB), else L1's.
  const maxExt = cpuid(0x80000000)[0] >>> 0;
  const l2 = maxExt >= 0x80000006 ? cpuid(0x80000006)[2] >>> 16 : 0;
  const l1 = maxExt >= 0x80000005 ? (cpuid(0x80000005)[2] >>> 24) + (cpuid(0x80000005)[3] >>> 24) : 0;
  const cacheKb = l2 || l1;
  const mhz = (CPU_KHZ / 1000).toFixed(3);
  return `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: ${model}\n`
    + `model name\t: ${hex2(family)}/${hex2(model)}\nstepping\t: ${eax1 & 0xf}\n`
    + (flags.includes("tsc") ? `cpu MHz\t\t: ${mhz}\n` : "")
    + (cacheKb ? `cache size\t: ${cacheKb} KB\n` : "")
    + "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
    + `fpu\t\t: ${flags.includes("fpu") ? "yes" : "no"}\nfpu_exception\t: ${flags.includes("fpu") ? "yes" : "no"}\n`
    + `cpuid level\t: ${level}\nwp\t\t: yes\nflags\t\t: ${flags.join(" ")}\nbugs\t\t:\n`
    + `bogomips\t: ${(CPU_KHZ / 500).toFixed(2)}\nclflush size\t: 64\ncache_alignment\t: 64\n`
    + "address sizes\t: 36 bits physical, 48 bits virtual\npower management:\n\n";
}

/** mangle: the characters a mount table escapes in octal (space, tab, newline, backslash). */
const mangle = (s: string) => s.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);

/** The mount flags show_mnt_opts and statfs report: ro or rw, then relatime. */
const mntOpts = (m: MountPoint) => `${m.mount.readonly ? "ro" : "rw"},relatime`;

/** show_vfsmnt (/proc/mounts): source, mount point, type, options, 0 0. */
export function procMounts(mounts: readonly MountPoint[]): string {
  return mounts.map((m) => `${mangle(m.source)} ${mangle(m.point)} ${m.mount.type} ${mntOpts(m)} 0 0\n`).join("");
}

/** show_mountinfo: mount id, parent id, st_dev, the root within its file system, mount point, options, " - ", type, source, super options. */
export function procMountinfo(mounts: readonly MountPoint[]): string {
  return mounts.map((m) => `${m.id} ${m.parent} ${m.mount.dev >> 8}:${m.mount.dev & 0xff} ${mangle(m.root)} ${mangle(m.point)} ${mntOpts(m)} - `
    + `${m.mount.type} ${mangle(m.source)} ${m.mount.readonly ? "ro" : "rw"}\n`).join("");
}
