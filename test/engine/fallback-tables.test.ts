// The bundle's own tables: how the engine scans every table its loader did not derive (over its
// cap, or without memory to spare: engine/assembly/entities.ts prepareScanTables). The release
// engine derives every table of the policies the other suites load, so this path runs here, in
// variants of the same sources (scripts/build-engine.mjs --out … --asc …, never shipped), checked
// answer for answer (the answer's bytes) against the release engine:
//   - ENGINE_NO_DERIVED_TABLES: no derived table at all;
//   - a smaller memory maximum (112 pages): derived tables stop where 4 MiB would no longer stay
//     free, so some are built and some are not (every rule's bundle and what a scan cannot do
//     without take 44 pages since round 20's rules, 2.5 MB of bundle, 40 at round 19's 2.2 MB;
//     104 left no room for any derived table then, as 96 had at 1.7 MB);
//   - a tiny one (48 pages): the bundle loads, and a call either gets the release engine's answer
//     or fails closed on memory, never another answer.
// Until this suite existed, a scan without derived tables read their descriptors from address 0
// upward (the component build never derived them): zeros for the first 32 tables, then static
// data, on which a policy with every rule trapped.
import { beforeAll, describe, expect, it } from "vitest";
import { BundleError, EngineFaultError } from "../../core/errors.js";
import type { CompiledBundle } from "../../engine/bundle-format.js";
import { createEngineSync } from "../../engine/engine.js";
import { ALL_RULES, answerOf as answer, differentialTexts as texts, prng } from "../redaction/helpers.js";
import { buildEngineVariant, bundleFor, ENGINE_WASM, engineWith as engineOf } from "./helpers.js";

const VARIANTS = {
  noDerived: ["--use", "ENGINE_NO_DERIVED_TABLES=1"],
  pages112: ["--maximumMemory", "112", "--use", "ENGINE_MAXIMUM_PAGES=112"],
  pages48: ["--maximumMemory", "48", "--use", "ENGINE_MAXIMUM_PAGES=48"],
} as const;
type Variant = keyof typeof VARIANTS;

const wasm = {} as Record<Variant, Uint8Array>;
beforeAll(() => {
  for (const [name, args] of Object.entries(VARIANTS) as [Variant, readonly string[]][]) wasm[name] = buildEngineVariant(args);
}, 180_000);

let bundles: { name: string; bundle: CompiledBundle }[] = [];
const bundlesOnce = () => {
  if (bundles.length === 0) {
    bundles = [
      { name: "every rule", bundle: bundleFor(ALL_RULES) },
      { name: "every rule, one head per rule (no family)", bundle: bundleFor(ALL_RULES, {}, { families: false }) },
    ];
  }
  return bundles;
};

/** Memory pages after loading `bundle` (raw exports: the tables the loader built, plus its headroom). */
function pagesAfterLoad(bytes: Uint8Array, bundle: CompiledBundle): number {
  const x = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {}).exports as { memory: WebAssembly.Memory; bundle_alloc(n: number): number; load(): number };
  const p = x.bundle_alloc(bundle.bytes.length);
  new Uint8Array(x.memory.buffer).set(bundle.bytes, p);
  expect(x.load()).toBe(0);
  return x.memory.buffer.byteLength / 65536;
}

describe("scans on the bundle's own tables answer as the derived ones", () => {
  it("the variants are what they claim: no derived table, some, all", { timeout: 360_000 }, () => {
    for (const { name, bundle } of bundlesOnce()) {
      const none = pagesAfterLoad(wasm.noDerived, bundle);
      const some = pagesAfterLoad(wasm.pages112, bundle);
      const all = pagesAfterLoad(ENGINE_WASM, bundle);
      expect(none, name).toBeLessThan(some);
      expect(some, name).toBeLessThan(all);
      expect(some, name).toBeLessThanOrEqual(112);
    }
  });

  for (const variant of ["noDerived", "pages112"] as const) {
    it(`${variant}: the same answer, byte for byte, for the corpus and every rule's walks`, { timeout: 180_000 }, () => {
      const all = texts();
      for (const { name, bundle } of bundlesOnce()) {
        const release = engineOf(bundle);
        const fallback = engineOf(bundle, wasm[variant]);
        let findings = 0;
        let work = 0;
        let releaseWork = 0;
        for (const t of all) {
          const want = answer(release, t);
          expect(answer(fallback, t), `${name}: ${JSON.stringify(t.slice(0, 200))}`).toBe(want);
          findings += release.preCall({ tool: "t", args: { text: t }, now: 1 }).violations.length;
          fallback.preCall({ tool: "t", args: { text: t }, now: 1 });
          releaseWork += release.lastScanWork();
          work += fallback.lastScanWork();
        }
        expect(findings, name).toBeGreaterThan(1000); // the texts do hold findings
        // The bundle's tables read every unit (no jumps over runs, no run memos): never less work.
        expect(work, name).toBeGreaterThanOrEqual(releaseWork);
        if (variant === "noDerived") expect(work, name).toBeGreaterThan(releaseWork);
      }
    });
  }
});

describe("an engine short of memory fails closed", () => {
  it("with 48 pages, a call gets the release engine's answer or the memory error, never another answer", { timeout: 120_000 }, () => {
    const bundle = bundlesOnce()[0]!.bundle;
    const release = engineOf(bundle);
    const tiny = engineOf(bundle, wasm.pages48);
    const r = prng(99);
    const sample = texts().filter(() => r() < 0.25);
    // and texts too large for what is left of 48 pages (3 MiB)
    for (const n of [50_000, 200_000, 400_000]) sample.push(sample.slice(0, 40).join(" ").repeat(Math.ceil(n / 4000)).slice(0, n));
    let same = 0;
    let refused = 0;
    for (const t of sample) {
      const got = answer(tiny, t);
      if (got.startsWith("EngineFaultError")) {
        expect(got).toMatch(/does not fit in engine memory|engine memory exhausted/);
        refused++;
      } else {
        expect(got).toBe(answer(release, t));
        same++;
      }
    }
    expect(same).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(0);
  });

  it("a bundle whose tables do not fit is refused as such, not as malformed, and nothing stays loaded", () => {
    // Rate-limit rings of 100,000 calls take 800 KB each in PERSIST: four fit in the release engine, not in 48 pages.
    const ring = { max_calls: 100_000, window_seconds: 60 };
    const rings = bundleFor({ rate_limits: { enabled: true, per_tool: { a: ring, b: ring, c: ring, d: ring } } });
    expect(() => engineOf(rings)).not.toThrow();
    const tiny = createEngineSync(wasm.pages48, { digest: "test" });
    expect(() => tiny.loadPolicy(rings)).toThrow(BundleError);
    expect(() => tiny.loadPolicy(rings)).toThrow(/does not fit in engine memory with the tables loaded from it/);
    expect(() => tiny.preCall({ tool: "a", args: {}, now: 1 })).toThrow(EngineFaultError);
    // and the same engine still loads a bundle that fits
    tiny.loadPolicy(bundleFor({ rate_limits: { enabled: true, per_tool: { a: { max_calls: 10, window_seconds: 60 } } } }));
    expect(tiny.preCall({ tool: "a", args: {}, now: 1 }).decision).toBe("allow");
  });
});
