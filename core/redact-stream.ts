/**
 * Streaming redaction of chunked text (docs/REDACTION.md, "Streaming"): the output, concatenated,
 * is what redacting the whole text at once gives, whatever the chunk sizes.
 *
 * How: text is buffered and scanned by the engine in windows. After a scan, everything up to a
 * *cut* is emitted, redacted, and the rest is held back. The cut leaves at least `H` units after it,
 * where `H` is the longest match any enabled rule can have (its `maxLen`, in normalised units) plus
 * a margin for the checks' look-ahead, so no match can cross the cut unseen; it is also moved back
 * out of any match found, out of escape sequences (`%40`, `&#64;`) and surrogate pairs. The next
 * window starts `K = H` units before the cut (already emitted, kept only as context), so boundary
 * checks and matches that reach back see the same text as in one pass.
 *
 * Units that the evasion defences may remove (zero-width and default-ignorable characters,
 * combining marks, the tails of `%XX` and `&…;` sequences) do not count towards `H` or `K`: the
 * window is measured in units that certainly survive normalisation, so a match padded with
 * invisible characters is still held whole. A certain unit may also normalise to several units
 * (compatibility expansions: ﬁ → fi, ⑽ → (10), ㎯ → rad/s2): counting it once only makes the window
 * longer in normalised units, never shorter, and a cut is always at a character boundary, so no
 * expansion is split. Such padding can be unbounded, so the buffer has a
 * cap (`maxBuffer`, default 1 MiB of UTF-16 units); past it the stream fails closed
 * (`redaction_stream_overflow`) or, with `onOverflow: "flush"`, cuts anyway.
 *
 * Memory: at most `K + maxBuffer` units of text (+ 1 byte of weight per unit), independent of the
 * stream's length. Latency: text is emitted in batches once more than `H + scanEvery` certain
 * units are pending (`scanEvery` defaults to max(1,024, H)); `flush()` (end of stream) emits the rest.
 */
import type { CompiledBundle } from "../engine/bundle-format.js";
import type { Decision, Violation } from "../engine/decision.js";
import type { Engine } from "../engine/engine.js";
import { policyEntityDefs } from "../engine/compiler/policy-entities.js";
import { EnforceCoreError, RedactionStreamError } from "./errors.js";
import { entityExclusionFor } from "./pii-scope.js";
import { redactSpans, replacementFor, type RedactionOptions, type Replacement } from "./redact-spans.js";

export interface RedactStreamOptions extends RedactionOptions {
  /** The compiled policy: its `pii_redaction` section decides what is found and how it is replaced. */
  readonly bundle: CompiledBundle;
  /**
   * Makes the engine that scans the stream (hosts bind their own: `loadEngineSync`). Never an
   * enforcer's engine: scanning touches no enforcer state (rate windows, open calls). The streams
   * of one bundle and one factory share its instance (see `scanEngineFor`).
   */
  readonly createEngine: () => Engine;
  /** Scan as tool input or output (entity rules apply to outputs only with `redact_output`). Default output. */
  readonly phase?: "input" | "output";
  /** Replaces each finding (default: replacementFor(bundle.meta, options), per-tool strategy included). */
  readonly replacement?: Replacement;
  /**
   * Caps the hold-back: the longest match the stream guarantees to keep whole across chunks, in
   * units. Default 65,535, the largest `maxLen` the engine accepts, so every rule is covered (PEM
   * private keys have that maxLen). A smaller cap lowers latency and memory, but a match of a rule
   * longer than it (a PEM block) may then straddle a cut and be redacted in part.
   */
  readonly maxMatchLength?: number;
  /** Most UTF-16 units held back (default 1,048,576). */
  readonly maxBuffer?: number;
  /** What to do when the held-back text exceeds maxBuffer: fail closed (default) or cut anyway. */
  readonly onOverflow?: "error" | "flush";
  /**
   * Certain units to accumulate beyond the hold-back before scanning again (default: the larger of 1,024 and H): larger
   * batches scan less often (each scan also rereads 2H units of context and hold-back).
   */
  readonly scanEvery?: number;
}

