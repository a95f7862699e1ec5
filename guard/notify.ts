// The launcher's supervisor reports on the events fd (guard/launcher/launcher.c, "the seccomp
// user-notification supervisor"): which syscalls it refused (or logged, or killed for) and which
// filesystem accesses Landlock denies, one tab-separated line each. This module turns those lines
// into records; the syscall numbers are named here, from the generated tables (seccomp.ts).
import { archFromAudit, syscallName } from "./seccomp.js";

/** A syscall the supervisor refused, logged or killed for (first occurrence, with its count). */
export interface NotifySyscallEvent {
  arch: string;
  nr: number;
  syscall: string;
  /** "errno(N)", "kill_process" or "log": the same words as the kernel-log records. */
  action: string;
  pid: number;
  comm: string;
  count: number;
}

/** A filesystem access the Landlock rules deny, seen by the supervisor (observation, not enforcement). */
export interface FilesystemDenial {
  /** read, write, create, remove or execute. */
  access: "read" | "write" | "create" | "remove" | "execute";
  /** The resolved absolute path (symlinks, working directory and directory fds resolved as the tool saw them). */
  path: string;
  syscall: string;
  pid: number;
  comm: string;
  count: number;
}

export interface SupervisorReport {
  /** The tool's pid (the supervisor's child). */
  toolPid: number | null;
  syscalls: NotifySyscallEvent[];
  files: FilesystemDenial[];
  /** Distinct events past the supervisor's table (256): seen, not itemised. */
  dropped: number;
  /** How the tool ended, as the supervisor saw it (absent if the supervisor was killed first). */
  exit: { code: number } | { signal: number } | null;
  /** Lines that did not parse (a bug if ever non-empty). */
  garbage: string[];
}

/** Undoes the launcher's escaping (\xHH for bytes outside 0x21-0x7e and backslash) and decodes UTF-8. */
export function unescapeField(s: string): string {
  if (!s.includes("\\x")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === "x" && /^[0-9a-f]{2}$/.test(s.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      bytes.push(s.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function name(archHex: string, nr: number): { arch: string; syscall: string } {
  const arch = archFromAudit(Number.parseInt(archHex, 16));
  return { arch: arch ?? `0x${archHex}`, syscall: (arch && syscallName(arch, nr)) ?? `syscall ${nr}` };
}

const ACCESS = new Set(["read", "write", "create", "remove", "execute"]);

export function parseSupervisorEvents(text: string): SupervisorReport {
  const report: SupervisorReport = { toolPid: null, syscalls: [], files: [], dropped: 0, exit: null, garbage: [] };
  const byIndex = new Map<number, { count: number }>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const f = line.split("\t");
    const int = (i: number) => (/^\d+$/.test(f[i] ?? "") ? Number(f[i]) : Number.NaN);
    if (f[0] === "T" && f.length === 2 && Number.isInteger(int(1))) report.toolPid = int(1);
    else if (f[0] === "S" && f.length === 7 && Number.isInteger(int(1)) && Number.isInteger(int(3))) {
      const v = f[4]!;
      const action = v === "kill" ? "kill_process" : v === "log" ? "log" : /^errno=\d+$/.test(v) ? `errno(${v.slice(6)})` : null;
      if (!action) {
        report.garbage.push(line);
        continue;
      }
      const ev: NotifySyscallEvent = { ...name(f[2]!, int(3)), nr: int(3), action, pid: int(5), comm: unescapeField(f[6]!), count: 1 };
      report.syscalls.push(ev);
      byIndex.set(int(1), ev);
    } else if (f[0] === "F" && f.length === 8 && Number.isInteger(int(1)) && ACCESS.has(f[2]!)) {
      const ev: FilesystemDenial = { access: f[2] as FilesystemDenial["access"], path: unescapeField(f[7]!), syscall: name(f[3]!, int(4)).syscall, pid: int(5), comm: unescapeField(f[6]!), count: 1 };
      report.files.push(ev);
      byIndex.set(int(1), ev);
    } else if (f[0] === "N" && f.length === 3 && byIndex.has(int(1))) byIndex.get(int(1))!.count = int(2);
    else if (f[0] === "D" && f.length === 2) report.dropped = int(1);
    else if (f[0] === "X" && f.length === 3 && f[1] === "exit") report.exit = { code: int(2) };
    else if (f[0] === "X" && f.length === 3 && f[1] === "signal") report.exit = { signal: int(2) };
    else report.garbage.push(line);
  }
  return report;
}
