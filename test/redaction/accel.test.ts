// Runs of one class (engine/assembly/entities.ts, "Runs of one class"): a verification run that
// reaches a loop state or a chain of forced states jumps over the run of units it stays on,
// answered from the state's memo of the last run it found, or from its peer's (the memo of a loop
// of the same table that stays on the same classes). Two things are checked here:
//   - it never changes an answer: spans equal a plain model of the per-rule semantics (every
//     start, the longest match read with the reference interpreter dfa-sim.ts, kept if the
//     check passes), on texts full of overlapping candidates, near misses and limits;
//   - it removes the amplification it is for: the engine's own count of verification work
//     (Engine.lastScanWork, deterministic) stays a small multiple of the text's length on
//     adversarial texts made from each rule's automaton, where before a JWT head inside a long
//     base64 run cost up to its maxLen (12,100 units) per candidate.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { policyEntityDefs } from "../../engine/compiler/policy-entities.js";
import { adversarialText, WALK_SHAPES, walkerOf } from "../../eval/redaction/adversary.js";
import { parsePolicyObject } from "../../policies/index.js";
import { engineFor } from "../engine/helpers.js";
import { ALL_PII, detect, engineWith, modelSpans, prng, ruleModel } from "./helpers.js";

/** A custom type (boundary none, no validator): its check keeps a match of at least `min` units. */
interface Custom {
  readonly name: string;
  readonly pattern: string;
  readonly min: number;
  readonly max: number;
}

// Each exercises one path of the jump: loops (accepting or not) left by an exit class or cut by
// the limit, segments (accepting or not) taken whole or ending inside, a segment as the start state.
const CUSTOM: readonly Custom[] = [
  // three loops of one class after chains of 10 (segments) and literal exits: the JWT shape
  { name: "jwt_like", pattern: "eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{16,}", min: 1, max: 120 },
  // an exact chain of 30 (non-accepting segment) whose exit is the accepting final state (a run
  // that starts inside a chain looks at once; elsewhere it takes ACCEL_AFTER = 16 plain steps
  // first, so chains must be longer than that)
  { name: "fixed_chain", pattern: "T3[a-z0-9]{30}", min: 1, max: 32 },
  // an accepting segment (after 2 letters every state accepts) that ends in a final state
  { name: "accepting_chain", pattern: "q[a-z]{2,40}", min: 4, max: 41 },
  // the start state is a segment, then an accepting loop cut by max_len; an optional tail after it
  { name: "digit_loop", pattern: "[0-9]{9,}x?", min: 1, max: 40 },
  // a loop whose class shares units with what follows it (the loop exits only on `=`)
  { name: "key_loop", pattern: "k[a-z_]{8,}=[a-z0-9]{3,12}", min: 9, max: 60 },
  // a chain and a loop on different classes (letters, then letters and digits), and a later loop
  // on the chain's classes: only that one may be the chain's peer. The head is inside the first
  // loop's class, so that loop's memo covers later candidates: it runs over digits, and must
  // never answer for the chain (a chain of 20: the head takes some of it, and a chain is one from
  // eight units on)
  { name: "peer_classes", pattern: "w[a-z]{20}[a-z0-9]{2,}-[a-z]+", min: 1, max: 120 },
];

const policy = { pii_redaction: { enabled: true, categories: [], custom: CUSTOM.map((c) => ({ name: c.name, pattern: c.pattern, boundary: "none", min_len: c.min, max_len: c.max })) } };

// the custom check with boundary none and no validator: a length bound
const models = CUSTOM.map((custom) => ({ custom, model: ruleModel(custom.pattern, custom.max, (_t, s, e) => e - s >= custom.min) }));

