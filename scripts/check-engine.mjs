// The engine's build invariants, checked in `npm test`:
//   - two clean builds from the same sources are byte-identical (the digest is an identity);
//   - the module imports nothing (nothing from the host can change an answer);
//   - it stays within the 150 KB size target;
//   - memory.ts assumes the memory maximum that asconfig.json sets;
//   - its sources use no floating point in results, no recursion and no heap allocation (see the
//     lint rules below).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(join(tmpdir(), "enforcecore-engine-"));
const sha = (b) => createHash("sha256").update(b).digest("hex");
let failed = false;
const fail = (msg) => { console.error(`FAIL ${msg}`); failed = true; };

try {
  const builds = [1, 2].map((i) => {
    const out = join(tmp, `engine-${i}.wasm`);
    execFileSync(process.execPath, [join(root, "scripts/build-engine.mjs"), "--out", out], { stdio: "inherit" });
    return readFileSync(out);
  });
  const shipped = readFileSync(join(root, "build/engine.wasm"));
  const digests = [...builds, shipped].map(sha);
  if (new Set(digests).size !== 1) fail(`engine build is not reproducible: ${digests.join(" ")}`);
  else console.log(`ok   reproducible build, sha256 ${digests[0]}`);

  const module = new WebAssembly.Module(shipped);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length !== 0) fail(`engine imports ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  else console.log("ok   zero imports");

  if (shipped.length > 150 * 1024) fail(`engine is ${shipped.length} bytes, over 150 KB`);
  else console.log(`ok   size ${shipped.length} bytes (target <= 153600)`);

  // memory.ts keeps optional tables 4 MiB below the maximum it believes in: asconfig's.
  const pages = JSON.parse(readFileSync(join(root, "asconfig.json"), "utf8")).targets.release.maximumMemory;
  const believed = /MAXIMUM_PAGES: usize = isDefined\(ENGINE_MAXIMUM_PAGES\) \? <usize>ENGINE_MAXIMUM_PAGES : (\d+);/.exec(readFileSync(join(root, "engine/assembly/memory.ts"), "utf8"));
  if (!believed || Number(believed[1]) !== pages) fail(`memory.ts MAXIMUM_PAGES (${believed?.[1]}) is not asconfig.json's maximumMemory (${pages})`);
  else console.log(`ok   memory maximum ${pages} pages, as memory.ts assumes`);

  // Source lint: results are integers (no f32/f64 outside argument-number comparisons, which are
  // exact IEEE comparisons), and no function calls itself (recursion depth would depend on input
  // and on the host's stack, wasm-notes §4).
  const dir = join(root, "engine/assembly");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const floatAllowed = new Set(["reader.ts", "evaluate.ts", "policy.ts"]);
    if (!floatAllowed.has(file) && /\bf(32|64)\b/.test(text)) fail(`${file}: floating point outside number comparisons`);
    if (/Math\.|Date\.|console\.|trace\(/.test(text)) fail(`${file}: uses a host facility (Math, Date, console, trace)`);
    // No heap: the stub runtime would allocate at __heap_base, where memory.ts puts the OUT region
    // (a `new StaticArray` there once overwrote the answer being written). Static data is
    // `memory.data(…)` or a constant array literal; everything else lives in PERSIST or SCRATCH.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    if (/\bnew\s+[A-Za-z_]/.test(code)) fail(`${file}: allocates on the AssemblyScript heap (\`new\`)`);
    for (const m of text.matchAll(/function\s+(\w+)\s*\(/g)) {
      const name = m[1];
      const start = m.index + m[0].length;
      let depth = 0, i = text.indexOf("{", start), end = i;
      for (; end < text.length; end++) {
        if (text[end] === "{") depth++;
        else if (text[end] === "}" && --depth === 0) break;
      }
      const body = text.slice(i + 1, end);
      if (new RegExp(`\\b${name}\\s*\\(`).test(body)) fail(`${file}: ${name} is recursive`);
    }
  }
  if (!failed) console.log("ok   no floats in results, no host facilities, no recursion, no heap allocation");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
