/**
 * A TrailIO that reports the bytes it reads to a progress indicator, so that `audit verify`,
 * `audit replay` and `audit export` can show how far they are without any hook inside audit/.
 * Only reads are counted; everything else is passed through unchanged.
 */
import type { TrailIO } from "../hosts/node/index.js";
import type { Progress } from "./style.js";

export function progressIO(base: TrailIO, progress: Progress, detail: () => string = () => ""): TrailIO & { readonly bytesRead: () => number } {
  let bytes = 0;
  return {
    ...base,
    read(path: string, offset: number, length: number): Uint8Array {
      const chunk = base.read(path, offset, length);
      bytes += chunk.length;
      progress.update(bytes, detail());
      return chunk;
    },
    bytesRead: () => bytes,
  };
}

/** Total size in bytes of the given files (missing ones count 0). */
export function sizeOf(io: TrailIO, paths: readonly string[]): number {
  let n = 0;
  for (const p of paths) n += io.size(p) ?? 0;
  return n;
}
