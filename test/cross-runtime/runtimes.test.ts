// The same decision corpus under Node, Deno and Bun (binaries from the npm packages `deno` and
// `bun`) must print byte-identical output: same bundle digests, same decisions, same reasons.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const corpus = "test/cross-runtime/corpus.mjs";
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });

let nodeOut = "";

beforeAll(() => {
  nodeOut = run(process.execPath, [corpus]);
}, 120_000);

describe("package exports conditions", () => {
  it("`import \"enforcecore\"` loads each runtime's own entry", () => {
    const script = "test/cross-runtime/conditions.mjs";
    expect(run(process.execPath, [script]).trim()).toBe("node deny");
    expect(run(bin("deno"), ["run", "--quiet", "--allow-read", "--allow-env", script]).trim()).toBe("deno deny");
    expect(run(bin("bun"), [script]).trim()).toBe("bun deny");
  }, 60_000);
});

describe("audit trails through each runtime's adapter", () => {
  it("Node, Deno and Bun write trails that verify", () => {
    const script = "test/cross-runtime/trail-writer.mjs";
    expect(run(process.execPath, [script]).trim()).toBe("node ok=true size=20");
    expect(run(bin("deno"), ["run", "--quiet", "-A", script]).trim()).toBe("deno ok=true size=20");
    expect(run(bin("bun"), [script]).trim()).toBe("bun ok=true size=20");
  }, 60_000);
});

describe("cross-runtime determinism", () => {
  it("covers every kind of decision and violation", () => {
    const lines = nodeOut.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(12_500);
    for (const kind of ["allow", "deny", "allow_logged", "redact"]) expect(nodeOut).toContain(`"decision":"${kind}"`);
    for (const type of ["tool_denied", "tool_not_allowed", "domain_denied", "content_violation", "rate_limit", "cost_limit", "input_size", "argument_violation", "kill_switch", "call_depth", "invalid_tool_name"]) {
      expect(nodeOut, type).toContain(`"type":"${type}"`);
    }
  });

  for (const [runtime, cmd, args] of [
    ["deno", bin("deno"), ["run", "--quiet", "--allow-read", "--allow-env", corpus]],
    ["bun", bin("bun"), [corpus]],
  ] as const) {
    it(`${runtime} prints byte-identical answers`, () => {
      const out = run(cmd, [...args]);
      const sha = (s: string) => createHash("sha256").update(s).digest("hex");
      if (out !== nodeOut) {
        const a = nodeOut.split("\n");
        const b = out.split("\n");
        const i = a.findIndex((line, k) => line !== b[k]);
        expect.fail(`${runtime} diverges from node at line ${i + 1}:\nnode: ${a[i]}\n${runtime}: ${b[i]}`);
      }
      expect(sha(out)).toBe(sha(nodeOut));
    }, 120_000);
  }
});
