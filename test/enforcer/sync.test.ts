import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/enforcer.js";
import { EnforceCoreError, ResourceLimitError, ToolDeniedError } from "../../core/errors.js";
import { createEnforcer } from "../../hosts/node/index.js";

describe("synchronous calls", () => {
  const records: CallRecord[] = [];
  const e = createEnforcer({
    policy: { name: "s", rules: { denied_tools: ["rm"], pii_redaction: { enabled: true }, resource_limits: { max_call_duration_seconds: 0.05 } } },
    audit: { record: (r) => void records.push(r) },
  });

  it("returns the (redacted) result without a promise", () => {
    const upper = e.wrapSync((a: { s: string }) => a.s.toUpperCase(), "upper");
    expect(upper({ s: "mail a@b.io" })).toBe("MAIL <EMAIL>");
    expect(records.at(-1)?.outcome).toBe("redacted");
  });

  it("throws typed errors synchronously", () => {
    expect(() => e.callSync("rm", {}, () => 1)).toThrow(ToolDeniedError);
  });

  it("refuses a tool that returns a promise", () => {
    expect(() => e.callSync("t", {}, async () => 1)).toThrow(EnforceCoreError);
    expect(records.at(-1)?.outcome).toBe("blocked");
  });

  it("withholds the result of a sync tool that overran its time limit", () => {
    const slow = () => {
      const end = Date.now() + 120;
      while (Date.now() < end) {}
      return "late";
    };
    expect(() => e.callSync("slow", {}, slow)).toThrow(ResourceLimitError);
  });
});
