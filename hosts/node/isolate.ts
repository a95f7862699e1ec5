/**
 * Tools that must really stop at their time limit: each call runs in its own worker thread,
 * which is terminated when the call's signal aborts (timeout) — unlike a promise, a worker can
 * be killed mid-loop. Arguments and results cross by structured clone.
 */
import { Worker } from "node:worker_threads";
import type { Tool } from "../../core/enforcer.js";

const BOOT = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.module)
  .then((m) => m[workerData.name](workerData.args))
  .then((value) => parentPort.postMessage({ ok: true, value }), (e) => parentPort.postMessage({ ok: false, error: String(e && e.stack || e) }));
`;

/** A tool that runs `export <name>` of the module at `moduleUrl` in a fresh worker per call. */
export function workerTool<A, R>(moduleUrl: string | URL, name = "default"): Tool<A, Promise<R>> {
  return (args, ctx) =>
    new Promise<R>((resolve, reject) => {
      const worker = new Worker(BOOT, { eval: true, workerData: { module: String(moduleUrl), name, args } });
      const stop = () => void worker.terminate();
      ctx.signal.addEventListener("abort", stop, { once: true });
      worker.once("message", (m: { ok: boolean; value?: R; error?: string }) => {
        ctx.signal.removeEventListener("abort", stop);
        void worker.terminate();
        if (m.ok) resolve(m.value as R);
        else reject(new Error(m.error));
      });
      worker.once("error", (e) => reject(e));
      worker.once("exit", (code) => reject(new Error(`tool worker exited (${code}) before answering`)));
    });
}
