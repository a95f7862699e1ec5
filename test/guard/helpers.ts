// Shared by the guard tests: build the launcher and the escape fixture, find leftovers.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const launcher = join(root, "build/guard/enforcecore-launcher");

export const isLinux = process.platform === "linux";
export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
export const hasCc = (() => {
  try {
    execFileSync(process.env.CC || "cc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
/** Why the kernel tests are skipped here ("" when they run). */
export const skipReason = !isLinux ? `not Linux (${process.platform})` : !isRoot ? "not root (the escape battery needs root: cgroups, netns, setuid)" : !hasCc ? "no C compiler (cc)" : "";

export function buildLauncher(): string {
  execFileSync(process.execPath, [join(root, "guard/build.mjs"), "--quiet"], { stdio: "inherit" });
  return launcher;
}

/** Compiles test/guard/fixtures/escape.c once per process into a private temp dir. */
export function buildEscape(): string {
  const dir = join(tmpdir(), `enforcecore-guard-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "escape");
  const src = join(root, "test/guard/fixtures/escape.c");
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    try {
      execFileSync(process.env.CC || "cc", ["-O2", "-static", "-o", out, src], { stdio: "pipe" });
    } catch {
      execFileSync(process.env.CC || "cc", ["-O2", "-o", out, src], { stdio: "pipe" });
    }
  }
  return out;
}

let counter = 0;
/** A unique argument: a process whose command line holds it is one of this test's. */
export function marker(): string {
  return `ecmark-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Pids of live processes whose command line contains `mark`. */
export function processesWith(mark: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (cmd.includes(mark)) {
        const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${name}/status`, "utf8"))?.[1];
        if (state !== "Z" && state !== "X") out.push(Number(name));
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
