/**
 * Replaces every object that has a `toJSON()` method (Dates excepted) by what that method returns,
 * as JSON.stringify does: the enforcer inspects and redacts what a model will be shown, and an
 * object whose `toJSON()` returns contact details would otherwise pass unseen (its own fields may
 * hold nothing). Each `toJSON()` is called once, so the text the engine checked and the value the
 * caller receives are the same one.
 *
 * Values without such objects are returned as they are (same reference); otherwise only the
 * containers on the way to a replaced object are copied. Cycles are left for the request encoder,
 * which rejects them with a clear error.
 */
import { EnforceCoreError } from "./errors.js";

export function resolveToJSON(value: unknown): unknown {
  const inProgress = new Set<object>();
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v !== "object" || v === null || v instanceof Date || ArrayBuffer.isView(v)) return v;
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      let view: unknown;
      try {
        view = toJSON.call(v, key);
      } catch (err) {
        throw new EnforceCoreError("bad_request", `toJSON() of the value at ${key || "<root>"} threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      // toJSON may return an object that has its own toJSON; JSON.stringify does not follow it, so neither do we.
      return typeof view === "object" && view !== null && typeof (view as { toJSON?: unknown }).toJSON === "function" ? walkContainer(view, false) : walk(view, key);
    }
    return walkContainer(v, true);
  };
  const walkContainer = (v: object, follow: boolean): unknown => {
    if (inProgress.has(v)) return v;
    inProgress.add(v);
    try {
      if (Array.isArray(v)) {
        let copy: unknown[] | null = null;
        for (let i = 0; i < v.length; i++) {
          const r = walk(v[i], String(i));
          if (r === v[i]) continue;
          copy ??= v.slice();
          copy[i] = r;
        }
        return copy ?? v;
      }
      if (v instanceof Map) {
        let copy: Map<unknown, unknown> | null = null;
        for (const [k, x] of v) {
          const r = walk(x, String(k));
          if (r === x) continue;
          copy ??= new Map(v);
          copy.set(k, r);
        }
        return copy ?? v;
      }
      let copy: Record<string, unknown> | null = null;
      for (const [k, x] of Object.entries(v)) {
        if (!follow && k === "toJSON") continue;
        const r = walk(x, k);
        if (r !== x) {
          copy ??= { ...(v as Record<string, unknown>) };
          Object.defineProperty(copy, k, { value: r, enumerable: true, writable: true, configurable: true });
        }
      }
      return copy ?? v;
    } finally {
      inProgress.delete(v);
    }
  };
  return walk(value, "");
}
