// Peers, side by side, in one run: `node bench/peers.mjs [--json] [--quick]`
//
//   1. allow/deny decision: enforcecore engine.preCall against @cedar-policy/cedar-wasm
//      statefulIsAuthorized (preparsed policies), the same requests to both; and the load time of
//      each (fresh processes, bench/peers-cold-child.mjs).
//   2. scanning throughput: the engine running the six PII categories of the original, against the
//      same six patterns run by V8 RegExp and by re2js, on 1 KB … 1 MB texts (mixed and clean).
//   3. adversarial input ('a' × n, no match possible): V8 backtracks, the engine and re2js do not.
//      V8 runs in a worker thread that is terminated at a time cap.
//
//   --json        print JSON instead of Markdown and write it to bench/results/peers.json
//                 (bench/results/peers.quick.tmp.json with --quick, git-ignored)
//   --quick       far fewer samples (a smoke run, under 20 s; numbers not meaningful)
//   --out FILE    write the JSON to FILE (with or without --json)
//   --no-write    write no file
//   --from FILE   print the Markdown of a saved JSON report (runs nothing)
//
// Nothing is asserted about speed. The exit code is 1 only if the comparison itself is broken:
// dist/ or a peer is missing, or enforcecore and cedar disagree on any request, or the engine gives
// an unexpected decision on a benchmark text. docs/BENCHMARKS.md ("Peers, side by side") explains
// what each row measures and where the peers are not doing the same work.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { machineInfo, machineLine, measure, summarize, timerOverheadNs } from "./harness.mjs";
import { prng as mulberry32 } from "../build/tsc/eval/redaction/checksums.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => {
  const i = argv.indexOf(f);
  return i >= 0 ? argv[i + 1] : undefined;
};
const JSON_OUT = flag("--json");
const QUICK = flag("--quick");
const NO_WRITE = flag("--no-write");
const OUT = opt("--out");
const FROM = opt("--from");
const log = (msg) => process.stderr.write(`${msg}\n`);

if (FROM) {
  process.stdout.write(`${toMarkdown(JSON.parse(readFileSync(resolve(FROM), "utf8")))}\n`);
  process.exit(0);
}

const distNode = join(root, "dist/node.js");
if (!existsSync(distNode)) {
  log("dist/node.js is missing: run `npm run build` first.");
  process.exit(1);
}
const require = createRequire(import.meta.url);
const t0All = Date.now();
const machine = machineInfo();
log(`machine: ${machineLine(machine)}`);
const timer = timerOverheadNs(QUICK ? 10_000 : 100_000);

const api = await import(distNode);
const { compilePolicyObject, loadEngineSync, ENGINE_DIGEST } = api;

// cedar is loaded after our import, and after V8's wasm compiler has been started by nothing else;
// its in-process load is recorded, but the comparable load numbers are the fresh-process ones.
let cedar;
let cedarInProcessMs;
try {
  const t = process.hrtime.bigint();
  cedar = require("@cedar-policy/cedar-wasm/nodejs");
  cedarInProcessMs = Number(process.hrtime.bigint() - t) / 1e6;
} catch (err) {
  log(`@cedar-policy/cedar-wasm is not installed (npm install --save-exact -D @cedar-policy/cedar-wasm@4.13.0): ${err.message}`);
  process.exit(1);
}
const { RE2JS } = await import("re2js");
const versions = {
  enforcecoreEngine: ENGINE_DIGEST,
  cedar: cedar.getCedarVersion(),
  cedarWasm: JSON.parse(readFileSync(join(dirname(require.resolve("@cedar-policy/cedar-wasm/nodejs")), "package.json"), "utf8")).version,
  re2js: JSON.parse(readFileSync(join(dirname(require.resolve("re2js")), "..", "package.json"), "utf8")).version,
  node: process.version,
  v8: process.versions.v8,
};

class BenchBroken extends Error {}
const notes = [];

// ---- budgets ------------------------------------------------------------------------------------
const B = QUICK
  ? { decWarm: 200, decIt: 1_000, procs: 2, reloadIt: 20, scanBudgetMs: 60, scanMinIt: 3, scanMaxIt: 500, capMs: 1_000, advBudgetMs: 60 }
  : { decWarm: 3_000, decIt: 20_000, procs: 7, reloadIt: 300, scanBudgetMs: 1_200, scanMinIt: 10, scanMaxIt: 20_000, capMs: 3_000, advBudgetMs: 400 };