// Heads, units of every class and units outside them ("中" and "ø": never folded by the evasion
// defences, so the model sees the engine's units), repeated pieces so that runs overlap.
const ALPHABET = ["eyJ", "eyJ", "T3", "q", "k", "k_", "=", ".", ".eyJ", "-", "_", "a", "z", "Zq", "0", "9", "123456789", "x", " ", "\u4e2d", "\u00f8", "abcdefgh", "A1b2C3d4", "eyJA1b2C3d4ab.eyJabcdefgh12.A1b2C3d4abcdefgh", "T3abcdefgh0123456789abcdefgh0123", "k_abcdefgh=ab12", "w", "wabcdefghijklmnopqrst", "wabcdefghij0klmnopqrst", "wabcdefghijklmnopqrstu0-abc"];
const texts = fc
  .tuple(fc.array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 12 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ALPHABET)), { maxLength: 4 }))
  .map(([pieces, times, edits]) => {
    const chars = [...pieces.join("").repeat(times)];
    for (const [at, c] of edits) chars[at % chars.length] = c;
    return chars.join("");
  });

describe("runs of one class: same answers", () => {
  const engine = engineFor(policy);
  const found = (t: string, rule: string) => detect(engine, t).filter((f) => f.rule === rule).map((f) => [f.start, f.end]);

  it("every custom type: the same spans as the plain model", () => {
    const spans = new Map<string, number>();
    fc.assert(
      fc.property(texts, (t) => {
        for (const m of models) {
          const want = modelSpans(m.model, t);
          spans.set(m.custom.name, (spans.get(m.custom.name) ?? 0) + want.length);
          expect(found(t, m.custom.name), m.custom.name).toEqual(want);
        }
      }),
      { numRuns: 1500, seed: 20261125 },
    );
    for (const m of models) expect(spans.get(m.custom.name), m.custom.name).toBeGreaterThan(50);
  });

  it("long runs: candidates inside earlier candidates' runs, and the limit inside loops and segments", () => {
    const r = prng(9);
    const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const rand = (n: number, alphabet = b64) => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join("");
    const cases = [
      Array.from({ length: 400 }, () => `-eyJ${rand(20)}`).join(""),
      Array.from({ length: 300 }, () => `-eyJ${rand(12)}.eyJ${rand(11)}.${rand(17)}`).join(""),
      Array.from({ length: 400 }, () => `T3${rand(1 + Math.floor(r() * 40), "abc0123")}`).join(""),
      Array.from({ length: 400 }, () => `q${rand(Math.floor(r() * 50), "abcxyz")}`).join(""),
      Array.from({ length: 200 }, () => rand(1 + Math.floor(r() * 60), "0123456789x")).join(" "),
      Array.from({ length: 300 }, () => `k${rand(Math.floor(r() * 12), "ab_")}=${rand(Math.floor(r() * 15), "a0=")}`).join(""),
      // chains of letters inside runs of letters and digits that the first loop's memo covers
      Array.from({ length: 300 }, () => `w${rand(Math.floor(r() * 30), "abcw0")}${r() < 0.3 ? "-" : ""}`).join(""),
    ];
    // A run that dies inside a segment, then a start over the same units whose run does not die
    // there: the memo of failed runs (tryRule) must compare the unit that killed the first run too.
    const same = rand(20, "abc0123");
    cases.push(`T3${same}-T3${same}${rand(10, "abc0123")} `, `T3${same}!T3${same}!T3${same}a${rand(9, "xyz")}!`);
    // A candidate too long for max_len (120: its `-` is at 121) leaves the memo of peer_classes's
    // first loop covering the next head (at 90), whose chain of letters dies on a digit: that
    // memo (letters and digits) must not answer for the chain, or [90, 125) would be found.
    cases.push(`w${"a".repeat(89)}w${"c".repeat(10)}0${"c".repeat(9)}${"0".repeat(10)}-abc `);
    for (const t of cases) for (const m of models) expect(found(t, m.custom.name), m.custom.name).toEqual(modelSpans(m.model, t));
    // and the jumps were taken: the first text's runs would read about 6 units per unit of text
    // for jwt_like alone (max_len 120, a candidate every 24 units); with the jumps but without
    // peers, each candidate's chain of ten would be scanned again (about 1.4)
    engine.preCall({ tool: "t", args: { text: cases[0] as string }, now: 1 });
    expect(engine.lastScanWork() / (cases[0] as string).length).toBeLessThan(1.2);
  });
});