/** A push-based redactor: feed chunks, collect what is safe to emit. */
export interface StreamRedactor {
  /** Adds a chunk; returns the redacted text that can be emitted now (possibly ""). */
  push(chunk: string): string;
  /** End of input: returns the rest, redacted. The redactor is then finished. */
  flush(): string;
  /** Units held back (not yet emitted, context excluded). */
  readonly pending: number;
  /** Units in memory: pending text and the context kept before it. */
  readonly buffered: number;
  /** The hold-back H, in certain units. */
  readonly holdBack: number;
}

/** The largest `maxLen` of any entity rule (engine/assembly/policy.ts refuses a bundle with more). */
export const MAX_RULE_LENGTH = 65_535;
/** Look-ahead/look-behind of the checks (digit groups look two units past a match) plus slack. */
const MARGIN = 8;
/** Certain units to accumulate beyond the hold-back before scanning, so scanning stays linear in the stream. */
const BATCH = 1024;
/** Units after `&` that a character reference may span (`&#x10FFFF;`, `&percnt;`). */
const ENTITY_SPAN = 11;

// Certain units: survive normalisation as at least one unit each (an expansion gives several).
const SURE = /[\p{L}\p{N}\p{P}\p{S}\p{Zs}]/u;
const DROPPABLE = /[\p{M}\p{Default_Ignorable_Code_Point}]/u;

/** The path of a stream's text: the root of the value redactSpans is given (one array, shared). */
const ROOT: readonly (string | number)[] = [];

/**
 * A PII finding moved to [start, end) (and `path`). Spelled out rather than `{ ...v, span }`:
 * spreading costs about 1 µs a finding, most of the time on dense text.
 */
function spanAt(v: Violation, start: number, end: number, path: Violation["path"]): Violation {
  return { type: v.type, action: v.action, rule: v.rule, reason: v.reason, path, span: { start, end } };
}

/**
 * Scan engines, one per engine factory and bundle, shared by their streams. A scan is one
 * synchronous engine call that leaves no state behind (an input scan resets it at once), so
 * streams interleaved in any order can share an instance; a fresh one per stream cost the
 * loading of the policy every time (about 5 ms with every rule: most of a short streamed reply)
 * and megabytes of memory per open stream. Weak on both keys: an engine lives as long as its
 * factory and its bundle are in use. An instance that faulted is dropped.
 */
const scanEngines = new WeakMap<() => Engine, WeakMap<CompiledBundle, Engine>>();

function scanEngineFor(create: () => Engine, bundle: CompiledBundle): Engine {
  let byBundle = scanEngines.get(create);
  if (byBundle === undefined) {
    byBundle = new WeakMap();
    scanEngines.set(create, byBundle);
  }
  let engine = byBundle.get(bundle);
  if (engine === undefined) {
    engine = create();
    engine.loadPolicy(bundle);
    byBundle.set(bundle, engine);
  }
  return engine;
}

function dropScanEngine(create: () => Engine, bundle: CompiledBundle): void {
  scanEngines.get(create)?.delete(bundle);
}

/** Whether the engine had more findings than it reports in one call (the answer then blocks). */
export function tooMany(d: Decision): boolean {
  return d.violations.some((v) => v.type === "too_many_violations");
}

/** The length of the next report range: callers may set it from their last call's density. */
export interface ReportSizing {
  size: number;
}

/**
 * The findings that start in [lo, hi), asked for in report ranges of `sizing.size` units: one
 * call when they fit in what the engine reports, else one call per part, each over the same text
 * (so what is found is what one call would find; only the reporting is split). `scan(a, b)`
 * answers the findings of the part [a, b), or null when its call reported too many: the part is
 * then halved (and `sizing.size` with it). More findings starting at one unit than a call reports
 * cannot be split: `tooDense(a)` is thrown.
 */
