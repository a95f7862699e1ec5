// A small, dependency-free benchmark harness (see docs/BENCHMARKS.md).
//
//   measure(name, fn, { warmup, iterations, batch, between })
//
// - `warmup` untimed samples first (JIT tier-up, wasm tier-up, inline caches).
// - then `iterations` timed samples, each timed with process.hrtime.bigint().
// - one sample runs `fn` `batch` times and is divided by `batch`. Use batch > 1 only for ops far
//   below a microsecond (the clock read itself costs tens of ns); "auto" picks the smallest batch
//   that makes one sample at least `minSampleNs` (default 1 µs) of work. With batch = 1 every
//   percentile is a per-call percentile; with batch > 1 the percentiles are of batch means, so the
//   tail is smoothed (the report prints the batch so nobody mistakes one for the other).
// - `between(i)` runs untimed after every sample (e.g. postCall after an allowed preCall, so the
//   engine's call depth and rate windows stay where a real agent would keep them).
//
// Percentiles are nearest rank on the sorted samples: p = sorted[ceil(p·n) − 1]. All results are
// microseconds. Nothing here asserts: benchmarks report, tests assert.
import os from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** A forced full GC between benchmarks, so one benchmark's garbage is not collected in the next. */
export const gc = (() => {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc");
  } catch {
    return () => {};
  }
})();

const hr = process.hrtime.bigint;

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summary statistics (µs) of samples given in ns. */
export function summarize(name, samplesNs, extra = {}) {
  const s = Float64Array.from(samplesNs).sort();
  const n = s.length;
  let sum = 0;
  for (const v of s) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of s) sq += (v - mean) ** 2;
  const us = (ns) => Math.round(ns) / 1000; // ns precision, expressed in µs
  return {
    name,
    iterations: n,
    ...extra,
    p50: us(percentile(s, 0.5)),
    p95: us(percentile(s, 0.95)),
    p99: us(percentile(s, 0.99)),
    p999: us(percentile(s, 0.999)),
    mean: us(mean),
    stdev: us(Math.sqrt(sq / Math.max(1, n - 1))),
    min: us(s[0]),
    max: us(s[n - 1]),
  };
}

/** Smallest batch whose sample takes at least minSampleNs (capped at 10,000). */
function calibrateBatch(fn, between, minSampleNs) {
  let batch = 1;
  for (;;) {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 5; r++) {
      const t0 = hr();
      for (let j = 0; j < batch; j++) fn(j);
      const dt = Number(hr() - t0);
      if (between) between(r);
      if (dt < best) best = dt;
    }
    if (best >= minSampleNs || batch >= 10_000) return batch;
    batch = Math.min(10_000, Math.max(batch * 2, Math.ceil((batch * minSampleNs) / Math.max(1, best))));
  }
}

/**
 * Times fn. Returns { name, iterations, batch, p50, p95, p99, p999, mean, stdev, min, max } in µs.
 * fn receives the index of the call inside its batch; between(i) receives the sample index.
 */
export function measure(name, fn, { warmup = 1_000, iterations = 10_000, batch = 1, between, minSampleNs = 1_000 } = {}) {
  gc();
  for (let i = 0; i < warmup; i++) {
    fn(0);
    if (between) between(i);
  }
  const b = batch === "auto" ? calibrateBatch(fn, between, minSampleNs) : batch;
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = hr();
    for (let j = 0; j < b; j++) fn(j);
    const t1 = hr();
    samples[i] = Number(t1 - t0) / b;
    if (between) between(i);
  }
  return summarize(name, samples, { batch: b });
}

/** Times fn once per sample with a fresh setup each time (cold paths: compile, instantiate). */
export function measureCold(name, setup, fn, { iterations = 50, warmup = 3 } = {}) {
  gc();
  for (let i = 0; i < warmup; i++) fn(setup(i));
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const input = setup(i);
    const t0 = hr();
    fn(input);
    samples[i] = Number(hr() - t0);
  }
  return summarize(name, samples, { batch: 1 });
}

/** Cost of one clock read pair (what a batch-1 sample always includes), in ns. */
export function timerOverheadNs(n = 100_000) {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = hr();
    s[i] = Number(hr() - t0);
  }
  s.sort();
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99) };
}

/** What the numbers were measured on. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    availableParallelism: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function machineLine(m) {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}-${m.arch}, Node ${m.node} (V8 ${m.v8}), load average ${m.loadavg.join(" / ")}`;
}

/**
 * Times an async fn: each sample awaits one call (percentiles are per call, the await included).
 * The same warm-up / GC discipline as measure().
 */
export async function measureAsync(name, fn, { warmup = 1_000, iterations = 10_000 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  gc();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = hr();
    await fn(i);
    samples[i] = Number(hr() - t0);
  }
  return summarize(name, samples, { batch: 1 });
}
