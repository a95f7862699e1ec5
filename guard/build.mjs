#!/usr/bin/env node
// Builds the OS guard's launcher from source: build/guard/enforcecore-launcher.
//
//   node guard/build.mjs             build (static if the C library allows it, else dynamic); exit 1 on failure
//   node guard/build.mjs --optional  never fail (for `npm install` on machines without cc, or not Linux):
//                                    prints why it was skipped; guard.capabilities() then says so too
//   node guard/build.mjs --force     rebuild even if the binary is newer than the source
//
// CC overrides the compiler (default cc). Nothing is downloaded: cc and a C library are all it needs.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const src = join(here, "launcher", "launcher.c");
const outDir = join(root, "build", "guard");
const out = join(outDir, "enforcecore-launcher");
const argv = process.argv.slice(2);
const optional = argv.includes("--optional");
const force = argv.includes("--force");
const quiet = argv.includes("--quiet");
const log = (m) => quiet || process.stderr.write(`guard/build: ${m}\n`);

function skip(why) {
  if (optional) {
    log(`skipped: ${why} (the OS guard will report itself unavailable)`);
    process.exit(0);
  }
  process.stderr.write(`guard/build: ${why}\n`);
  process.exit(1);
}

if (process.platform === "win32") skip("Windows has no launcher (the guard enforces wall time and output size only)");
if (!existsSync(src)) skip(`missing ${src}`);
if (!force && existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) {
  log(`up to date: ${out}`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const cc = process.env.CC || "cc";
const tmp = `${out}.${process.pid}.tmp`;
const common = ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-o", tmp, src];
const attempts = process.platform === "linux" ? [["-static", ...common], common] : [common];
let lastError = "";
let linked = "";
for (const args of attempts) {
  try {
    execFileSync(cc, args, { stdio: ["ignore", "pipe", "pipe"] });
    linked = args[0] === "-static" ? "static" : "dynamic";
    break;
  } catch (err) {
    lastError = String(err.stderr || err.message).trim();
    rmSync(tmp, { force: true });
  }
}
if (!linked) skip(`${cc} failed: ${lastError.split("\n").slice(-5).join(" | ")}`);
chmodSync(tmp, 0o755);
renameSync(tmp, out); // atomic: a concurrent reader never sees a half-written binary
log(`built ${out} (${linked})`);
