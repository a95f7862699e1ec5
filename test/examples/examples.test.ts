// The README's runnable examples run as written, and say what they claim.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = (file: string) => execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8" });

describe("examples", () => {
  it("quickstart", () => {
    const out = run("examples/quickstart.mjs");
    expect(out).toContain("results for WebAssembly");
    expect(out).toContain("sent: call me at <PHONE>");
    expect(out).toContain("blocked: tool_denied rules.allowed_tools");
  });

  it("agent loop: one allowed, one denied, one redacted, one audit record each", () => {
    const out = run("examples/agent-loop.mjs");
    expect(out).toContain("✓ get_weather: Lyon");
    expect(out).toContain("✗ execute_shell: tool_denied (rules.denied_tools[0])");
    expect(out).toContain("contact <EMAIL>, SSN <SSN>");
    expect(out).toMatch(/get_weather +allowed/);
    expect(out).toMatch(/execute_shell +blocked/);
    expect(out).toMatch(/read_file +redacted +redactions in\/out 0\/2/);
  });

  it("demo", () => {
    const out = run("examples/demo.mjs");
    expect(out).toMatch(/deny +execute_shell/);
    expect(out).toContain('domain "evil.example" at source is not in the allowed domains');
  });
});