export function findingsInReportRanges(lo: number, hi: number, sizing: ReportSizing, scan: (a: number, b: number) => readonly Violation[] | null, tooDense: (at: number) => Error): Violation[] {
  const all: Violation[] = [];
  let a = lo;
  while (a < hi) {
    const b = Math.min(hi, a + sizing.size);
    const found = scan(a, b);
    if (found === null) {
      if (b - a <= 1) throw tooDense(a);
      sizing.size = (b - a) >> 1;
      continue;
    }
    for (const v of found) all.push(v);
    a = b;
  }
  return all;
}
/** The share of the engine's reports per call (Engine.maxReports) a report range is sized for, from the last call's density. */
const REPORT_SHARE = 0.75;

/**
 * The hold-back of a policy: its longest entity match (every enabled rule's `maxLen`, so that no
 * match can straddle a cut; only a caller's smaller `maxMatchLength` caps it), plus the checks'
 * margin. 328 units with the default categories, 65,543 with the PEM private-key rules.
 */
export function streamHoldBack(bundle: CompiledBundle, maxMatchLength = MAX_RULE_LENGTH): number {
  const defs = policyEntityDefs(bundle.meta.policy.rules);
  const longest = defs.reduce((m, d) => Math.max(m, d.maxLen), 0);
  return Math.min(longest, maxMatchLength) + MARGIN;
}

