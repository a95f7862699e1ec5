/**
 * Reloads an enforcer when its policy file (or a file it extends) changes. A policy that fails to
 * load is reported and the previous one stays in force: the swap is all or nothing.
 */
import type { CompiledBundle } from "../engine/bundle-format.js";
import type { Enforcer } from "./enforcer.js";

export interface WatchOptions {
  /** Called after a successful reload with the new bundle. */
  readonly onReload?: (bundle: CompiledBundle) => void;
  /** Called when the changed policy does not load; the old policy stays. */
  readonly onError?: (error: unknown) => void;
  /** Quiet period before reloading, to coalesce editors' write bursts. Default 50 ms. */
  readonly debounceMs?: number;
}

export type FileWatcher = (paths: readonly string[], onChange: () => void) => { close(): void };

export function watchPolicyWith(
  watch: FileWatcher,
  compile: (path: string) => CompiledBundle & { load: { sources: string[] } },
  enforcer: Enforcer,
  path: string,
  options: WatchOptions = {},
): { close(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sources = compile(path).load.sources;
  let watcher = watch(sources, changed);
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        const bundle = compile(path);
        if (bundle.digest !== enforcer.policy.digest) {
          enforcer.reload(bundle);
          options.onReload?.(bundle);
        }
        // `extends` may now name other files: follow them.
        if (bundle.load.sources.join("\n") !== sources.join("\n")) {
          sources = bundle.load.sources;
          watcher.close();
          watcher = watch(sources, changed);
        }
      } catch (err) {
        options.onError?.(err);
      }
    }, options.debounceMs ?? 50);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
