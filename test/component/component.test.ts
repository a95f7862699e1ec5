// The WebAssembly Component build (engine/assembly/component.ts, engine/wit/engine.wit) must answer
// exactly as the core engine does. Both are built here from the current sources into a temporary
// folder (so a stale build/ cannot hide a difference), the component is run through jco's
// transpiled JS, and every request of a varied corpus must give the same answer bytes or the same
// error code. When ENFORCECORE_WASMTIME_PYTHON names a Python with the `wasmtime` package, the same
// corpus is also replayed through wasmtime's component runtime (skipped otherwise).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ByteWriter, decodeAnswer, type RawAnswer } from "../../engine/abi.js";
import { compileBundle } from "../../engine/compiler/bundle.js";
import { createEngineSync, ENGINE_ABI_VERSION, type Engine } from "../../engine/engine.js";
import { loadPolicyFile, parsePolicyObject } from "../../policies/loader.js";
import { nodeIO } from "../../policies/node-io.js";
import { prng } from "../../eval/redaction/checksums.js"; // mulberry32: the corpus is the same on every run
import { buildCorpus } from "../../eval/redaction/corpus.js";
import { PII_PATTERNS } from "../../engine/compiler/pii.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

// ---- the two engines ---------------------------------------------------------------------------

/** What one call gave: the answer bytes, or the engine's negative error code. */
type Outcome = { answer: Uint8Array } | { error: number };

/** The component's exports, as jco's transpiled bindings present them (err results throw). */
interface EngineComponent {
  load(bundle: Uint8Array): void;
  loadErrorOffset(): number;
  evaluate(request: Uint8Array): Uint8Array;
  abiVersion(): number;
  maxReports(): number;
}
type Instantiate = (getCoreModule: (path: string) => Promise<WebAssembly.Module>, imports: object) => Promise<EngineComponent>;

/** A result error arrives as jco's ComponentError with the s32 as `payload`; anything else (a trap) is rethrown. */
function componentCall<T>(f: () => T): T | { error: number } {
  try {
    return f();
  } catch (e) {
    const payload = (e as { payload?: unknown }).payload;
    if (typeof payload === "number") return { error: payload };
    throw e;
  }
}

function componentEvaluate(c: EngineComponent, request: Uint8Array): Outcome {
  const r = componentCall(() => c.evaluate(request));
  return r instanceof Uint8Array ? { answer: r } : r;
}

function componentLoad(c: EngineComponent, bundle: Uint8Array): { code: number; offset: number } {
  const r = componentCall(() => c.load(bundle));
  return { code: r === undefined ? 0 : r.error, offset: c.loadErrorOffset() };
}

interface CoreExports {
  memory: WebAssembly.Memory;
  bundle_alloc(len: number): number;
  load(): number;
  load_error_offset(): number;
  input_alloc(len: number): number;
  evaluate(len: number): number;
  output_ptr(): number;
}

/** The core module driven through its own byte ABI (docs/ENGINE.md), to see raw codes and bytes. */
class RawCore {
  private readonly x: CoreExports;
  constructor(module: WebAssembly.Module) {
    this.x = new WebAssembly.Instance(module, {}).exports as unknown as CoreExports;
  }
  load(bundle: Uint8Array): { code: number; offset: number } {
    const p = this.x.bundle_alloc(bundle.length);
    if (p === 0) throw new Error("bundle does not fit");
    new Uint8Array(this.x.memory.buffer, p, bundle.length).set(bundle);
    return { code: this.x.load(), offset: this.x.load_error_offset() };
  }
  /** Before any load the core has no INPUT region (input_alloc answers 0): evaluate answers first. */
  evaluateUnloaded(len: number): Outcome {
    return { error: this.x.evaluate(len) };
  }
  evaluate(request: Uint8Array): Outcome {
    const p = this.x.input_alloc(request.length);
    if (p === 0) throw new Error("request does not fit");
    new Uint8Array(this.x.memory.buffer, p, request.length).set(request);
    const n = this.x.evaluate(request.length);
    if (n < 0) return { error: n };
    return { answer: new Uint8Array(this.x.memory.buffer.slice(this.x.output_ptr(), this.x.output_ptr() + n)) };
  }
}

