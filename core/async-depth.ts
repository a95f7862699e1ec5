/** Nesting depth that follows async call chains (Node, Deno and Bun all provide AsyncLocalStorage). */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DepthTracker } from "./enforcer.js";

export function asyncDepthTracker(): DepthTracker {
  const store = new AsyncLocalStorage<number>();
  return {
    current: () => store.getStore() ?? 0,
    run: (depth, fn) => store.run(depth, fn),
  };
}
