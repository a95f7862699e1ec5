/** Facilities shared by the hosts that implement node:fs and AsyncLocalStorage (Node and Bun). */
import { createHash } from "node:crypto";
import { watch } from "node:fs";
import { useNativeSha256 } from "../engine/bundle-format.js";
import { compilePolicyFileWith, compilePolicyObject } from "./policy-api.js";
import { nodeIO } from "../policies/node-io.js";
import { loadEngineSync } from "./embedded.js";
import { asyncDepthTracker } from "./async-depth.js";
import type { FileWatcher } from "./watch.js";
import type { HostFacilities } from "./host.js";

export const nodeFacilities: HostFacilities = {
  createEngine: loadEngineSync,
  compile: (source) => (typeof source === "string" ? compilePolicyFileWith(source, nodeIO) : compilePolicyObject(source)),
  depthTracker: asyncDepthTracker,
};

export const nodeWatcher: FileWatcher = (paths, onChange) => {
  const watchers = paths.map((p) => watch(p, { persistent: false }, onChange));
  return { close: () => { for (const w of watchers) w.close(); } };
};

/** Node, Deno and Bun all provide node:crypto: bundle digests use the native SHA-256. */
export function installNativeSha256(): void {
  useNativeSha256((bytes) => createHash("sha256").update(bytes).digest("hex"));
}
