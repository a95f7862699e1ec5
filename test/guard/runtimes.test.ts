// The guard under Bun and Deno (binaries from the npm packages `bun` and `deno`): the same code
// confines a tool there too. Node is the supported host (the rest of test/guard); this proves the
// claim in docs/GUARD.md that Bun and Deno get the same guard on Linux.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { capabilities } from "../../guard/index.js";
import { buildLauncher, root, skipReason } from "./helpers.js";

const bin = (name: string) => join(root, "node_modules/.bin", name);
const script = join(root, "test/guard/fixtures/runtime-smoke.ts");
const supervised = process.platform === "linux" && skipReason === "" && capabilities().userNotification.available;
const expected = [
  { seccomp: true, layout: expect.stringMatching(/^(v2|hybrid|v1)$/), attribution: supervised ? "user_notif" : expect.anything() },
  { code: 0, out: "hi\n", violation: null },
  // named by the supervisor; without it the name needs a kernel-log record (rate-limited)
  { signal: "SIGSYS", type: "network", syscall: supervised ? "socket" : expect.anything() },
  { signal: "SIGKILL", type: "wall_time" },
  { code: 0, filesystem: supervised ? ["create TARGET"] : [] },
];

describe.skipIf(skipReason !== "")(`the guard under other runtimes${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  beforeAll(() => {
    buildLauncher();
  }, 120_000);

  for (const [runtime, args] of [
    ["bun", [script]],
    ["deno", ["run", "--quiet", "-A", "--sloppy-imports", "--node-modules-dir=manual", script]],
  ] as const) {
    it.skipIf(!existsSync(bin(runtime)))(`${runtime}: spawn, seccomp attribution, cgroups and wall time work`, () => {
      const out = execFileSync(bin(runtime), [...args], { cwd: root, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
      const lines = out.trim().split("\n").map((l) => JSON.parse(l));
      expect(lines).toEqual(expected);
    }, 90_000);
  }
});
