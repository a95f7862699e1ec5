// The supervisor's event lines (guard/launcher/launcher.c → guard/notify.ts), parsed without a kernel.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSupervisorEvents, unescapeField } from "../../guard/notify.js";

/** The launcher's escaping (escape_into): bytes outside 0x21-0x7e and the backslash become \xHH. */
function escapeLikeLauncher(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) out += b > 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return out;
}

describe("supervisor events", () => {
  it("parses a run: tool pid, named refusals, filesystem denials, counts, exit", () => {
    const r = parseSupervisorEvents(
      [
        "T\t4242",
        "S\t0\tc000003e\t101\terrno=1\t4242\tescape",
        "F\t1\tcreate\tc000003e\t257\t4243\tsh\t/tmp/a\\x09b",
        "S\t2\tc00000b7\t40\tkill\t4242\tescape",
        "S\t3\tc000003e\t41\tlog\t4242\tescape",
        "N\t0\t500",
        "D\t3",
        "X\tsignal\t31",
        "",
      ].join("\n"),
    );
    expect(r.toolPid).toBe(4242);
    expect(r.syscalls).toEqual([
      { arch: "x86_64", nr: 101, syscall: "ptrace", action: "errno(1)", pid: 4242, comm: "escape", count: 500 },
      { arch: "aarch64", nr: 40, syscall: "mount", action: "kill_process", pid: 4242, comm: "escape", count: 1 },
      { arch: "x86_64", nr: 41, syscall: "socket", action: "log", pid: 4242, comm: "escape", count: 1 },
    ]);
    expect(r.files).toEqual([{ access: "create", path: "/tmp/a\tb", syscall: "openat", pid: 4243, comm: "sh", count: 1 }]);
    expect(r.dropped).toBe(3);
    expect(r.exit).toEqual({ signal: 31 });
    expect(r.garbage).toEqual([]);
  });

  it("an unknown architecture or number is kept, not guessed", () => {
    const r = parseSupervisorEvents("S\t0\t40000003\t5\terrno=1\t1\tx\nS\t1\tc000003e\t9999\terrno=1\t1\tx\n");
    expect(r.syscalls.map((s) => [s.arch, s.syscall])).toEqual([
      ["0x40000003", "syscall 5"],
      ["x86_64", "syscall 9999"],
    ]);
  });

  it("malformed lines are set aside, never half-read", () => {
    const r = parseSupervisorEvents("S\t0\tc000003e\t101\tmaybe\t1\tx\nF\t0\tfly\tc000003e\t2\t1\tx\t/a\nN\t7\t3\nQ\n");
    expect(r.syscalls).toEqual([]);
    expect(r.files).toEqual([]);
    expect(r.garbage).toHaveLength(4);
  });

  it("unescaping inverts the launcher's escaping for any string (paths with tabs, newlines, UTF-8)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const clean = s.replace(/\0/g, ""); // a C string ends at NUL
        if (Buffer.from(clean, "utf8").toString("utf8") !== clean) return; // lone surrogates are not paths
        const esc = escapeLikeLauncher(clean);
        expect(esc).not.toMatch(/[\t\n]/);
        expect(unescapeField(esc)).toBe(clean);
      }),
    );
  });
});
