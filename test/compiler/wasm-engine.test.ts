// Cross-check: the real AssemblyScript scanner (engine/assembly/dfa.ts) against the reference
// interpreter (engine/compiler/dfa-sim.ts) on compiled tables. The harness below is compiled in
// memory with asc, so nothing is written to the tree.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_CONTENT_RULES } from "../../engine/compiler/builtin-rules.js";
import { fullMatch, parseTable, reverseStart, searchFirstEnd, type DfaTable } from "../../engine/compiler/dfa-sim.js";
import { compilePattern } from "../../engine/compiler/regex.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HARNESS = "test/compiler/__dfa_harness.ts";
const HARNESS_SOURCE = `
import { parseDfa, searchEnd, fullMatch, reverseStart } from "../../engine/assembly/dfa";
import { readerInit, rBad } from "../../engine/assembly/reader";

export function base(): usize { return (__heap_base + 15) & ~(<usize>15); }
export function ensure(bytes: usize): void {
  const pages = <i32>((base() + 64 + bytes + 0xffff) >>> 16);
  if (pages > memory.size()) memory.grow(pages - memory.size());
}
export function table(): usize { return base() + 64; }
export function load(len: usize): bool {
  readerInit(table(), len);
  parseDfa(base());
  return !rBad;
}
export function search(units: usize, n: i32, from: i32): i32 { return searchEnd(base(), units, n, from); }
export function full(units: usize, n: i32): bool { return fullMatch(base(), units, n); }
export function rev(units: usize, end: i32): i32 { return reverseStart(base(), units, 0, end); }
`;

interface Harness {
  memory: WebAssembly.Memory;
  ensure(bytes: number): void;
  table(): number;
  load(len: number): number;
  search(units: number, n: number, from: number): number;
  full(units: number, n: number): number;
  rev(units: number, end: number): number;
}

let wasm: Harness;

beforeAll(async () => {
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [HARNESS, "--outFile", "harness.wasm", "--runtime", "stub", "--use", "abort=", "-O2", "--noAssert", "--initialMemory", "4"],
    {
      readFile: (filename, baseDir) => {
        const path = resolve(baseDir, filename);
        if (path === resolve(root, HARNESS)) return HARNESS_SOURCE;
        try {
          return readFileSync(path, "utf8");
        } catch {
          return null;
        }
      },
      writeFile: (filename, contents) => {
        if (filename.endsWith(".wasm") && typeof contents !== "string") binary = contents;
      },
      listFiles: () => [],
    },
  );
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  if (binary === undefined) throw new Error("asc produced no binary");
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(binary)), {});
  wasm = instance.exports as unknown as Harness;
}, 120_000);

/** Loads a table and a text (as UTF-16 code units, what the engine scans) into the harness. */
function put(bytes: Uint8Array, text: string): { text: number; len: number } {
  wasm.ensure(bytes.length + text.length * 2 + 16);
  const t = wasm.table();
  new Uint8Array(wasm.memory.buffer).set(bytes, t);
  expect(wasm.load(bytes.length)).toBe(1);
  const at = (t + bytes.length + 1) & ~1;
  const units = new Uint16Array(wasm.memory.buffer, at, text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return { text: at, len: text.length };
}

interface Tables {
  search: Uint8Array;
  anchored: Uint8Array;
  reverse: Uint8Array;
  sim: { search: DfaTable; anchored: DfaTable; reverse: DfaTable };
}

function tables(source: string, caseInsensitive: boolean): Tables {
  const search = compilePattern(source, { kind: "search", caseInsensitive }).bytes;
  const anchored = compilePattern(source, { kind: "anchored", caseInsensitive }).bytes;
  const reverse = compilePattern(source, { kind: "reverse", caseInsensitive }).bytes;
  return { search, anchored, reverse, sim: { search: parseTable(search), anchored: parseTable(anchored), reverse: parseTable(reverse) } };
}

/** Compares the engine with the reference model on one text (BMP, no lone surrogates). */
function agree(t: Tables, text: string): void {
  let p = put(t.search, text);
  const end = wasm.search(p.text, p.len, 0);
  expect(end, `search on ${JSON.stringify(text)}`).toBe(searchFirstEnd(t.sim.search, text));
  // Resumed scans (`from` > 0), as when looking for the next match.
  for (let from = 1; from < text.length; from++) {
    const got = wasm.search(p.text, p.len, from);
    expect(got, `search on ${JSON.stringify(text)} from ${from}`).toBe(searchFirstEnd(t.sim.search, text, from));
  }
  p = put(t.anchored, text);
  expect(wasm.full(p.text, p.len) === 1, `full on ${JSON.stringify(text)}`).toBe(fullMatch(t.sim.anchored, text));
  if (end >= 0) {
    p = put(t.reverse, text);
    const start = wasm.rev(p.text, end);
    expect(start, `reverse on ${JSON.stringify(text)} from ${end}`).toBe(reverseStart(t.sim.reverse, text, end));
  }
}

describe("wasm scanner agrees with dfa-sim", () => {
  it("on the built-in rules", () => {
    const texts = [
      "rm -rf /",
      "; rm -rf / #",
      "$(curl x)",
      "' OR 1=1 --",
      "'; DROP TABLE policies; --",
      "__import__('os').system('id')",
      "../../etc/passwd",
      "x = eval (y)",
      "medieval(",
      "plain text, nothing to see",
      "ünïcödé ../ 中文 /etc/hosts",
      "",
    ];
    for (const rule of BUILTIN_CONTENT_RULES) {
      const t = tables(rule.source, true);
      for (const text of texts) agree(t, text);
    }
  });

  it("on random patterns and texts", () => {
    const atoms = ["a", "b", "é", "中", "[ab]", "[^a]", "\\d", "\\w", ".", "\\s"];
    const pat = fc
      .array(
        fc.tuple(fc.constantFrom(...atoms), fc.constantFrom("", "*", "+", "?", "{1,2}")).map(([a, q]) => a + q),
        { minLength: 1, maxLength: 4 },
      )
      .chain((xs) => fc.constantFrom(xs.join(""), `^${xs.join("")}`, `${xs.join("")}$`, `(?:^|[^a])${xs.join("")}`));
    const text = fc.array(fc.constantFrom("a", "b", "A", "é", "É", "中", "1", " ", "\n"), { maxLength: 10 }).map((xs) => xs.join(""));
    fc.assert(
      fc.property(pat, fc.boolean(), fc.array(text, { minLength: 1, maxLength: 5 }), (source, ci, texts) => {
        const t = tables(source, ci);
        for (const s of texts) agree(t, s);
      }),
      { numRuns: 300 },
    );
  });
});
