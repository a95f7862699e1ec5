import fc from "fast-check";
import { it } from "vitest";
import { compilePattern } from "../../engine/compiler/regex.js";
const ATOMS = ["a", "b", "c", "A", "é", "[ab]", "[^a]", "[a-c]", "\\d", "\\w", "\\W", "\\s", ".", "[^\\n]", "\\-", "(?:)"];
const QUANTS = ["*", "+", "?", "{2}", "{0,1}", "{1,}", "{1,2}", "{0,3}", "{2,3}"];
const body = fc.letrec<any>((tie) => ({
  alt: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("concat"), fc.array(tie("concat"), { minLength: 2, maxLength: 3 }).map((xs: string[]) => xs.join("|"))),
  concat: fc.array(tie("term"), { minLength: 1, maxLength: 3 }).map((xs: string[]) => xs.join("")),
  term: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("atom"), fc.tuple(tie("atom"), fc.constantFrom(...QUANTS), fc.boolean()).map(([a, q, lazy]: any) => a + q + (lazy ? "?" : ""))),
  atom: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.constantFrom(...ATOMS), tie("alt").map((x: string) => `(?:${x})`), tie("alt").map((x: string) => `(${x})`)),
})).alt as fc.Arbitrary<string>;
it("prof", () => {
  const samples = fc.sample(body, { numRuns: 200, seed: 1 });
  let lens = samples.map(s => s.length).sort((a,b)=>a-b);
  console.log("len p50", lens[100], "max", lens[199]);
  const times: [number, string, string][] = [];
  for (const s of samples) {
    for (const kind of ["search","anchored","reverse"] as const) {
      const t0 = performance.now();
      let r = "";
      try { r = String(compilePattern(s, { kind, maxStates: 2000 }).states); } catch (e: any) { r = e.constructor.name; }
      times.push([performance.now() - t0, kind + " " + r, s]);
    }
  }
  times.sort((a, b) => b[0] - a[0]);
  console.log(times.slice(0, 8).map(t => `${t[0].toFixed(0)}ms ${t[1]} ${t[2].slice(0,150)}`).join("\n"));
  console.log("total", times.reduce((a, t) => a + t[0], 0).toFixed(0));
}, 600000);
