// Builds the engine as a WebAssembly Component (a secondary artifact for non-JS hosts; the npm
// package itself uses build/engine.wasm):
//   build/component-core.wasm        core module: engine/assembly/component.ts, canonical-ABI exports
//   build/engine.component.wasm      component of world `engine` (engine/wit/engine.wit)
//   build/component-js/              `jco transpile --instantiation async` output (used by the tests)
//
//   node scripts/build-component.mjs                 build the three outputs above
//   node scripts/build-component.mjs --check         also rebuild in a temporary folder and fail
//                                                    unless both builds are byte-identical
//   node scripts/build-component.mjs --out-dir DIR   write the outputs to DIR instead of build/
//
// The compiler options are asconfig.json's release target (the same as build/engine.wasm); only the
// entry file and the output differ. jco is the pinned devDependency (1.34.0: 1.35.0's `embed`
// cannot read the WIT file, wasm-notes §3).
import asc from "assemblyscript/asc";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const ENTRY = "engine/assembly/component.ts";
const WIT = resolve(root, "engine/wit/engine.wit");
const WORLD = "engine";

/** WIT names are kebab-case, AS export names are identifiers: renamed after compilation. */
const EXPORT_RENAMES = { abi_version: "abi-version", load_error_offset: "load-error-offset", max_reports: "max-reports" };
/** The core module's complete export list: what wit-component expects for world `engine`. */
const CORE_EXPORTS = ["abi-version", "cabi_post_evaluate", "cabi_realloc", "evaluate", "load", "load-error-offset", "max-reports", "memory"];

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** asconfig.json's release target and shared options, as asc command-line arguments. */
function releaseArguments() {
  const config = JSON.parse(readFileSync(resolve(root, "asconfig.json"), "utf8"));
  const { outFile: _ignored, ...release } = config.targets.release;
  // `false` means "off" in a config file but would become the argument "false" (e.g. a source
  // map file named false), so such keys are left out.
  const options = Object.entries({ ...config.options, ...release }).filter(([, v]) => v !== false);
  return asc.configToArguments(Object.fromEntries(options));
}

/** An asc transform: gives the exports their WIT names before Binaryen optimises the module. */
class RenameExports {
  afterCompile(module) {
    for (const [from, to] of Object.entries(EXPORT_RENAMES)) {
      const ref = module.getExport(from);
      if (!ref) throw new Error(`component.ts does not export ${from}`);
      const info = this.binaryen.getExportInfo(ref);
      module.removeExport(from);
      module.addFunctionExport(info.value, to);
    }
  }
}

async function compileCore(outFile) {
  mkdirSync(dirname(outFile), { recursive: true });
  const config = resolve(root, "asconfig.json");
  const { error, stderr } = await asc.main([ENTRY, "--baseDir", root, ...releaseArguments(), "--outFile", outFile], {
    stdout: process.stdout,
    transforms: [RenameExports],
    // asc always merges ./asconfig.json, whose `entries` would add index.ts as a second entry
    // file; its options are already passed above, so the file itself is hidden from asc.
    readFile: async (name, baseDir) => {
      const file = resolve(baseDir, name);
      if (file === config) return null;
      try {
        return await readFile(file, "utf8");
      } catch {
        return null;
      }
    },
  });
  if (error) {
    process.stderr.write(stderr.toString());
    throw error;
  }
  const bytes = readFileSync(outFile);
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length !== 0) throw new Error(`component core imports ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  if (exports.join() !== CORE_EXPORTS.join()) throw new Error(`component core exports ${exports.join(", ")}; expected ${CORE_EXPORTS.join(", ")}`);
  return bytes;
}

function jco(args) {
  const bin = join(dirname(require.resolve("@bytecodealliance/jco")), "jco.js"); // the package's bin
  execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

/** Core → embedded (WIT metadata) → component → transpiled JS. Returns the component bytes. */
export async function buildComponent(outDir, { transpile = true } = {}) {
  const core = join(outDir, "component-core.wasm");
  const embedded = join(outDir, "component-embedded.wasm");
  const component = join(outDir, "engine.component.wasm");
  await compileCore(core);
  jco(["embed", core, "--wit", WIT, "--world-name", WORLD, "--string-encoding", "utf8", "-o", embedded]);
  jco(["new", embedded, "-o", component]);
  rmSync(embedded);
  if (transpile) {
    const js = join(outDir, "component-js");
    rmSync(js, { recursive: true, force: true });
    jco(["transpile", component, "-o", js, "--name", "engine", "--instantiation", "async", "--quiet"]);
  }
  return readFileSync(component);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const outArg = process.argv.indexOf("--out-dir");
  const outDir = outArg > 0 ? resolve(process.argv[outArg + 1]) : resolve(root, "build");
  const bytes = await buildComponent(outDir);
  const digest = sha256(bytes);
  console.log(`component: ${bytes.length} bytes, sha256 ${digest} (${join(outDir, "engine.component.wasm")})`);
  if (process.argv.includes("--check")) {
    const tmp = mkdtempSync(join(tmpdir(), "enforcecore-component-"));
    try {
      const again = sha256(await buildComponent(tmp, { transpile: false }));
      if (again !== digest) {
        console.error(`FAIL component build is not reproducible: ${digest} then ${again}`);
        process.exit(1);
      }
      console.log("ok   reproducible component build");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