function decoded(o: Outcome): RawAnswer | { error: number } {
  if ("error" in o) return o;
  return decodeAnswer(new DataView(o.answer.buffer, o.answer.byteOffset, o.answer.byteLength), 0, o.answer.length);
}

// ---- the corpus -------------------------------------------------------------------------------------

type Step =
  | { pre: string; args?: unknown; now: number; cost?: number }
  | { post: string; output?: unknown; now: number; cost?: number }
  | { kill: boolean; now: number }
  | { reset: true; now: number }
  | { raw: Uint8Array; what: string };

interface Scenario {
  name: string;
  bundle: () => Uint8Array;
  steps: () => Step[];
}

const policy = (rules: Record<string, unknown>, top: Record<string, unknown> = {}) => () =>
  compileBundle(parsePolicyObject({ name: "component-corpus", ...top, rules }).policy).bytes;
const example = (file: string) => () => compileBundle(loadPolicyFile(join(root, "policies/examples", file), nodeIO).policy).bytes;


const TOOLS = [
  "search_web", "SEARCH_WEB", "search_", "search", "calc1", "calc", "calc12", "fs.read", "FS.Read", "fs.delete", "fs.delete_all",
  "rm", "RM", "superadmin", "admin", "get_weather", "get_weathers", "écrire", "ÉCRIRE", "emoji😀", "ǅungla", "",
  "a b", "zero\u200bwidth", "bidi\u202eexe", "tab\there", "nbsp\u00a0x", "x".repeat(256), "x".repeat(257), "ǈ*?",
];

const URLS = [
  "https://api.openai.com/v1/chat", "https://en.wikipedia.org/wiki/X", "https://wikipedia.org/", "https://api.openai.com.evil.com/",
  "no urls here at all", "HTTPS://EVIL.COM/x", "https://api.openai.com@evil.com/", "http://user:pass@evil.com:8080/", "http://evil.com./",
  "https:\\\\evil.com\\path", "https:////evil.com", "http://%65vil.com/", "ftp://evil.com/file", "//evil.com/x",
  "please fetch (see http://evil.com, thanks)", "http://evil\uff0ecom/", "http://evil\u3002com", "http://0x7f.1/", "http://2130706433/",
  "http://[::1]:80/", "http://bücher.example/", "http://xn--bcher-kva.example/", "mailto:someone@evil.com", "https://good.example/a?u=https://evil.com",
];

const CONTENT_TEXTS = [
  "ls; sudo rm -rf /", "../../etc/passwd", "' OR 1=1 --", "__import__('os').system('id')", "the weather in Paris", "X UNION SELECT password FROM users",
  "see ticket-1234 now", "a sk-abcdefgh b sk-12345678", "secret-in", "secret-out", "TICKET-9 and TICKET-10 and ticket-", "é ticket-1 😀 sk-aaaaaaaa",
  "", "sk-", "café ../ résumé", `${"x".repeat(3000)}ticket-77`,
];

function toolsScenario(): Step[] {
  const steps: Step[] = [];
  let now = 1_000;
  for (const tool of TOOLS) steps.push({ pre: tool, now: now++ });
  for (const tool of TOOLS.slice(0, 10)) steps.push({ pre: tool, args: { q: tool, n: 3, deep: { list: [1, "two", null, true] } }, now: now++ });
  for (const tool of ["fs.read", "search_web", "rm"]) steps.push({ post: tool, output: { ok: true }, now: now++ });
  return steps;
}

function networkScenario(): Step[] {
  const steps: Step[] = [];
  let now = 1;
  for (const url of URLS) {
    steps.push({ pre: "fetch", args: { url }, now: now++ });
    steps.push({ pre: "fetch", args: { [url]: "as a key", nested: [{ u: url }] }, now: now++ });
  }
  return steps;
}

function contentScenario(): Step[] {
  const steps: Step[] = [];
  let now = 1;
  for (const text of CONTENT_TEXTS) {
    steps.push({ pre: "run", args: { input: text }, now: now++ });
    steps.push({ post: "run", output: { result: text, [text.slice(0, 20) || "k"]: 1 }, now: now++ });
  }
  return steps;
}

