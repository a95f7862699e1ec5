// Shared helpers for the redaction suites: an engine per policy, detection as (rule, text) pairs,
// a seeded PRNG, and reference implementations of the checksums the engine verifies (written
// independently of engine/assembly/checks.ts, so the suites are differential).
import { RegExpParser, type AST } from "@eslint-community/regexpp";
import fc from "fast-check";
import { expect } from "vitest";
import { parseTable, step, type DfaTable } from "../../engine/compiler/dfa-sim.js";
import { PII_PATTERNS } from "../../engine/compiler/pii.js";
import { compilePattern } from "../../engine/compiler/regex.js";
import { SECRET_RULES } from "../../engine/compiler/secrets.js";
import type { CompiledBundle } from "../../engine/bundle-format.js";
import { createEngineSync, type Engine } from "../../engine/engine.js";
import { adversarialText, WALK_SHAPES, walkerOf } from "../../eval/redaction/adversary.js";
import { prng } from "../../eval/redaction/checksums.js";
import { buildCorpus } from "../../eval/redaction/corpus.js";
import { ENGINE_WASM, engineFor } from "../engine/helpers.js";

export { base58Address, crc32, githubStyleToken, luhnCheckDigit, prng, segwitAddress, verhoeffCheckDigit } from "../../eval/redaction/checksums.js";

export const ALL_PII = PII_PATTERNS.map((p) => p.category);

const releaseModule = new WebAssembly.Module(ENGINE_WASM);
/**
 * Whether the engine loads a copy of `bundle` changed by `mutate` (the loader's validation): true,
 * or false with the error a corrupt bundle must give (`bundle_invalid`).
 */
export function loadsChanged(bundle: CompiledBundle, mutate: (v: DataView) => void): boolean {
  const copy = bundle.bytes.slice();
  mutate(new DataView(copy.buffer));
  const e = createEngineSync(releaseModule, { digest: "test" });
  try {
    e.loadPolicy({ ...bundle, bytes: copy });
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== "bundle_invalid") throw err;
    return false;
  }
}

const engines = new Map<string, Engine>();
/** One engine per policy shape (compiling every rule once per suite). */
export function engineWith(piiRedaction: Record<string, unknown>, extra: Record<string, unknown> = {}): Engine {
  const key = JSON.stringify([piiRedaction, extra]);
  let e = engines.get(key);
  if (!e) {
    e = engineFor({ pii_redaction: { enabled: true, ...piiRedaction }, ...extra });
    engines.set(key, e);
  }
  return e;
}

/** Every PII category and secret rule enabled. */
export const ALL_RULES = { pii_redaction: { enabled: true, categories: ALL_PII, secrets: { enabled: true } } };

/**
 * Texts for comparing two ways of scanning the same policy: the labeled corpus (every type,
 * evasions, clean near misses), walks of every rule's own automaton in every shape (long runs, the
 * loops and segments that derived tables jump over, back parts), and non-ASCII around them.
 */
export function differentialTexts(): string[] {
  const out = buildCorpus({ perType: 3, clean: 150 }).map((r) => r.text);
  const r = prng(4242);
  for (const rule of [...PII_PATTERNS, ...SECRET_RULES]) {
    const w = walkerOf(rule);
    for (const shape of WALK_SHAPES) out.push(adversarialText(w, shape, r, 40 + Math.floor(r() * 300)));
  }
  for (let i = 0; i < 60; i++) out.push(`Zoë ${out[Math.floor(r() * out.length)]} José \u00e9\u4e2d ${out[Math.floor(r() * out.length)]}`);
  for (let i = 0; i < 60; i++) out.push(commandLines(r, 20 + Math.floor(r() * 400)));
  return out;
}

const COMMAND_WORDS = ["mysql", "mysqldump", "sshpass", "redis-cli", "docker login", "mongosh", "ldapsearch", "ssh", "mkdir", "-p", "-pa", "-pS3cr3t!x", "-p'Tr0ub4dor'", '-p"', "-a", "-w", "-u", "root", "hunter2pass", "db.example.com", "3306", "|", ";", "&&", "-passin", "pass:Xy9zQ2", "--password", "x"];
/**
 * `n` or so units of command-line words (commands whose flags carry passwords, their flags and
 * values, other commands' flags, separators), joined by 1-5 spaces or tabs: back parts that run
 * over their own heads (the password-flag rules), nearest starts, failed scans before later ones.
 */
export function commandLines(r: () => number, n: number): string {
  let t = "";
  while (t.length < n) t += `${COMMAND_WORDS[Math.floor(r() * COMMAND_WORDS.length)]}${r() < 0.1 ? "\t" : " ".repeat(1 + Math.floor(r() * (r() < 0.9 ? 1 : 5)))}`;
  return t;
}