/** measure() with as many samples as fit in a time budget (between minIt and maxIt). */
function budgeted(name, fn, { budgetMs, minIt, maxIt, between }) {
  // The calls that estimate the cost of one call also count as warm-up.
  const est = QUICK ? 1 : 3;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < est; i++) {
    const t = process.hrtime.bigint();
    fn(0);
    const dt = Number(process.hrtime.bigint() - t);
    if (between) between(i);
    if (dt < best) best = dt;
  }
  const iterations = Math.max(minIt, Math.min(maxIt, Math.floor((budgetMs * 1e6) / Math.max(1, best))));
  const warmup = QUICK ? 0 : Math.max(0, Math.min(1_000, Math.ceil(iterations / 5)) - est);
  return measure(name, fn, { warmup, iterations, batch: 1, between });
}

const pick = (s) => ({ iterations: s.iterations, p50: s.p50, p95: s.p95, p99: s.p99, p999: s.p999, mean: s.mean, min: s.min, max: s.max });
const ratio = (peer, ours) => Math.round((peer / ours) * 100) / 100;

// ---- 1. allow/deny decision: enforcecore vs cedar ------------------------------------------------
log("decision: enforcecore vs cedar …");
const ALLOWED = [
  "search_web", "fetch_url", "read_file", "write_file", "list_directory", "send_email", "calendar_list_events", "calendar_create_event",
  "github_list_issues", "github_create_issue", "jira_get_ticket", "slack_post_message", "db_query", "vector_search", "translate_text", "summarize_document",
];
const DENIED = ["execute_shell", "delete_file", "db_drop_table", "transfer_funds", "send_email", "write_file"];
const UNLISTED = ["format_disk", "http_post", "unknown_tool", "github_delete_repo"];
const decisionPolicy = { name: "peers-allow-deny", version: "1.0", rules: { allowed_tools: ALLOWED, denied_tools: DENIED }, on_violation: "block" };
const cedarList = (xs) => xs.map((x) => `Action::"${x}"`).join(", ");
const CEDAR_TEXT = [
  `permit (principal == Agent::"agent-1", action in [${cedarList(ALLOWED)}], resource);`,
  `forbid (principal, action in [${cedarList(DENIED)}], resource);`,
].join("\n");
const cedarCall = (tool) => ({
  principal: { type: "Agent", id: "agent-1" },
  action: { type: "Action", id: tool },
  resource: { type: "Resource", id: "default" },
  context: {},
  entities: [],
  preparsedPolicySetId: "peers",
});
const cedarAllows = (ans) => {
  if (ans.type !== "success") throw new BenchBroken(`cedar answered ${JSON.stringify(ans)}`);
  return ans.response.decision === "allow";
};