export function createStreamRedactor(options: RedactStreamOptions): StreamRedactor {
  const { bundle } = options;
  const meta = bundle.meta;
  const enabled = meta.policy.rules.pii_redaction.enabled;
  const H = streamHoldBack(bundle, options.maxMatchLength);
  const K = H;
  const maxBuffer = options.maxBuffer ?? 1 << 20;
  if (!Number.isInteger(maxBuffer) || maxBuffer < 4 * H) throw new EnforceCoreError("bad_request", `maxBuffer must be an integer of at least 4 × the hold-back (${4 * H} units for this policy)`);
  const replace = options.replacement ?? replacementFor(meta, options);
  // With a tool, only its rules run (per-tool overrides); without one, every rule of the bundle.
  const excludeEntities = options.tool === undefined ? null : entityExclusionFor(meta, options.tool);
  const phase = options.phase ?? "output";
  const batch = options.scanEvery ?? Math.max(BATCH, H); // each scan rereads K + H units: batch >= H keeps that within 3x
  if (!Number.isInteger(batch) || batch < 1) throw new EnforceCoreError("bad_request", "scanEvery must be a positive integer");
  const tool = options.tool ?? "redact";
  let engine: Engine | null = null;

  // buf[ctxStart, ctxLen) = context (already emitted), buf[ctxLen, end) = pending; what lies before
  // ctxStart is dropped once per push (compact), so a large chunk scanned in many windows is not
  // copied once per window. w[i] = weight flags of buf[i]: bit 0, a certain unit; bit 1, the unit
  // continues a sequence (escape tail, low surrogate): no cut before it.
  let buf = "";
  let ctxStart = 0;
  let ctxLen = 0;
  let w = new Uint8Array(1024);
  let zeroRun = 0; // units still inside an escape sequence
  let percentEnded = false;
  let inPercent = false; // the last unit ended a %XX: a following % continues a UTF-8 sequence
  let rescanAt = 0; // pending certain units needed before the next scan (after one that emitted nothing)
  let pendingWeight = 0;
  let done = false;

  // Certainty of non-ASCII code points, memoised (texts repeat the same few characters).
  const sure = new Map<number, number>();
  function certain(cp: number): number {
    let f = sure.get(cp);
    if (f === undefined) {
      const ch = String.fromCodePoint(cp);
      f = SURE.test(ch) && !DROPPABLE.test(ch) ? 1 : 0;
      if (sure.size < 4096) sure.set(cp, f);
    }
    return f;
  }
  let prevUnit = 0; // the last unit weighed (a high surrogate pairs with the next chunk's first unit)

  /** Weighs the units of `chunk`, appended at `from` (reads the chunk, never the concatenated buffer). */
  function weigh(chunk: string, from: number): void {
    if (w.length < from + chunk.length) {
      const nw = new Uint8Array(Math.max(from + chunk.length, w.length * 2));
      nw.set(w.subarray(0, from));
      w = nw;
    }
    for (let j = 0; j < chunk.length; j++) {
      const c = chunk.charCodeAt(j);
      let f = 0;
      const afterPercent = percentEnded;
      percentEnded = false;
      if (zeroRun > 0) {
        zeroRun--;
        f = 2;
        if (zeroRun === 0 && inPercent) percentEnded = true;
      } else if (c === 0x25 || c === 0x26) {
        // the whole sequence may decode to one unit, or none (%E2%80%8B); %XX%XX… is one sequence
        zeroRun = c === 0x25 ? 2 : ENTITY_SPAN;
        inPercent = c === 0x25;
        if (afterPercent && c === 0x25) f = 2;
      } else if (c >= 0xdc00 && c <= 0xdfff && (prevUnit & 0xfc00) === 0xd800) {
        f = 2 | certain(0x10000 + ((prevUnit - 0xd800) << 10) + (c - 0xdc00));
      } else if (c >= 0xd800 && c <= 0xdbff) {
        f = 0; // weighed with its low surrogate
      } else if (c < 0x80) {
        f = 1;
      } else {
        f = certain(c);
      }
      prevUnit = c;
      w[from + j] = f;
      pendingWeight += f & 1;
    }
  }

  /** The largest index c with at least `need` certain units in [c, end), or -1. */
  function backFrom(end: number, need: number, floor: number): number {
    let got = 0;
    let i = end;
    while (i > floor && got < need) {
      i--;
      got += (w[i] as number) & 1;
    }
    return got >= need ? i : -1;
  }

  /**
   * Moves a cut back until no sequence continues across it. Findings never straddle a cut (and the
   * next window rescans the context before it), so this matters where the kept context begins: an
   * escape or surrogate pair cut in half there would decode differently from the whole text.
   */
  function settle(c: number, floor: number): number {
    while (c > floor && c < buf.length && ((w[c] as number) & 2) !== 0) c--;
    return c;
  }

  // Report ranges: the engine reports at most `maxReports` findings per call (65,536), and a
  // window holds K units of context and H of hold-back besides the part it emits (131,000+ units
  // with the PEM rules), so each call asks only for the findings that start in the part to emit
  // (the report window: the engine still runs every rule over the whole text, so these are
  // exactly the findings of one unbounded call, filtered by start). When even those are too many
  // (a `scanEvery` far above its default, or an engine with fewer reports), the range is split
  // and the same text is scanned once per part. `sizing.size` is the size the next part
  // starts with: estimated from the last call's density, halved when a call overflows.
  const sizing: ReportSizing = { size: Number.POSITIVE_INFINITY };
  // With H capped below the longest rule (maxMatchLength), a match longer than H can reach from
  // the context into the pending text: ask for the context's findings too, so that its pending part
  // is still replaced (emitTo clips it). Otherwise no finding starting in the context can reach
  // past it (the previous cut was moved out of every finding crossing it).
  const reportContext = H < streamHoldBack(bundle);

  /**
   * The findings of the text buf[from, to) that start in buf[lo, hi), spans as indices into buf;
   * null when there are more than the engine reports in one call.
   */
  function scan(from: number, to: number, lo: number, hi: number): Violation[] | null {
    const text = from === 0 && to === buf.length ? buf : buf.slice(from, to);
    engine ??= scanEngineFor(options.createEngine, bundle);
    const reportWindow = { from: lo - from, to: hi - from };
    let d: Decision;
    try {
      if (phase === "input") {
        d = engine.preCall({ tool, args: text, now: 0, excludeEntities, reportWindow });
        engine.resetState(0); // the scan engine keeps no rate windows or open calls
      } else d = engine.postCall({ tool, output: text, now: 0, costUsd: 0, excludeEntities, reportWindow });
    } catch (cause) {
      // A faulted instance may hold a half-made state: the next stream gets a fresh one.
      dropScanEngine(options.createEngine, bundle);
      engine = null;
      throw cause;
    }
    if (tooMany(d)) return null;
    const size = hi - lo;
    sizing.size = d.violations.length === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor((size * engine.maxReports * REPORT_SHARE) / d.violations.length));
    const found: Violation[] = [];
    for (const v of d.violations) {
      if (v.type !== "pii" || v.action !== "redact" || v.span === undefined) continue;
      found.push(from === 0 ? v : spanAt(v, v.span.start + from, v.span.end + from, v.path));
    }
    return found;
  }

  /**
   * The findings of the text buf[from, to) that start in buf[lo, hi), in report ranges. Fails
   * closed when more findings than one call reports start at a single unit (more rules than
   * `maxReports` matching there).
   */
  function findings(from: number, to: number, lo: number, hi: number): Violation[] {
    const tooDense = () => new RedactionStreamError(`more findings start at one unit of a stream window than the engine reports per call (${engine?.maxReports}): refusing to emit it unredacted`, true);
    return findingsInReportRanges(lo, hi, sizing, (a, b) => scan(from, to, a, b), tooDense);
  }

  /** Emits buf[ctxLen, c) redacted (findings of this scan), and keeps K certain units of context. */
  function emitTo(c: number, found: readonly Violation[]): string {
    const spans: Violation[] = [];
    for (const v of found) {
      const s = v.span as { start: number; end: number };
      if (s.end <= ctxLen || s.start >= c) continue;
      // A finding that reaches into already emitted text: only its unemitted part can still be
      // replaced (the window guarantees this does not happen; if it did, nothing is left in clear).
      spans.push(spanAt(v, Math.max(s.start, ctxLen) - ctxLen, s.end - ctxLen, ROOT));
    }
    const out = redactSpans(buf.slice(ctxLen, c), spans, replace).value as string;
    for (let i = ctxLen; i < c; i++) pendingWeight -= (w[i] as number) & 1;
    // Context: K certain units before the cut (under a flood of invisible units, at most maxBuffer).
    const back = backFrom(c, K, ctxStart);
    ctxStart = settle(back >= 0 ? back : Math.max(ctxStart, c - maxBuffer), ctxStart);
    ctxLen = c;
    return out;
  }

  /** The index where the certain units from `from` reach `need`, or the end of the buffer. */
  function forwardTo(from: number, need: number): number {
    let got = 0;
    let i = from;
    while (i < buf.length && got < need) {
      got += (w[i] as number) & 1;
      i++;
    }
    return i;
  }

  /** Emits everything pending (end of stream), redacted with the findings of one last window. */
  function emitAll(): string {
    return emitTo(buf.length, findings(ctxStart, buf.length, reportContext ? ctxStart : ctxLen, buf.length));
  }

  /**
   * One window: scans buf[ctxStart, we) (the context, then up to `batch` + H certain units, of
   * which the last H are held back), emits up to the cut, or returns null when nothing could be
   * emitted. Only findings that start before the cut are asked for: the cut is known before the
   * scan and only ever moves back, out of findings that cross it (which start before it).
   */
  function window(overflow: boolean): string | null {
    const we = forwardTo(ctxLen, batch + H);
    let c = backFrom(we, H, ctxLen);
    if (c < 0 || c <= ctxLen) {
      if (!overflow) return null;
      if (options.onOverflow !== "flush") {
        throw new RedactionStreamError(`more than ${maxBuffer} units held back without ${H} certain (visible) units after them: refusing to emit text that may hide a split match (onOverflow: "flush" cuts anyway)`);
      }
      c = Math.max(ctxLen + 1, we - (maxBuffer >> 1));
    }
    const found = findings(ctxStart, we, reportContext ? ctxStart : ctxLen, c);
    // Out of every finding that crosses the cut (repeat: moving back may enter another one).
    for (let moved = true; moved; ) {
      moved = false;
      for (const v of found) {
        const sp = v.span as { start: number; end: number };
        if (sp.start < c && sp.end > c) {
          c = sp.start;
          moved = true;
        }
      }
      const settled = settle(c, ctxLen);
      if (settled !== c) {
        c = settled;
        moved = true;
      }
    }
    if (c <= ctxLen) return null;
    return emitTo(c, found);
  }

  /** Drops what lies before the context (once per push that emitted: linear in what was pushed). */
  function compact(): void {
    if (ctxStart === 0) return;
    w.copyWithin(0, ctxStart, buf.length);
    buf = buf.slice(ctxStart);
    ctxLen -= ctxStart;
    ctxStart = 0;
  }

  function step(final: boolean): string {
    const out = steps(final);
    compact(); // a no-op unless a window was emitted (the output may be "" with `remove`)
    return out;
  }

  function steps(final: boolean): string {
    if (!enabled) return emitTo(buf.length, []);
    let out = "";
    // Windows of at most K + H + batch certain units, so a large chunk is scanned in pieces and
    // no single engine call meets more text than the batching allows.
    for (;;) {
      if (buf.length === ctxLen) return out;
      const overflow = buf.length - ctxLen > maxBuffer;
      if (final) {
        if (pendingWeight < H + batch + H) return out + emitAll();
      } else if (!overflow && pendingWeight < Math.max(H + batch, rescanAt)) return out;
      const piece = window(overflow);
      if (piece === null) {
        if (final) return out + emitAll();
        // a finding longer than the window (over maxMatchLength) spans the cut: wait for more text
        rescanAt = pendingWeight + Math.max(batch, H);
        return out;
      }
      rescanAt = 0;
      out += piece;
    }
  }

  return {
    push(chunk) {
      if (done) throw new EnforceCoreError("bad_request", "push after flush: the stream redactor is finished");
      if (typeof chunk !== "string") throw new EnforceCoreError("bad_request", `stream chunks must be strings, got ${typeof chunk}`);
      if (chunk.length === 0) return "";
      const from = buf.length;
      buf += chunk;
      weigh(chunk, from);
      return step(false);
    },
    flush() {
      if (done) return "";
      done = true;
      const out = step(true);
      buf = "";
      ctxStart = 0;
      ctxLen = 0;
      return out;
    },
    get pending() {
      return buf.length - ctxLen;
    },
    get buffered() {
      return buf.length;
    },
    holdBack: H,
  };
}

