// Which syscall a seccomp filter refused, from the kernel log: the FALLBACK where the kernel has
// no seccomp user notification (then the launcher's supervisor, guard/notify.ts, names them all).
//
// SECCOMP_RET_KILL_PROCESS only tells the parent "SIGSYS". The kernel also writes an audit record
// for it (and for SECCOMP_RET_ERRNO / SECCOMP_RET_LOG when the filter was installed with
// SECCOMP_FILTER_FLAG_LOG), which reaches /dev/kmsg when no audit daemon takes it:
//   audit: type=1326 audit(…): auid=… uid=0 gid=0 ses=… pid=22328 comm="sk" exe="/tmp/sk" sig=31
//          arch=c000003e syscall=41 compat=0 ip=0x7fd420b3edc7 code=0x80000000
// Reading /dev/kmsg needs CAP_SYSLOG (or kernel.dmesg_restrict=0). Without it the guard still
// reports the violation, without the syscall's name.
import { closeSync, constants, openSync, readSync } from "node:fs";
import { archFromAudit, describeRet, syscallName } from "./seccomp.js";

export interface SeccompRecord {
  pid: number;
  comm: string;
  /** Seconds since boot (kmsg timestamp). */
  uptime: number;
  arch: string;
  nr: number;
  syscall: string;
  /** "kill_process", "errno(1)", "log"… */
  action: string;
  signal: number;
  /** How many times (the supervisor counts repeats; absent from the kernel log). */
  count?: number;
}

/** Whether /dev/kmsg can be read by this process. */
export function kmsgReadable(): boolean {
  try {
    closeSync(openSync("/dev/kmsg", constants.O_RDONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

export function parseSeccompRecord(line: string, uptime = 0): SeccompRecord | null {
  if (!line.includes("type=1326")) return null;
  const field = (k: string) => new RegExp(`(?:^|\\s)${k}=("[^"]*"|\\S+)`).exec(line)?.[1];
  const pid = Number(field("pid"));
  const archHex = field("arch");
  const nr = Number(field("syscall"));
  const code = field("code");
  if (!Number.isInteger(pid) || !archHex || !Number.isInteger(nr) || !code) return null;
  const archValue = Number.parseInt(archHex, 16);
  const arch = archFromAudit(archValue);
  return {
    pid,
    comm: (field("comm") ?? "").replace(/^"|"$/g, ""),
    uptime,
    arch: arch ?? `0x${archHex}`,
    nr,
    syscall: (arch && syscallName(arch, nr)) ?? `syscall ${nr}`,
    // The audit record masks the errno value out of `code` (0x50000): say "errno" without a number.
    action: describeRet(Number.parseInt(code, 16)).replace(/^errno\(0\)$/, "errno"),
    signal: Number(field("sig") ?? 0),
  };
}

/** Every record of the kernel ring buffer whose text passes `keep`, as [seconds since boot, text]. */
export function kmsgLines(keep: (text: string) => boolean): [number, string][] {
  let fd: number;
  try {
    fd = openSync("/dev/kmsg", constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  const out: [number, string][] = [];
  const buf = Buffer.alloc(8192);
  try {
    for (let i = 0; i < 1_000_000; i++) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EPIPE") continue; // records overwritten while reading: go on
        break; // EAGAIN: the end
      }
      if (n <= 0) break;
      const rec = buf.toString("utf8", 0, n);
      // "prio,seq,usec,flags;message\n"
      const semi = rec.indexOf(";");
      if (semi < 0) continue;
      const text = rec.slice(semi + 1).split("\n")[0]!;
      if (!keep(text)) continue;
      out.push([Number(rec.slice(0, semi).split(",")[2]) / 1e6, text]);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * Seccomp records of the given pids from the kernel ring buffer, oldest first. Reads the whole
 * buffer (non-blocking, one record per read); only called after a tool was stopped or denied.
 * The kernel rate-limits these records (printk_ratelimit: about 10 per 5 s): a burst of denials
 * may go unnamed.
 */
export function seccompRecords(pids: ReadonlySet<number>, sinceUptime = 0): SeccompRecord[] {
  const out: SeccompRecord[] = [];
  for (const [uptime, text] of kmsgLines((t) => t.includes("type=1326"))) {
    const r = parseSeccompRecord(text, uptime);
    if (r && pids.has(r.pid) && r.uptime >= sinceUptime) out.push(r);
  }
  return out;
}

/** Whether the kernel dropped audit records (rate limit) since `sinceUptime`. */
export function auditSuppressedSince(sinceUptime: number): boolean {
  return kmsgLines((t) => /kauditd_printk_skb: \d+ callbacks suppressed|audit: audit_lost=/.test(t)).some(([u]) => u >= sinceUptime);
}

/** Seconds since boot, the clock of kmsg timestamps (for filtering out older records). */
export function uptimeSeconds(): number {
  try {
    const fd = openSync("/proc/uptime", "r");
    const b = Buffer.alloc(64);
    const n = readSync(fd, b, 0, 64, 0);
    closeSync(fd);
    return Number(b.toString("utf8", 0, n).split(" ")[0]);
  } catch {
    return 0;
  }
}