const decision = { tools: new Set([...ALLOWED, ...DENIED]).size, allowed: ALLOWED, denied: DENIED, unlisted: UNLISTED, cedarPolicy: CEDAR_TEXT, agreement: null, rows: [], load: null };
const decisionBundle = compilePolicyObject(decisionPolicy);
{
  const engine = loadEngineSync();
  engine.loadPolicy(decisionBundle);
  const parsed = cedar.preparsePolicySet("peers", { staticPolicies: CEDAR_TEXT });
  if (parsed.type !== "success") throw new BenchBroken(`cedar: policy does not parse: ${JSON.stringify(parsed)}`);

  // Every request to both, before any timing: the answers must agree, and be the intended ones.
  let now = 1_000_000;
  const requests = [...new Set([...ALLOWED, ...DENIED, ...UNLISTED])];
  const answers = [];
  for (const tool of requests) {
    const expected = ALLOWED.includes(tool) && !DENIED.includes(tool);
    const d = engine.preCall({ tool, args: {}, now });
    if (d.allowed) engine.postCall({ tool, output: null, now });
    const c = cedarAllows(cedar.statefulIsAuthorized(cedarCall(tool)));
    answers.push({ tool, expected: expected ? "allow" : "deny", enforcecore: d.decision, cedar: c ? "allow" : "deny" });
    if (d.allowed !== expected || c !== expected || (d.allowed && d.decision !== "allow")) {
      throw new BenchBroken(`decision mismatch on ${tool}: expected ${expected ? "allow" : "deny"}, enforcecore ${d.decision}, cedar ${c ? "allow" : "deny"}`);
    }
  }
  decision.agreement = { requests: requests.length, agree: answers.length, answers };

  const cases = [
    { label: "allowed (in the allow list)", tool: "search_web", allow: true },
    { label: "denied (in the deny list)", tool: "execute_shell", allow: false },
    { label: "denied (in both lists: deny wins)", tool: "send_email", allow: false },
    { label: "denied (in neither list)", tool: "format_disk", allow: false },
  ];
  for (const c of cases) {
    const req = { tool: c.tool, args: {}, now };
    const tick = () => {
      now += 1000;
      return now;
    };
    const ours = measure(`enforcecore preCall: ${c.tool}`, () => engine.preCall({ ...req, now: tick() }), {
      warmup: B.decWarm,
      iterations: B.decIt,
      between: c.allow ? () => engine.postCall({ tool: c.tool, output: null, now }) : undefined,
    });
    const call = cedarCall(c.tool);
    const theirs = measure(`cedar statefulIsAuthorized: ${c.tool}`, () => cedar.statefulIsAuthorized(call), { warmup: B.decWarm, iterations: B.decIt });
    decision.rows.push({ label: c.label, tool: c.tool, decision: c.allow ? "allow" : "deny", enforcecore: pick(ours), cedar: pick(theirs), ratioP50: ratio(theirs.p50, ours.p50), ratioP99: ratio(theirs.p99, ours.p99) });
  }

  // Load: fresh processes (the honest cold start), and replacing the policy of a live instance.
  log("decision: load times (fresh processes) …");
  const dir = mkdtempSync(join(tmpdir(), "enforcecore-peers-"));
  const fresh = { enforcecore: [], cedar: [] };
  try {
    const bundleFile = join(dir, "peers.bundle");
    const cedarFile = join(dir, "peers.cedar");
    writeFileSync(bundleFile, decisionBundle.bytes);
    writeFileSync(cedarFile, CEDAR_TEXT);
    for (let i = 0; i < B.procs; i++) {
      for (const [which, file] of [["enforcecore", bundleFile], ["cedar", cedarFile]]) {
        const outp = execFileSync(process.execPath, [join(here, "peers-cold-child.mjs"), which, file], { encoding: "utf8" });
        const r = JSON.parse(outp.trim().split("\n").at(-1));
        if (r.firstDecision !== "allow") throw new BenchBroken(`${which} cold child: first decision ${r.firstDecision}, expected allow`);
        fresh[which].push(r);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const phase = (which, f) => summarize(which, fresh[which].map((r) => f(r) * 1000)); // µs → ns for summarize
  const loadRows = [];
  const addLoad = (label, f) => {
    const e = phase("enforcecore", f);
    const c = phase("cedar", f);
    loadRows.push({ label, enforcecoreMs: e.p50 / 1000, cedarMs: c.p50 / 1000, enforcecoreMaxMs: e.max / 1000, cedarMaxMs: c.max / 1000, ratioP50: ratio(c.p50, e.p50) });
  };
  addLoad("module → instance (ours: decode + compile + instantiate; cedar: require = glue + read 4.3 MB + compile + instantiate)", (r) => r.instantiate);
  addLoad("load the policy (ours: loadPolicy(bundle bytes); cedar: preparsePolicySet(text))", (r) => r.load);
  addLoad("instance + policy", (r) => r.instantiate + r.load);
  addLoad("instance + policy + first decision", (r) => r.instantiate + r.load + r.first);
  addLoad("second decision", (r) => r.second);

  const reloadEngine = loadEngineSync();
  const ourReload = measure("enforcecore loadPolicy(bundle bytes) into a live engine", () => reloadEngine.loadPolicy(decisionBundle.bytes), { warmup: 20, iterations: B.reloadIt });
  const cedarReload = measure("cedar preparsePolicySet(text) in a live instance", () => cedar.preparsePolicySet("reload", { staticPolicies: CEDAR_TEXT }), { warmup: 20, iterations: B.reloadIt });
  decision.load = {
    processes: B.procs,
    fresh: loadRows,
    importDistNodeMs: phase("enforcecore", (r) => r.import).p50 / 1000,
    cedarRequireInThisProcessMs: Math.round(cedarInProcessMs * 1000) / 1000,
    reload: { enforcecore: pick(ourReload), cedar: pick(cedarReload), ratioP50: ratio(cedarReload.p50, ourReload.p50) },
    wasmBytes: { enforcecore: api.engineWasmBytes().length, cedar: readFileSync(join(dirname(require.resolve("@cedar-policy/cedar-wasm/nodejs")), "cedar_wasm_bg.wasm")).length },
    bundleBytes: decisionBundle.bytes.length,
  };
}

// ---- 2. scanning throughput -------------------------------------------------------------------------
log("scanning: enforcecore vs V8 RegExp vs re2js …");
// The six PII patterns of engine/compiler/pii.ts (copied: dist/ does not export them; checked against
// the source below). V8 and re2js run them one after another with the g flag / find(); the engine
// runs them as DFAs inside one preCall, plus its exact checks (boundaries, Luhn, SSN rules, octets).
const PII = [
  ["email", "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"],
  ["phone", "(?:\\+?1[-. ]?)?(?:\\([0-9]{3}\\)|[0-9]{3})[-. ]?[0-9]{3}[-. ]?[0-9]{4}"],
  ["ssn", "[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{9}"],
  ["credit_card", "[0-9]{4}(?:[- ]?[0-9]{4}){2}[- ]?[0-9]{1,4}|[0-9]{4}[- ]?[0-9]{6}[- ]?[0-9]{5}"],
  ["ip_address", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"],
  ["passport", "[A-Z]{1,2}[0-9]{6,9}"],
];
const CATS = PII.map(([c]) => c);
{
  const src = join(root, "engine/compiler/pii.ts");
  if (existsSync(src)) {
    const text = readFileSync(src, "utf8");
    const stale = PII.filter(([, s]) => !text.includes(JSON.stringify(s).slice(1, -1)));
    if (stale.length > 0) notes.push(`engine/compiler/pii.ts no longer contains the peer patterns of ${stale.map(([c]) => c).join(", ")}: update bench/peers.mjs`);
  }
}

// Deterministic texts: prose (lower-case words, capitalised sentences, no digits, no '@'), and for
// the mixed text one PII sentence every ~1,100 bytes, the categories in rotation.
const WORDS = (
  "the agent reads a report about quarterly results and then drafts a short reply for the team while the " +
  "scheduler waits on the queue because every request needs review before anything leaves the sandbox so the " +
  "operator checks logs metrics traces budgets and notes from yesterday about the migration plan which moved " +
  "three services into a new cluster with better isolation stronger defaults and fewer surprises overall"
).split(" ");
function luhnComplete(prefixDigits, length, r) {
  const d = [...prefixDigits];
  while (d.length < length - 1) d.push(Math.floor(r() * 10));
  let sum = 0;
  for (let i = d.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let v = d[i];
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  d.push((10 - (sum % 10)) % 10);
  return d.join("");
}
const num = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pad = (n, w) => String(n).padStart(w, "0");
const ENTITY = {
  email: (r) => `Please write to ${WORDS[num(r, 0, WORDS.length - 1)]}.${WORDS[num(r, 0, WORDS.length - 1)]}${num(r, 1, 99)}@mail${num(r, 1, 9)}.example.org about the draft.`,
  phone: (r) => {
    const [a, b, c] = [num(r, 201, 989), num(r, 200, 999), pad(num(r, 0, 9999), 4)];
    const f = [`(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `+1 ${a} ${b} ${c}`, `${a}.${b}.${c}`][num(r, 0, 3)];
    return `You can call ${f} after lunch.`;
  },
  credit_card: (r) => {
    const k = num(r, 0, 2);
    if (k === 2) {
      const d = luhnComplete([3, 7], 15, r);
      return `Charge the card ${d.slice(0, 4)} ${d.slice(4, 10)} ${d.slice(10)} for the order.`;
    }
    const d = luhnComplete(k === 0 ? [4] : [5, num(r, 1, 5)], 16, r);
    const sep = r() < 0.5 ? " " : "-";
    return `Charge the card ${d.match(/.{4}/g).join(sep)} for the order.`;
  },
  ssn: (r) => `The form lists ${pad(num(r, 1, 665), 3)}-${pad(num(r, 1, 99), 2)}-${pad(num(r, 1, 9999), 4)} as the number.`,
  ip_address: (r) => `The server at ${num(r, 10, 223)}.${num(r, 0, 255)}.${num(r, 0, 255)}.${num(r, 1, 254)} stopped responding.`,
  passport: (r) => `Passport ${String.fromCharCode(65 + num(r, 0, 25))}${pad(num(r, 0, 9999999), 7)} expires soon.`,
};
function makeText(size, mixed, seed) {
  const r = mulberry32(seed);
  const parts = [];
  let len = 0;
  let next = 200;
  let k = 0;
  const planted = Object.fromEntries(CATS.map((c) => [c, 0]));
  const push = (s) => {
    parts.push(s);
    len += s.length + 1;
  };
  while (len < size) {
    if (mixed && len >= next) {
      const cat = CATS[k++ % CATS.length];
      const s = ENTITY[cat](r);
      if (len + s.length + 1 > size) break;
      push(s);
      planted[cat]++;
      next += 1_100;
      continue;
    }
    const n = num(r, 6, 16);
    const words = Array.from({ length: n }, () => WORDS[num(r, 0, WORDS.length - 1)]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    push(`${words.join(" ")}.`);
  }
  let text = parts.join(" ");
  // Exact size: cut inside the last prose sentence or pad with letters (never inside an entity:
  // the loop above stops before an entity that would not fit).
  if (text.length > size) text = text.slice(0, size);
  while (text.length < size) text += " lorem".slice(0, size - text.length);
  return { text, planted: mixed ? planted : Object.fromEntries(CATS.map((c) => [c, 0])) };
}

const SIZES = [1_000, 10_000, 100_000, 1_000_000];
const v8Res = PII.map(([, s]) => new RegExp(s, "g"));
const re2Res = PII.map(([, s]) => RE2JS.compile(s));
function v8Counts(text) {
  return v8Res.map((re) => {
    re.lastIndex = 0;
    let c = 0;
    while (re.exec(text) !== null) c++;
    return c;
  });
}
function re2Counts(text) {
  return re2Res.map((p) => {
    const m = p.matcher(text);
    let c = 0;
    while (m.find()) c++;
    return c;
  });
}
const piiEngine = loadEngineSync();
piiEngine.loadPolicy(compilePolicyObject({ name: "peers-pii", version: "1.0", rules: { pii_redaction: { enabled: true, categories: CATS } } }));
const SCAN_TOOL = "scan_text";
const scanNow = 1;
function ourCounts(d) {
  const counts = Object.fromEntries(CATS.map((c) => [c, 0]));
  for (const v of d.violations) {
    if (v.type !== "pii") throw new BenchBroken(`engine reported ${v.type} on a benchmark text: ${v.reason}`);
    counts[v.rule.split(".").at(-1)]++;
  }
  return CATS.map((c) => counts[c]);
}

const scanning = { method: "", texts: [], rows: [] };
for (const mixed of [true, false]) {
  for (const size of SIZES) {
    const { text, planted } = makeText(size, mixed, 0x5eed + size);
    const kind = mixed ? "mixed" : "clean";
    log(`  ${kind} ${sizeLabel(size)} …`);
    const d = piiEngine.preCall({ tool: SCAN_TOOL, args: { text }, now: scanNow });
    const expectDecision = mixed && Object.values(planted).some((n) => n > 0) ? "redact" : "allow";
    if (d.decision !== expectDecision) throw new BenchBroken(`engine decision ${d.decision} on the ${kind} ${sizeLabel(size)} text, expected ${expectDecision}`);
    if (d.allowed) piiEngine.postCall({ tool: SCAN_TOOL, output: null, now: scanNow });
    const counts = { planted: CATS.map((c) => planted[c]), enforcecore: ourCounts(d), v8: v8Counts(text), re2js: re2Counts(text) };
    const capped = counts.enforcecore.some((n) => n >= 256);
    if (capped) notes.push(`${kind} ${sizeLabel(size)}: the engine hit its 256 matches per category per string, its scan stopped early`);
    scanning.texts.push({ kind, bytes: size, counts });
    const requestBytes = (() => {
      piiEngine.preCall({ tool: SCAN_TOOL, args: { text }, now: scanNow });
      const b = piiEngine.lastRequest().slice();
      piiEngine.postCall({ tool: SCAN_TOOL, output: null, now: scanNow });
      return b;
    })();
    const o = { budgetMs: B.scanBudgetMs, minIt: B.scanMinIt, maxIt: B.scanMaxIt };
    const release = () => piiEngine.postCall({ tool: SCAN_TOOL, output: null, now: scanNow });
    const rows = [
      ["enforcecore preCall", budgeted("enforcecore", () => piiEngine.preCall({ tool: SCAN_TOOL, args: { text }, now: scanNow }), { ...o, between: release })],
      ["enforcecore evaluateRaw (prebuilt request)", budgeted("enforcecore raw", () => piiEngine.evaluateRaw(requestBytes), { ...o, between: release })],
      ["V8 RegExp (6 patterns, g)", budgeted("v8", () => v8Counts(text), o)],
      ["re2js 2.10 (6 patterns, find)", budgeted("re2js", () => re2Counts(text), o)],
    ];
    // On a clean text a yes/no answer needs the whole text too: re2js test() runs its DFA only.
    if (!mixed) rows.push(["re2js 2.10 test() (6 patterns, yes/no only)", budgeted("re2js test", () => re2Res.map((p) => p.test(text)), o)]);
    const oursP50 = rows[0][1].p50;
    for (const [engineName, s] of rows) {
      scanning.rows.push({ kind, bytes: size, engine: engineName, ...pick(s), mbPerS: Math.round((size / s.p50) * 10) / 10, ratioP50: ratio(s.p50, oursP50) });
    }
  }
}

// ---- 3. adversarial input -----------------------------------------------------------------------
log("adversarial: 'a' × n …");
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const re = new RegExp(workerData.src, "g");
const text = "a".repeat(workerData.n);
for (let i = 0; i < workerData.reps; i++) {
  re.lastIndex = 0;
  const t0 = process.hrtime.bigint();
  let c = 0;
  while (re.exec(text) !== null) c++;
  parentPort.postMessage({ us: Number(process.hrtime.bigint() - t0) / 1000, count: c });
}
parentPort.postMessage({ done: true });
`;
/** V8 RegExp in a worker thread: up to `reps` samples, terminated once capMs have passed. */
function v8Capped(src, n, reps, capMs) {
  return new Promise((resolvePromise, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { src, n, reps } });
    const samples = [];
    let count = null;
    let timer = null;
    const finish = (timedOut) => {
      clearTimeout(timer);
      w.terminate().then(() => resolvePromise({ samples, count, timedOut }));
    };
    w.on("online", () => {
      timer = setTimeout(() => finish(true), capMs);
    });
    w.on("message", (m) => {
      if (m.done) return finish(false);
      samples.push(m.us);
      count = m.count;
    });
    w.on("error", reject);
  });
}
const ADV = [
  { label: "a[^z]*z", src: "a[^z]*z", rules: (action) => ({ content_rules: { enabled: true, block_patterns: [{ name: "adversarial", pattern: "a[^z]*z", action }] } }) },
  { label: "email pattern", src: PII[0][1], rules: () => ({ pii_redaction: { enabled: true, categories: ["email"] } }) },
  { label: "a|a[^z]*z", src: "a|a[^z]*z", rules: (action) => ({ content_rules: { enabled: true, block_patterns: [{ name: "adversarial", pattern: "a|a[^z]*z", action }] } }) },
];
const adversarial = { capMs: B.capMs, rows: [] };
for (const c of ADV) {
  const engine = loadEngineSync();
  engine.loadPolicy(compilePolicyObject({ name: "peers-adversarial", version: "1.0", rules: c.rules("redact") }));
  const re2 = RE2JS.compile(c.src);
  for (const n of [10_000, 100_000]) {
    log(`  ${c.label}, n = ${n} …`);
    const text = "a".repeat(n);
    const v8 = await v8Capped(c.src, n, QUICK ? 2 : 5, B.capMs);
    const d = engine.preCall({ tool: SCAN_TOOL, args: { text }, now: 1 });
    if (d.allowed) engine.postCall({ tool: SCAN_TOOL, output: null, now: 1 });
    const o = { budgetMs: B.advBudgetMs, minIt: QUICK ? 3 : 10, maxIt: 2_000 };
    const ours = budgeted("enforcecore", () => engine.preCall({ tool: SCAN_TOOL, args: { text }, now: 1 }), {
      ...o,
      between: () => engine.postCall({ tool: SCAN_TOOL, output: null, now: 1 }),
    });
    let re2Count = 0;
    const theirs = budgeted(
      "re2js",
      () => {
        const m = re2.matcher(text);
        let k = 0;
        while (m.find()) k++;
        re2Count = k;
      },
      o,
    );
    const v8s = v8.samples.length > 0 ? summarize("v8", v8.samples.map((x) => x * 1000)) : null;
    adversarial.rows.push({
      pattern: c.label,
      n,
      v8: { samples: v8.samples.length, p50: v8s?.p50 ?? null, max: v8s?.max ?? null, timedOut: v8.timedOut, matches: v8.count },
      re2js: { ...pick(theirs), matches: re2Count },
      enforcecore: { ...pick(ours), matches: d.violations.length, decision: d.decision },
      ratioP50: v8s ? ratio(v8s.p50, ours.p50) : null,
      ratioAtLeast: v8s ? null : Math.floor((B.capMs * 1000) / ours.p50),
    });
  }
}

// ---- report -------------------------------------------------------------------------------------
const report = {
  schema: 1,
  date: new Date().toISOString(),
  command: `node bench/peers.mjs${argv.length ? ` ${argv.join(" ")}` : ""}`,
  quick: QUICK,
  durationMs: Date.now() - t0All,
  machine: { ...machine, loadavgEnd: machineInfo().loadavg },
  timerOverheadNs: timer,
  versions,
  categories: CATS,
  decision,
  scanning,
  adversarial,
  notes: [
    "Times in µs unless a unit says otherwise; percentiles are nearest rank, per call (batch 1). ratio = peer time ÷ enforcecore time at the same percentile: above 1, enforcecore is faster.",
    "MB/s = 10^6 bytes per second at the p50 time. Text sizes are 1,000 / 10,000 / 100,000 / 1,000,000 ASCII bytes.",
    ...notes,
  ],
};
const json = `${JSON.stringify(report, null, 2)}\n`;
const outFile = OUT ? resolve(OUT) : JSON_OUT && !NO_WRITE ? join(here, "results", QUICK ? "peers.quick.tmp.json" : "peers.json") : null;
if (outFile && !NO_WRITE) {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, json);
  log(`wrote ${outFile}`);
}
process.stdout.write(JSON_OUT ? json : `${toMarkdown(report)}\n`);

// ---- Markdown -----------------------------------------------------------------------------------
function sizeLabel(n) {
  return n >= 1_000_000 ? `${n / 1_000_000} MB` : `${n / 1_000} KB`;
}

function toMarkdown(r) {
  const f = (x) => {
    if (x === null || x === undefined || Number.isNaN(x)) return "—";
    const a = Math.abs(x);
    if (a >= 1000) return Math.round(x).toLocaleString("en-US");
    if (a >= 100) return x.toFixed(0);
    if (a >= 10) return x.toFixed(1);
    return x.toFixed(2);
  };
  const x = (v) => (v === null || v === undefined ? "—" : `${f(v)}×`);
  const m = r.machine;
  const L = [];
  L.push(`- Machine: ${machineLine(m)} at the start, ${m.loadavgEnd.join(" / ")} at the end`);
  L.push(`- Command: \`${r.command}\` (${r.date}, ${(r.durationMs / 1000).toFixed(1)} s)${r.quick ? " — **quick run: numbers not meaningful**" : ""}`);
  L.push(
    `- Versions: enforcecore engine ${r.versions.enforcecoreEngine.slice(0, 16)}…, @cedar-policy/cedar-wasm ${r.versions.cedarWasm} (Cedar ${r.versions.cedar}), re2js ${r.versions.re2js}, V8 ${r.versions.v8}`,
  );
  L.push(`- ${r.notes[0]}`);
  L.push("");
  const d = r.decision;
  L.push(`#### 1. Allow/deny decision: enforcecore \`engine.preCall\` vs cedar-wasm \`statefulIsAuthorized\` (µs)`);
  L.push("");
  L.push(
    `${d.tools} tools: ${d.allowed.length} allowed, ${d.denied.length} denied (2 in both lists); all ${d.agreement.requests} requests (the ${d.tools} tools and ${d.unlisted.length} unlisted names) got the same answer from both before any timing. ${d.rows[0]?.enforcecore.iterations ?? 0} samples per row.`,
  );
  L.push("");
  L.push("| request | decision | enforcecore p50 | p95 | p99 | cedar p50 | p95 | p99 | cedar ÷ enforcecore p50 | p99 |");
  L.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of d.rows) {
    const e = row.enforcecore;
    const c = row.cedar;
    L.push(`| ${row.label}: \`${row.tool}\` | ${row.decision} | ${f(e.p50)} | ${f(e.p95)} | ${f(e.p99)} | ${f(c.p50)} | ${f(c.p95)} | ${f(c.p99)} | ${x(row.ratioP50)} | ${x(row.ratioP99)} |`);
  }
  L.push("");
  L.push(`Load (ms, median of ${d.load.processes} fresh processes each; module sizes: enforcecore ${d.load.wasmBytes.enforcecore.toLocaleString("en-US")} bytes, cedar ${d.load.wasmBytes.cedar.toLocaleString("en-US")} bytes):`);
  L.push("");
  L.push("| step | enforcecore | cedar | cedar ÷ enforcecore |");
  L.push("|---|---:|---:|---:|");
  for (const row of d.load.fresh) L.push(`| ${row.label} | ${f(row.enforcecoreMs)} | ${f(row.cedarMs)} | ${x(row.ratioP50)} |`);
  const rl = d.load.reload;
  L.push(`| replace the policy of a live instance (p50, in this process) | ${f(rl.enforcecore.p50 / 1000)} | ${f(rl.cedar.p50 / 1000)} | ${x(rl.ratioP50)} |`);
  L.push("");
  L.push(`Not counted above: the import of \`dist/node.js\` (${f(d.load.importDistNodeMs)} ms, mostly the policy compiler's dependencies). Cedar's \`require\` in the benchmark process took ${f(d.load.cedarRequireInThisProcessMs)} ms.`);
  L.push("");
  const s = r.scanning;
  L.push("#### 2. PII scanning throughput: the engine vs V8 RegExp vs re2js (µs; six categories)");
  L.push("");
  L.push("| text | engine | samples | p50 | p95 | p99 | MB/s (p50) | time ÷ enforcecore preCall (p50) |");
  L.push("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const row of s.rows) {
    L.push(`| ${row.kind} ${sizeLabel(row.bytes)} | ${row.engine} | ${row.iterations} | ${f(row.p50)} | ${f(row.p95)} | ${f(row.p99)} | ${f(row.mbPerS)} | ${x(row.ratioP50)} |`);
  }
  L.push("");
  L.push(`Matches found in the mixed texts (${r.categories.join(" / ")}); clean texts: none from any engine unless listed.`);
  L.push("");
  L.push("| text | planted | enforcecore | V8 RegExp | re2js |");
  L.push("|---|---|---|---|---|");
  for (const t of s.texts) {
    const all0 = Object.values(t.counts).every((arr) => arr.every((n) => n === 0));
    if (t.kind === "clean" && all0) continue;
    L.push(`| ${t.kind} ${sizeLabel(t.bytes)} | ${t.counts.planted.join(" / ")} | ${t.counts.enforcecore.join(" / ")} | ${t.counts.v8.join(" / ")} | ${t.counts.re2js.join(" / ")} |`);
  }
  L.push("");
  const a = r.adversarial;
  L.push(`#### 3. Adversarial input: 'a' × n, no '@' and no 'z' (µs; V8 in a worker thread, stopped after ${f(a.capMs / 1000)} s)`);
  L.push("");
  L.push("| pattern | n | V8 RegExp p50 | V8 samples | re2js p50 | enforcecore preCall p50 | p99 | V8 ÷ enforcecore (p50) | matches V8 / re2js / enforcecore |");
  L.push("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const row of a.rows) {
    const v8 = row.v8.p50 === null ? `> ${f(a.capMs * 1000)} (stopped)` : `${f(row.v8.p50)}${row.v8.timedOut ? " (then stopped)" : ""}`;
    const rt = row.ratioP50 !== null ? x(row.ratioP50) : `> ${f(row.ratioAtLeast)}×`;
    L.push(
      `| \`${row.pattern}\` | ${row.n.toLocaleString("en-US")} | ${v8} | ${row.v8.samples} | ${f(row.re2js.p50)} | ${f(row.enforcecore.p50)} | ${f(row.enforcecore.p99)} | ${rt} | ${row.v8.matches ?? "—"} / ${row.re2js.matches} / ${row.enforcecore.matches} |`,
    );
  }
  if (r.notes.length > 2) {
    L.push("");
    for (const n of r.notes.slice(2)) L.push(`- ${n}`);
  }
  return L.join("\n");
}