function argumentScenario(): Step[] {
  const calls: [string, unknown][] = [
    ["fs.read", { path: "/data/a.txt", mode: "r", opts: { x: "shallow" } }], ["transfer", { amount: 100 }], ["fs.read", { path: "/etc/passwd" }],
    ["fs.read", { path: "/data/../x" }], ["fs.read", { path: `/data/${"a".repeat(64)}` }], ["fs.read", { mode: "r" }], ["fs.read", { path: "/data/a", mode: "x" }],
    ["fs.read", { path: "/data/a", opts: { deep: "recursive" } }], ["transfer", { amount: -1 }], ["transfer", { amount: 1e9 }], ["transfer", { amount: Number.NaN }],
    ["transfer", { amount: "50" }], ["fs.read", { path: ["/etc/passwd"] }], ["net.get", { path: "/etc/passwd" }], ["transfer", { amount: 0 }],
    ["transfer", { amount: Number.POSITIVE_INFINITY }], ["transfer", { amount: -0 }], ["fs.write", { path: "/data/é.txt", mode: "w" }],
    ["fs.write", { path: "/data/ok", mode: true }], ["fs.write", { path: "/data/ok", mode: null }], ["FS.WRITE", { path: "/DATA/OK", mode: "W" }],
    ["transfer", { amount: { nested: 5 } }], ["transfer", {}], ["fs.read", { path: "/data/a", opts: { a: "recursive", b: "recursive" } }],
  ];
  return calls.map(([tool, args], i) => ({ pre: tool, args, now: 100 + i }));
}

function limitsScenario(): Step[] {
  const steps: Step[] = [];
  const tools = ["search", "fs.read", "fs.write", "other", "search"];
  for (let i = 0; i < 70; i++) {
    const now = i === 45 ? 1_000 : i * 700; // one step where the host clock goes back
    const tool = tools[i % tools.length]!;
    const args = i % 9 === 0 ? { blob: "y".repeat(150 + i) } : { i };
    steps.push({ pre: tool, args, now, cost: (i % 4) * 0.25 });
    if (i % 3 !== 2) steps.push({ post: tool, output: i % 7 === 0 ? "z".repeat(120) : { i }, now: now + 1, cost: 0.05 * (i % 5) });
    if (i === 20) steps.push({ kill: true, now: now + 2 });
    if (i === 22) steps.push({ kill: false, now: now + 2 });
    if (i === 40) steps.push({ reset: true, now: now + 2 });
  }
  return steps;
}

function modeScenario(): Step[] {
  const steps: Step[] = [];
  let now = 1;
  for (const tool of ["ok", "rm", "rm.force", "search"]) {
    for (const text of ["hello", "sk-abcdefgh", "ticket-42 and sk-12345678", "http://evil.com/"]) steps.push({ pre: tool, args: { text }, now: now++ });
  }
  steps.push({ kill: true, now: now++ }, { pre: "ok", now: now++ }, { kill: false, now: now++ }, { pre: "ok", args: { text: "sk-abcdefgh" }, now: now++ });
  return steps;
}

function exampleScenario(): Step[] {
  const texts = ["jane@example.com", "call +1-555-0100", "SSN 123-45-6789", "card 4111 1111 1111 1111", "https://en.wikipedia.org/wiki/A", "https://evil.com"];
  const steps: Step[] = [];
  let now = 1;
  for (const tool of ["search_web", "calculator", "execute_shell", "read_file", "unknown_tool"]) {
    for (const text of texts) steps.push({ pre: tool, args: { q: text }, now: now++, cost: 0.5 });
    steps.push({ post: tool, output: texts, now: now++, cost: 1.5 });
  }
  return steps;
}

/** The labeled redaction corpus (every PII type and a sample of secret rules, evasions, clean near misses), as inputs and outputs. */
function corpusScenario(): Step[] {
  const records = buildCorpus({ perType: 1, clean: 60 });
  return records.map((r, i) => (i % 5 === 4 ? { post: "t", output: { text: r.text }, now: i + 1 } : { pre: "t", args: { text: r.text }, now: i + 1 }));
}

function header(op: number, now: bigint): ByteWriter {
  return new ByteWriter().u32(op).i64(now);
}