/** Units the engine's verification runs read per unit of `text`, in one call (Engine.lastScanWork). */
export function workPerUnit(engine: Engine, text: string): number {
  engine.preCall({ tool: "t", args: { text }, now: 1 });
  return engine.lastScanWork() / text.length;
}

/** `api_key=` and seven random units, again, to at least `length` units: each value runs into the next key (bench/redaction-texts.mjs). */
export function apiKeysWithRandomValues(length: number, seed = 3): string {
  const r = prng(seed);
  let text = "";
  while (text.length < length) text += `api_key=${Array.from({ length: 7 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(r() * 36)]).join("")}`;
  return text;
}

/** The engine's answer to `text` as one string: its bytes in hex, or the error's class and message. */
export function answerOf(e: Engine, text: string): string {
  try {
    e.preCall({ tool: "t", args: { text }, now: 1 });
    return Buffer.from(e.lastAnswer()).toString("hex");
  } catch (err) {
    return `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
}

/**
 * Expects engines `a` and `b` to answer every text byte for byte alike (by default the
 * differential texts), and more than `minFindings` of the answers to hold a finding (an answer
 * without one is 48 hex digits).
 */
export function expectSameAnswers(a: Engine, b: Engine, texts: readonly string[] = differentialTexts(), minFindings = 300): void {
  let found = 0;
  for (const text of texts) {
    const want = answerOf(b, text);
    if (want.length > 48) found++;
    expect(answerOf(a, text), JSON.stringify(text.slice(0, 160))).toBe(want);
  }
  expect(found).toBeGreaterThan(minFindings);
}

/** A piece of a random pattern, and a way to draw a text it matches (so a pattern's draws are its matches). */
export interface PatternPiece {
  readonly source: string;
  readonly draw: (r: () => number) => string;
}

const pickOf = (units: string) => (r: () => number) => units[Math.floor(r() * units.length)] as string;
const patternAtom = fc.constantFrom<PatternPiece>(
  { source: "a", draw: () => "a" },
  { source: "\\.", draw: () => "." },
  { source: "-", draw: () => "-" },
  { source: "[ab]", draw: pickOf("ab") },
  { source: "[0-9]", draw: pickOf("0123456789") },
  { source: "[a-c1]", draw: pickOf("abc1") },
  { source: "[^a]", draw: pickOf("b.-19xz\u00e9") },
);
/** Pieces of random patterns: literals, classes, bounded repeats and alternations of them. */
export const patternPiece: fc.Arbitrary<PatternPiece> = fc.oneof(
  patternAtom,
  fc.tuple(patternAtom, fc.nat(2), fc.nat(3)).map(([p, m, k]): PatternPiece => ({ source: `(?:${p.source}){${m},${m + k}}`, draw: (r) => Array.from({ length: m + Math.floor(r() * (k + 1)) }, () => p.draw(r)).join("") })),
  fc.tuple(patternAtom, patternAtom, patternAtom).map(([x, y, z]): PatternPiece => ({ source: `(?:${x.source}${y.source}|${z.source})`, draw: (r) => (r() < 0.5 ? x.draw(r) + y.draw(r) : z.draw(r)) })),
);

export interface Found {
  readonly rule: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** What the engine reports in `text` (rule = last segment of the rule path), in report order. */
export function detect(engine: Engine, text: string): Found[] {
  const d = engine.preCall({ tool: "t", args: { text }, now: 1 });
  return d.violations
    .filter((v) => v.span && v.rule)
    .map((v) => ({ rule: (v.rule as string).split(".").pop() as string, text: text.slice(v.span!.start, v.span!.end), start: v.span!.start, end: v.span!.end }));
}

// ---- a plain model of one entity rule (the reference the engine's shortcuts are compared with) ----

export interface RuleModel {
  readonly table: DfaTable;
  readonly maxLen: number;
  /** The rule's check on [s, e) of `t` (written from the check's documented rules). */
  readonly check: (t: string, s: number, e: number) => boolean;
}

/** A pattern's anchored table, parsed by the reference interpreter dfa-sim.ts. */
export const anchoredTable = (source: string, ci = false): DfaTable => parseTable(compilePattern(source, { kind: "anchored", caseInsensitive: ci }));

/** The rule's anchored table, read by the reference interpreter dfa-sim.ts. */
export const ruleModel = (source: string, maxLen: number, check: RuleModel["check"]): RuleModel => ({
  table: anchoredTable(source),
  maxLen,
  check,
});

/**
 * Leftmost-longest, non-overlapping spans of one rule, each kept only if its check passes: every
 * start, the longest match of at most maxLen units, no memo, no jump, no head.
 */
export function modelSpans(m: RuleModel, t: string): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < t.length; s++) {
    let state = 1;
    let best = -1;
    for (let i = s; i < Math.min(t.length, s + m.maxLen); i++) {
      state = step(m.table, state, t.charCodeAt(i));
      if (state === 0) break;
      if (m.table.accepting[state]) best = i + 1;
    }
    if (best > s && m.check(t, s, best)) {
      out.push([s, best]);
      s = best - 1;
    }
  }
  return out;
}

export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const digitsOf = (r: () => number, n: number): number[] => Array.from({ length: n }, () => int(r, 0, 9));
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

// ---- reference checksums --------------------------------------------------------------------------

/** ISO 13616 check digits for a country and BBAN. */
export function ibanOf(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let rem = 0;
  for (const ch of rearranged) {
    const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return `${country}${String(98 - rem).padStart(2, "0")}${bban}`;
}

export function cpfOf(nine: readonly number[]): string {
  const d1 = ((nine.reduce((a, d, i) => a + d * (10 - i), 0) * 10) % 11) % 10;
  const ten = [...nine, d1];
  const d2 = ((ten.reduce((a, d, i) => a + d * (11 - i), 0) * 10) % 11) % 10;
  return [...ten, d2].join("");
}

/** ISO 7064 MOD 11,10 (German tax ID). */
export function mod1110CheckDigit(body: readonly number[]): number {
  let product = 10;
  for (const d of body) {
    let sum = (d + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const c = 11 - product;
  return c === 10 ? 0 : c;
}

// ---- random strings matching a pattern (test-only; recursion is fine here) ----------------------------


const parser = new RegExpParser({ strict: false, ecmaVersion: 2024 });
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => /[A-Za-z0-9_.\-+/=]/.test(c));

function classMembers(el: AST.CharacterClass): string[] {
  const inSet = (ch: string): boolean =>
    el.elements.some((e) => {
      if (e.type === "Character") return String.fromCharCode(e.value) === ch;
      if (e.type === "CharacterClassRange") return ch.charCodeAt(0) >= e.min.value && ch.charCodeAt(0) <= e.max.value;
      if (e.type === "CharacterSet") return e.kind === "digit" ? /\d/.test(ch) !== e.negate : e.kind === "word" ? /\w/.test(ch) !== e.negate : e.kind === "space" ? /\s/.test(ch) !== e.negate : false;
      return false;
    });
  if (el.negate) return PRINTABLE.filter((c) => !inSet(c));
  const out: string[] = [];
  for (const e of el.elements) {
    if (e.type === "Character") out.push(String.fromCharCode(e.value));
    else if (e.type === "CharacterClassRange") for (let c = e.min.value; c <= e.max.value && c < 0x7f; c++) out.push(String.fromCharCode(c));
    else if (e.type === "CharacterSet") out.push(...(e.kind === "digit" ? "0123456789".split("") : e.kind === "space" ? [" "] : "abcXYZ019_".split("")));
  }
  return out.filter((c) => c !== "\n" && c !== "\r" && c !== "\t");
}

/** A random string of the pattern's language (open repeats get up to `extra` more than their minimum). */
export function sampleOf(source: string, r: () => number, extra = 8): string {
  const ast = parser.parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false });
  const gen = (node: AST.Node): string => {
    switch (node.type) {
      case "Pattern":
      case "Group":
      case "CapturingGroup":
        return gen(pick(r, node.alternatives));
      case "Alternative":
        return node.elements.map(gen).join("");
      case "Quantifier": {
        const max = node.max === Number.POSITIVE_INFINITY ? node.min + extra : Math.min(node.max, node.min + extra);
        const n = int(r, node.min, max);
        return Array.from({ length: n }, () => gen(node.element)).join("");
      }
      case "Character":
        return String.fromCharCode(node.value);
      case "CharacterClass":
        return pick(r, classMembers(node));
      case "CharacterSet":
        if (node.kind === "digit") return String(int(r, 0, 9));
        if (node.kind === "space") return " ";
        if (node.kind === "word") return pick(r, "abcdefXYZ0123_".split(""));
        if (node.kind === "any") return "x";
        return "x";
      default:
        throw new Error(`sampleOf: unsupported ${node.type}`);
    }
  };
  return gen(ast);
}

/** Shannon entropy in bits per character (float; the reference for the engine's integer gate). */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

export function charClasses(s: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(s)).length;
}
