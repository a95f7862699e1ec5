// Shared test helpers: an in-memory PolicyIO and a way to capture the error a call throws.
import { posix } from "node:path";
import type { PolicyIO } from "../../policies/io.js";

/** An io over a map of absolute POSIX path → text; records the paths it was asked to read. */
export function memIO(files: Record<string, string>): PolicyIO & { reads: string[] } {
  const map = new Map(Object.entries(files));
  const reads: string[] = [];
  return {
    reads,
    readText(path) {
      reads.push(path);
      const text = map.get(posix.normalize(path));
      if (text === undefined) throw new Error(`ENOENT: no such file '${path}'`);
      return text;
    },
    resolve: (fromFile, rel) => posix.resolve(posix.dirname(fromFile), rel),
  };
}

/** Runs `fn`, expecting it to throw an instance of `type`; returns the error. */
export function thrown<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err;
    throw new Error(`expected ${type.name}, got ${String(err)}`, { cause: err });
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}