/**
 * Redacts an async (or sync) iterable of text chunks. Yields redacted pieces as soon as they are
 * safe to emit; their concatenation equals redacting the concatenated input in one pass.
 */
export async function* redactStream(source: AsyncIterable<string> | Iterable<string>, options: RedactStreamOptions): AsyncGenerator<string, void, undefined> {
  const r = createStreamRedactor(options);
  for await (const chunk of source) {
    const out = r.push(chunk);
    if (out.length > 0) yield out;
  }
  const rest = r.flush();
  if (rest.length > 0) yield rest;
}

/** The same as a web TransformStream<string, string> (pipe a tool's text stream through it). */
export function redactTransformStream(options: RedactStreamOptions): TransformStream<string, string> {
  const r = createStreamRedactor(options);
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      const out = r.push(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller) {
      const rest = r.flush();
      if (rest.length > 0) controller.enqueue(rest);
    },
  });
}

/** Stream options where the host supplies the engine factory (hosts/<runtime>/index.ts). */
export type HostRedactStreamOptions = Omit<RedactStreamOptions, "createEngine"> & { readonly createEngine?: () => Engine };

/** The streaming API with a host's engine factory as the default (each host exports the result). */
export function bindStreamEngine(createEngine: () => Engine) {
  const withEngine = (o: HostRedactStreamOptions): RedactStreamOptions => ({ ...o, createEngine: o.createEngine ?? createEngine });
  return {
    /** Redacts an async or sync iterable of text chunks (docs/REDACTION.md, "Streaming"). */
    redactStream: (source: AsyncIterable<string> | Iterable<string>, options: HostRedactStreamOptions) => redactStream(source, withEngine(options)),
    /** A TransformStream<string, string> that redacts what flows through it. */
    redactTransformStream: (options: HostRedactStreamOptions) => redactTransformStream(withEngine(options)),
    /** A push-based redactor (push chunks, flush at the end). */
    createStreamRedactor: (options: HostRedactStreamOptions) => createStreamRedactor(withEngine(options)),
  };
}
