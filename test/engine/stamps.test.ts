// The per-text stamps wrap. entities.ts stamps the rules' state slots (floor, memo of the last
// failed run) with `generation`, and the run memos of accelerated states and of families with
// `accelGen`. Each is a u32 that counts scanned texts, so both wrap after 2^32 texts, where
// scanEntities clears what they stamped. Without that clearing, what a text left 2^32 texts
// earlier would read as current: a stale floor hides matches, a stale run memo jumps over the end
// of a run. Either way a finding is missed. No test can scan 2^32 texts. The engine built with the
// test entry engine/assembly/testing/stamps.ts (never shipped) can move the stamps forward, as
// 2^32 empty texts would, so this suite scans a text, moves the stamps to the last one before the
// wrap, and scans across it. Each answer must equal the release engine's for the same calls.
// Checked by mutation: without the slots' clearing the first test fails on every text of the
// corpus; without the run memos' clearing the second one misses the JWT, and without the family
// memo's clearing the phone number.
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledBundle } from "../../engine/bundle-format.js";
import { Engine } from "../../engine/engine.js";
import { buildCorpus } from "../../eval/redaction/corpus.js";
import { ALL_RULES, answerOf } from "../redaction/helpers.js";
import { buildEngineVariant, bundleFor, ENGINE_WASM } from "./helpers.js";

const LAST_BEFORE_WRAP = 2 ** 32 - 1;
let variant: WebAssembly.Module;
beforeAll(() => {
  variant = new WebAssembly.Module(buildEngineVariant(["engine/assembly/testing/stamps.ts"]) as BufferSource);
}, 120_000);

const release = new Engine(new WebAssembly.Instance(new WebAssembly.Module(ENGINE_WASM), {}), "test");

/** The test build, with its stamp setter. */
function stampedEngine(): { engine: Engine; setStamps: (v: number) => void } {
  const instance = new WebAssembly.Instance(variant, {});
  return { engine: new Engine(instance, "test"), setStamps: instance.exports["test_set_stamps"] as (v: number) => void };
}

/** Loads `bundle` in both engines, scans `before` in both, moves the test engine's stamps to the wrap, returns both answers to `after`. */
function acrossTheWrap(bundle: CompiledBundle, before: string, after: string): { want: string; got: string } {
  const { engine, setStamps } = stampedEngine();
  release.loadPolicy(bundle);
  engine.loadPolicy(bundle);
  expect(answerOf(engine, before)).toBe(answerOf(release, before));
  // Each call scans its key, then its value: `after` gets the stamps `before` had.
  setStamps(LAST_BEFORE_WRAP);
  return { want: answerOf(release, after), got: answerOf(engine, after) };
}

describe("the per-text stamps wrap after 2^32 texts without a stale slot or memo", () => {
  for (const families of [true, false]) {
    it(`rule slots (generation)${families ? "" : ", without the family"}: each corpus text scanned again across the wrap`, { timeout: 360_000 }, () => {
      const bundle = bundleFor(ALL_RULES, {}, { families });
      const texts = buildCorpus({ perType: 2, clean: 20 }).map((r) => r.text);
      let found = 0;
      for (const t of texts) {
        const { want, got } = acrossTheWrap(bundle, t, t);
        expect(got, JSON.stringify(t.slice(0, 120))).toBe(want);
        if (want.length > 48) found++; // 48 hex digits: an answer without a finding
      }
      expect(found).toBeGreaterThan(40);
    });
  }

  it("run memos (accelGen): a text whose runs end where the stale memo's did not", { timeout: 120_000 }, () => {
    const bundle = bundleFor(ALL_RULES);
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    const pairs: [string, string, string][] = [
      // the JWT's first segment: the memo of its run of base64url units, 200 long before the wrap
      ["JWT after a long base64 run", `x eyJ${"a".repeat(200)} tail`, `x ${jwt} and more text here ${"a".repeat(100)}`],
      // the family's memo: a number at the same place before the wrap, whose members end elsewhere
      ["phone with spaces after one without", "x 5552013344 y", "x 555 201 3344 y"],
      ["SSN after a longer number", "x 123-45-67890 y", "x 123-45-6789 yy"],
    ];
    for (const [name, before, after] of pairs) {
      const { want, got } = acrossTheWrap(bundle, before, after);
      expect(want.length, `${name}: the release engine finds it`).toBeGreaterThan(48);
      expect(got, name).toBe(want);
    }
  });
});
