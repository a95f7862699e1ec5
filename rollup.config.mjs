// Per-host bundles from the tsc output in build/tsc. They differ only in how the wasm engine is
// loaded and how files are read (hosts/*); the rest is the same code.
//   dist/node.js, dist/bun.js, dist/deno.js  dependencies stay external (npm resolves them)
//   dist/browser.js                          self-contained, engine inlined as base64
//   dist/edge.js + dist/engine.wasm          self-contained, engine imported as a wasm module
//   dist/guard.js                            the OS guard (Linux; Node, and Deno/Bun via node:child_process)
//   dist/cli.js                              the `enforcecore` command (Node)
import { copyFileSync, mkdirSync } from "node:fs";
import commonjs from "@rollup/plugin-commonjs";
import nodeResolve from "@rollup/plugin-node-resolve";

const tsc = "build/tsc";
const external = (id) => id.startsWith("node:") || /^(zod|yaml|refa|@eslint-community\/regexpp|@noble\/hashes|canonicalize)(\/|$)/.test(id);

/** Keeps `import wasm from "./engine.wasm"` as written and ships the file next to the bundle. */
const wasmModule = {
  name: "enforcecore-wasm-module",
  resolveId(id) {
    return id.endsWith("engine.wasm") ? { id: "./engine.wasm", external: true } : null;
  },
  writeBundle() {
    mkdirSync("dist", { recursive: true });
    copyFileSync("build/engine.wasm", "dist/engine.wasm");
  },
};

const onwarn = (warning, warn) => {
  if (warning.code === "CIRCULAR_DEPENDENCY" && warning.ids?.some((id) => id.includes("node_modules"))) return;
  warn(warning);
};

const host = (name, options = {}) => ({
  input: `${tsc}/hosts/${name}/index.js`,
  output: { file: `dist/${name}.js`, format: "es" },
  external: options.bundleDeps ? (id) => id.startsWith("node:") : external,
  plugins: options.bundleDeps
    ? [...(options.plugins ?? []), nodeResolve({ browser: name === "browser", exportConditions: [name === "edge" ? "workerd" : "default"] }), commonjs()]
    : (options.plugins ?? []),
  onwarn,
});

export default [
  host("node"),
  host("bun"),
  host("deno"),
  host("browser", { bundleDeps: true }),
  host("edge", { bundleDeps: true, plugins: [wasmModule] }),
  {
    input: `${tsc}/guard/index.js`,
    output: { file: "dist/guard.js", format: "es" },
    external,
    onwarn,
  },
  {
    input: `${tsc}/cli/enforcecore.js`,
    output: { file: "dist/cli.js", format: "es", banner: "#!/usr/bin/env node" },
    external,
    onwarn,
  },
];
