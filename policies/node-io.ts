// PolicyIO for Node (and Bun, which implements node:fs and node:path).
import { readFileSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { PolicyIO } from "./io.js";

export const nodeIO: PolicyIO = {
  readText: (path) => readFileSync(path, "utf8"),
  resolve: (fromFile, rel) => resolve(dirname(fromFile), rel),
  canonical: (path) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path); // not on disk (text given directly): the absolute spelling is the identity
    }
  },
};