function malformedScenario(valid: Uint8Array): Step[] {
  const steps: Step[] = [{ raw: new Uint8Array(0), what: "empty" }];
  for (let cut = 1; cut < valid.length; cut += 2) steps.push({ raw: valid.slice(0, cut), what: `truncated at ${cut}` });
  steps.push({ raw: new Uint8Array([...valid, 0]), what: "trailing byte" });
  for (const op of [0, 5, 0xffffffff]) steps.push({ raw: header(op, 1n).copy(), what: `op ${op}` });
  steps.push(
    { raw: header(3, 1n).u32(2).copy(), what: "kill switch 2" },
    { raw: header(3, 1n).u32(1).u8(0).copy(), what: "kill switch, trailing" },
    { raw: header(4, 1n).u32(0).copy(), what: "reset, trailing" },
    { raw: header(1, 1n).str("t").i64(-1n).u32(0).u32(0).copy(), what: "negative cost" },
    { raw: header(2, 1n).str("t").i64(-5n).u32(0).u32(0).copy(), what: "negative post cost" },
    { raw: header(1, 1n).str("t").i64(0n).u32(0).u32(1).u32(0).u8(9).copy(), what: "value type 9" },
    { raw: header(1, 1n).str("t").i64(0n).u32(0).u32(2_000_000).copy(), what: "too many values" },
    { raw: header(1, 1n).str("x".repeat(5000)).i64(0n).u32(0).u32(0).copy(), what: "tool over 4096 bytes" },
    { raw: header(1, 1n).str("t").i64(0n).u32(0).u32(1).u32(1).u32(0xffffffff).u8(3).copy(), what: "wildcard in a request path" },
    { raw: header(1, 1n).str("t").i64(0n).u32(0).u32(1).u32(65).u8(3).copy(), what: "path of 65 segments" },
    { raw: header(1, 1n).str("t").i64(0n).u32(0).u32(1).u32(0).u8(2).u8(7).copy(), what: "bool byte 7 (accepted as is)" },
    { raw: header(1, -5n).str("t").i64(0n).u32(0).u32(0).copy(), what: "negative clock" },
  );
  const random = prng(0xec0de);
  for (let i = 0; i < 30; i++) {
    const bytes = new Uint8Array(Math.floor(random() * 80));
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
    if (bytes.length >= 4 && i % 2 === 0) bytes.set([1 + (i % 4), 0, 0, 0]); // a valid op, garbage after
    steps.push({ raw: bytes, what: `random ${i}` });
  }
  return steps;
}

