// The original's policy invariants P1-P8 (inventory §9.1), as fast-check properties.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, engineFor } from "./helpers.js";

// `__proto__` cannot be a policy entry (the schema refuses it, see policies/fields.ts).
const toolName = fc.stringMatching(/^[A-Za-z0-9_]{1,50}$/).filter((s) => s !== "__proto__");
const toolList = fc.uniqueArray(toolName, { maxLength: 8, selector: (s) => s.toLowerCase() });
const caseVariant = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase(), name[0]!.toUpperCase() + name.slice(1).toLowerCase());
const runs = { numRuns: 60 };

describe("policy invariants", () => {
  it("P1 evaluation is deterministic", () => {
    fc.assert(fc.property(toolList, toolList, toolName, (allowed, denied, tool) => {
      const a = call(engineFor({ allowed_tools: allowed, denied_tools: denied }), tool);
      const b = call(engineFor({ allowed_tools: allowed, denied_tools: denied }), tool);
      expect(a).toEqual(b);
    }), runs);
  });

  it("P2 a denied tool is always blocked, in any case", () => {
    fc.assert(fc.property(toolList.filter((l) => l.length > 0), fc.nat(), (denied, i) => {
      const name = denied[i % denied.length]!;
      const e = engineFor({ denied_tools: denied });
      fc.assert(fc.property(caseVariant(name), (variant) => {
        expect(call(e, variant).decision).toBe("deny");
      }), { numRuns: 4 });
    }), runs);
  });

  it("P3 with an allow list, unlisted tools are blocked and listed ones allowed", () => {
    fc.assert(fc.property(toolList, toolName, (allowed, tool) => {
      const listed = allowed.some((a) => a.toLowerCase() === tool.toLowerCase());
      expect(call(engineFor({ allowed_tools: allowed }), tool).allowed).toBe(listed);
    }), runs);
  });

  it("P4 deny beats allow", () => {
    fc.assert(fc.property(toolName, (tool) => {
      expect(call(engineFor({ allowed_tools: [tool], denied_tools: [tool.toUpperCase()] }), tool).decision).toBe("deny");
    }), runs);
  });

  it("P5 a null allow list allows every tool that is not denied", () => {
    fc.assert(fc.property(toolList, toolName, (denied, tool) => {
      const isDenied = denied.some((d) => d.toLowerCase() === tool.toLowerCase());
      expect(call(engineFor({ allowed_tools: null, denied_tools: denied }), tool).allowed).toBe(!isDenied);
    }), runs);
  });

  it("P6 an empty allow list blocks every tool", () => {
    fc.assert(fc.property(toolName, (tool) => {
      expect(call(engineFor({ allowed_tools: [] }), tool).decision).toBe("deny");
    }), runs);
  });

  it("P8 every decision is one of the four kinds, and allowed iff not deny", () => {
    fc.assert(fc.property(toolList, toolList, toolName, fc.constantFrom("block", "log", "redact"), (allowed, denied, tool, mode) => {
      const d = call(engineFor({ allowed_tools: allowed, denied_tools: denied }, { on_violation: mode }), tool);
      expect(["allow", "deny", "allow_logged", "redact"]).toContain(d.decision);
      expect(d.allowed).toBe(d.decision !== "deny");
    }), runs);
  });
});