describe("runs of one class: bounded work", () => {
  const everything = () => engineWith({ categories: ALL_PII, secrets: { enabled: true } });
  const workPerUnit = (t: string): number => {
    const e = everything();
    e.preCall({ tool: "t", args: { text: t }, now: 1 });
    return e.lastScanWork() / t.length;
  };

  // (the first test of the block compiles every rule, about 4 s: a timeout of its own)
  it("JWT heads inside one base64 run: about one unit of work per unit of text", { timeout: 240_000 }, () => {
    const r = prng(3);
    const rand = (n: number) => Array.from({ length: n }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(r() * 62)]).join("");
    const t = Array.from({ length: 2000 }, () => `-eyJ${rand(20)}`).join("");
    // before the jumps: each of the 2,000 candidates read 12,100 units (a work of about 500 per
    // unit); with them, 1.67: sixteen plain steps per candidate, then its chain of ten scanned
    // again; now one scan of each unit (the chain's look comes at once, and finds the run in its
    // peer's memo: the loop after it stays on the same classes)
    expect(workPerUnit(t)).toBeLessThan(1.1);
  });

  it("texts of command-line flags: a flag costs a scan only after a command of its rule, and then about one read per unit", () => {
    // The password-flag rules' heads are their flags; the command and up to six arguments before
    // the flag are the back part. Round 13 scanned back six arguments from every flag (13.0 units
    // of work per unit on `-pa -pa …`); round 14 read six arguments ahead of every command (0.37
    // of mixed text's speed on `sshpass abc sshpass def …`). Round 15: a flag is a candidate only
    // when a command of its rule ended within reach before it (gates), its scan ends at the
    // nearest command or where the rule's last failed scan began (back memos).
    expect(workPerUnit("-pa ".repeat(5000))).toBeLessThan(0.5);
    expect(workPerUnit("-p a ".repeat(4000))).toBeLessThan(0.5);
    expect(workPerUnit("-passin pass:x ".repeat(2000))).toBeLessThan(2);
    expect(workPerUnit("mysql -pa ".repeat(2000))).toBeLessThan(1.5);
    expect(workPerUnit("sshpass -p a ".repeat(2000))).toBeLessThan(1.5);
    expect(workPerUnit("sshpass abc ".repeat(2000))).toBeLessThan(0.5);
    let mysql = "";
    const r = prng(5);
    while (mysql.length < 20_000) mysql += `mysql -p ${"abcdefgh".slice(0, 1 + Math.floor(r() * 6))} `;
    expect(workPerUnit(mysql)).toBeLessThan(0.5);
    // a command before flags of its own, all failing (`-p"` has no value): each scan reads back
    // to the command, at most six arguments: bounded, not linear in the flags before it
    expect(workPerUnit('sshpass -p" -p" -p" -p" -p" -p" '.repeat(500))).toBeLessThan(6);
  });

  it("every rule's adversarial texts: the work stays a small multiple of the text", () => {
    const rules = policyEntityDefs(parsePolicyObject({ name: "all", rules: { pii_redaction: { enabled: true, categories: ALL_PII, secrets: { enabled: true } } } }).policy.rules);
    const r = prng(11);
    let worst = { work: 0, rule: "" };
    for (const rule of rules) {
      const w = walkerOf(rule);
      for (const shape of WALK_SHAPES) {
        const work = workPerUnit(adversarialText(w, shape, r, 6000));
        if (work > worst.work) worst = { work, rule: `${rule.name} ${JSON.stringify(shape)}` };
      }
    }
    // Measured: at most 5.1 units per unit (token rules whose runs overlap at `-` separators).
    // Without the numeric family (families.test.ts) the numeric rules reach 15.9, each reading
    // every digit group; without the jumps the JWT, PEM and long-token rules reach hundreds.
    expect(worst.work, worst.rule).toBeLessThan(8);
  }, 120_000);
});