const SCENARIOS: Scenario[] = [
  { name: "tools and globs", bundle: policy({ allowed_tools: ["search_*", "calc?", "fs.*", "get_weather", "écrire", "emoji*"], denied_tools: ["fs.delete*", "rm", "*admin*"] }), steps: toolsScenario },
  { name: "allow-listed domains", bundle: policy({ network: { enabled: true, allowed_domains: ["api.openai.com", "*.wikipedia.org", "good.example"], deny_all_other: true } }), steps: networkScenario },
  { name: "denied domains", bundle: policy({ network: { enabled: true, denied_domains: ["evil.com", "127.0.0.1", "::1", "bücher.example"], deny_all_other: false } }), steps: networkScenario },
  {
    name: "content rules",
    bundle: policy({
      content_rules: {
        enabled: true,
        block_patterns: [
          { name: "shell_injection" }, { name: "path_traversal" }, { name: "sql_injection" }, { name: "code_execution" },
          { name: "ticket", pattern: "TICKET-[0-9]+", action: "log" }, { name: "key", pattern: "sk-[a-z0-9]{8}", action: "redact" },
          { name: "in", pattern: "secret-in", applies_to: "input" }, { name: "out", pattern: "secret-out", applies_to: "output" },
        ],
      },
    }),
    steps: contentScenario,
  },
  {
    name: "argument rules",
    bundle: policy({
      argument_rules: {
        "fs.*": {
          path: { pattern: "/data/[a-z0-9/._-]+", denied_pattern: "\\.\\.", max_length: 64, required: true },
          mode: { allowed_values: ["r", "w"] },
          "opts.*": { denied_values: ["recursive"] },
        },
        transfer: { amount: { min: 0, max: 100 } },
      },
    }),
    steps: argumentScenario,
  },
  {
    name: "rate limits, cost, depth, sizes over time",
    bundle: policy({
      rate_limits: { enabled: true, per_tool: { search: { max_calls: 3, window_seconds: 10 }, "fs.*": { max_calls: 2, window_seconds: 1 } }, global_limit: { max_calls: 8, window_seconds: 5 } },
      max_call_depth: 4,
      resource_limits: { max_cost_usd: 6, max_cost_per_call_usd: 0.6 },
      max_input_size_bytes: 200,
      max_output_size_bytes: 100,
    }),
    steps: limitsScenario,
  },
  {
    name: "log mode",
    bundle: policy(
      { denied_tools: ["rm*"], network: { enabled: true, deny_all_other: true }, content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{8}" }, { name: "ticket", pattern: "ticket-[0-9]+", action: "block" }] } },
      { on_violation: "log" },
    ),
    steps: modeScenario,
  },
  {
    name: "redact mode",
    bundle: policy(
      { denied_tools: ["search"], content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{8}", action: "redact" }, { name: "ticket", pattern: "ticket-[0-9]+", action: "redact" }] } },
      { on_violation: "redact" },
    ),
    steps: modeScenario,
  },
  { name: "examples/default.yaml", bundle: example("default.yaml"), steps: exampleScenario },
  { name: "examples/strict.yaml", bundle: example("strict.yaml"), steps: exampleScenario },
  { name: "examples/pii_demo.yaml", bundle: example("pii_demo.yaml"), steps: exampleScenario },
  { name: "examples/child_extends.yaml", bundle: example("child_extends.yaml"), steps: exampleScenario },
  // Hundreds of tables: until the component loaded through the core's loadPolicy it derived none,
  // read their descriptors from low memory, and trapped here.
  { name: "every PII type and secret rule", bundle: policy({ pii_redaction: { enabled: true, categories: PII_PATTERNS.map((p) => p.category), secrets: { enabled: true } } }), steps: corpusScenario },
  // Answers longer than the fixed output region (2,339 violations) are built in the per-call
  // arena: both entries must point at them, up to the cap and past it (too_many_violations).
  { name: "answers that outgrow the output region", bundle: policy({ pii_redaction: { enabled: true, categories: ["email"] } }), steps: manyFindingsScenario },
];

function manyFindingsScenario(): Step[] {
  const emails = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@example.com`).join(" ");
  return [
    { pre: "t", args: { text: emails(2_339) }, now: 1 },
    { pre: "t", args: { text: emails(2_340) }, now: 2 },
    { post: "t", output: [emails(3_000), emails(3_000)], now: 3 },
    { pre: "t", args: { text: "a@b.co" }, now: 4 }, // back in the fixed region
    { pre: "t", args: { text: emails(65_537) }, now: 5 },
  ];
}

/** The request bytes the real host would send: produced by the core Engine's own encoder. */
function encode(encoder: Engine, step: Step): Uint8Array {
  if ("raw" in step) return step.raw;
  if ("pre" in step) encoder.preCall({ tool: step.pre, args: step.args ?? {}, now: step.now, costEstimateUsd: step.cost ?? 0 });
  else if ("post" in step) encoder.postCall({ tool: step.post, output: step.output ?? null, now: step.now, costUsd: step.cost ?? 0 });
  else if ("kill" in step) encoder.setKillSwitch(step.kill, step.now);
  else encoder.resetState(step.now);
  return encoder.lastRequest().slice();
}

const describeStep = (s: Step) => ("raw" in s ? `raw ${s.what}` : JSON.stringify(s, (_k, v) => (typeof v === "string" && v.length > 40 ? `${v.slice(0, 40)}…` : v)));

// ---- the tests ----------------------------------------------------------------------------------------

let tmp = "";
let coreModule: WebAssembly.Module;
let coreWasm: Buffer;
let componentBytes: Buffer;
let instantiate: Instantiate;
/** Filled by the corpus test, replayed by the wasmtime test. */
let replayCorpus: { bundle: Uint8Array; requests: Uint8Array[]; expected: Outcome[] }[] = [];
const getCoreModule = (dir: string) => async (path: string) => WebAssembly.compile(readFileSync(join(dir, path)));

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "enforcecore-component-test-"));
  const node = (script: string, ...args: string[]) => execFileSync(process.execPath, [join(root, "scripts", script), ...args], { cwd: root, stdio: "pipe" });
  node("build-engine.mjs", "--out", join(tmp, "engine.wasm"));
  node("build-component.mjs", "--out-dir", join(tmp, "a"));
  coreWasm = readFileSync(join(tmp, "engine.wasm"));
  coreModule = new WebAssembly.Module(coreWasm as BufferSource);
  componentBytes = readFileSync(join(tmp, "a/engine.component.wasm"));
  ({ instantiate } = (await import(pathToFileURL(join(tmp, "a/component-js/engine.js")).href)) as { instantiate: Instantiate });
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("component build", () => {
  it("is byte-reproducible", () => {
    execFileSync(process.execPath, [join(root, "scripts/build-component.mjs"), "--out-dir", join(tmp, "b")], { cwd: root, stdio: "pipe" });
    expect(sha256(readFileSync(join(tmp, "b/engine.component.wasm")))).toBe(sha256(componentBytes));
  }, 120_000);

  it("exports world engine exactly, and its core imports nothing", () => {
    const wit = execFileSync(process.execPath, [join(root, "node_modules/@bytecodealliance/jco/dist/jco.js"), "wit", join(tmp, "a/engine.component.wasm")], { encoding: "utf8" });
    const exports = wit.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("export ") || l.startsWith("import ")).sort();
    expect(exports).toEqual([
      "export abi-version: func() -> u32;",
      "export evaluate: func(request: list<u8>) -> result<list<u8>, s32>;",
      "export load-error-offset: func() -> s32;",
      "export load: func(bundle: list<u8>) -> result<_, s32>;",
      "export max-reports: func() -> u32;",
    ]);
    const core = new WebAssembly.Module(readFileSync(join(tmp, "a/component-core.wasm")));
    expect(WebAssembly.Module.imports(core)).toEqual([]);
  }, 240_000);

  it("speaks the core's ABI version and fails closed before a policy is loaded", async () => {
    const c = await instantiate(getCoreModule(join(tmp, "a/component-js")), {});
    const core = new RawCore(coreModule);
    expect(c.abiVersion()).toBe(ENGINE_ABI_VERSION);
    expect(createEngineSync(coreWasm).engineDigest).toBe(sha256(coreWasm)); // the core accepted the same version
    expect(c.maxReports()).toBe(createEngineSync(coreWasm).maxReports);
    expect(c.loadErrorOffset()).toBe(-1);
    const request = header(4, 1n).copy();
    expect(componentEvaluate(c, request)).toEqual({ error: -1 });
    expect(core.evaluateUnloaded(request.length)).toEqual({ error: -1 });
  });
});

describe("component answers exactly as the core engine", () => {
  it("rejects the same malformed bundles at the same byte", async () => {
    const c = await instantiate(getCoreModule(join(tmp, "a/component-js")), {});
    const core = new RawCore(coreModule);
    const good = policy({ denied_tools: ["rm"], content_rules: { enabled: true, block_patterns: [{ name: "t", pattern: "ticket-[0-9]+" }] } })();
    const bad: Uint8Array[] = [new Uint8Array(0), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), new Uint8Array([...good, 0])];
    for (let cut = 4; cut < good.length; cut += Math.max(1, Math.floor(good.length / 40))) bad.push(good.slice(0, cut));
    for (const at of [8, 12, 40, 60, 100]) {
      const flipped = good.slice();
      flipped[at] = (flipped[at] ?? 0) ^ 0xff;
      bad.push(flipped);
    }
    const probe = header(1, 1n).str("rm").i64(0n).u32(0).u32(0).copy();
    for (const bundle of bad) {
      const want = core.load(bundle);
      expect(componentLoad(c, bundle), `bundle of ${bundle.length} bytes`).toEqual(want);
      expect(componentEvaluate(c, probe)).toEqual(core.evaluate(probe)); // no policy after a failed load (or the same one)
    }
    expect(componentLoad(c, good)).toEqual({ code: 0, offset: -1 });
    core.load(good);
    expect(componentEvaluate(c, probe)).toEqual(core.evaluate(probe));
  });

  it("for a corpus of varied requests, across policy reloads in one instance", async () => {
    const c = await instantiate(getCoreModule(join(tmp, "a/component-js")), {});
    const core = new RawCore(coreModule);
    const counts = { requests: 0, allow: 0, deny: 0, logged: 0, redact: 0, errors: 0, violations: 0 };
    const corpus: { bundle: Uint8Array; requests: Uint8Array[]; expected: Outcome[] }[] = [];
    const scenarios = [...SCENARIOS, { name: "malformed requests", bundle: SCENARIOS[0]!.bundle, steps: () => [] as Step[] }];
    for (const scenario of scenarios) {
      const bundle = scenario.bundle();
      expect(core.load(bundle), scenario.name).toEqual({ code: 0, offset: -1 });
      expect(componentLoad(c, bundle), scenario.name).toEqual({ code: 0, offset: -1 });
      const encoder = createEngineSync(coreModule, { digest: "encoder" });
      encoder.loadPolicy(bundle);
      let steps = scenario.steps();
      if (steps.length === 0) steps = malformedScenario(encode(encoder, { pre: "search_web", args: { q: "x", n: 1, ok: true, no: null }, now: 5, cost: 0.01 }));
      const entry = { bundle, requests: [] as Uint8Array[], expected: [] as Outcome[] };
      for (const step of steps) {
        const request = encode(encoder, step);
        const want = core.evaluate(request);
        const got = componentEvaluate(c, request);
        const where = `${scenario.name}: ${describeStep(step)}`;
        expect(got, where).toEqual(want);
        expect(decoded(got), where).toEqual(decoded(want));
        entry.requests.push(request);
        entry.expected.push(want);
        counts.requests++;
        if ("error" in want) counts.errors++;
        else {
          const d = decoded(want) as RawAnswer;
          counts.violations += d.violations.length;
          if (d.decision === 0) counts.allow++;
          else if (d.decision === 1) counts.deny++;
          else if (d.decision === 2) counts.logged++;
          else counts.redact++;
        }
      }
      corpus.push(entry);
    }
    // The corpus really is varied: every decision kind and many error cases occur.
    expect(counts.requests).toBeGreaterThanOrEqual(200);
    expect(counts.allow).toBeGreaterThanOrEqual(30);
    expect(counts.deny).toBeGreaterThanOrEqual(30);
    expect(counts.logged).toBeGreaterThanOrEqual(5);
    expect(counts.redact).toBeGreaterThanOrEqual(5);
    expect(counts.errors).toBeGreaterThanOrEqual(30);
    replayCorpus = corpus;
  }, 240_000);

  const python = process.env["ENFORCECORE_WASMTIME_PYTHON"];
  it.skipIf(!python)("also through wasmtime (ENFORCECORE_WASMTIME_PYTHON)", () => {
    expect(replayCorpus.length).toBeGreaterThan(0);
    const file = join(tmp, "corpus.json");
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    writeFileSync(file, JSON.stringify(replayCorpus.map((e) => ({ bundle: hex(e.bundle), requests: e.requests.map(hex) }))));
    const out = execFileSync(python!, ["-c", WASMTIME_REPLAY, join(tmp, "a/engine.component.wasm"), file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const results = JSON.parse(out) as (string | number)[][];
    expect(results.length).toBe(replayCorpus.length);
    replayCorpus.forEach((e, i) => {
      const want = e.expected.map((o) => ("error" in o ? o.error : hex(o.answer)));
      expect(results[i]).toEqual(want);
    });
  }, 120_000);
});

/** Loads each bundle into ONE wasmtime component instance and prints every answer (hex) or error code. */
const WASMTIME_REPLAY = `
import json, sys, wasmtime, wasmtime.component as wc
engine = wasmtime.Engine()
store = wasmtime.Store(engine)
inst = wc.Linker(engine).instantiate(store, wc.Component.from_file(engine, sys.argv[1]))
load, evaluate, abi = (inst.get_func(store, n) for n in ("load", "evaluate", "abi-version"))
assert abi(store) == 1
out = []
for entry in json.load(open(sys.argv[2])):
    assert load(store, bytes.fromhex(entry["bundle"])) is None
    answers = []
    for req in entry["requests"]:
        r = evaluate(store, bytes.fromhex(req))
        answers.append(r.hex() if isinstance(r, bytes) else r)
    out.append(answers)
print(json.dumps(out))
`;
