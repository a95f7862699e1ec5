import { describe, expect, it } from "vitest";
import { call, engineFor } from "./helpers.js";

describe("allow and deny lists", () => {
  it("allows everything when allowed_tools is null, nothing when it is empty", () => {
    expect(call(engineFor({ allowed_tools: null }), "anything").decision).toBe("allow");
    const none = call(engineFor({ allowed_tools: [] }), "anything");
    expect(none.decision).toBe("deny");
    expect(none.violations[0]).toMatchObject({ type: "tool_not_allowed", rule: "rules.allowed_tools" });
  });

  it("deny wins over allow and names the rule", () => {
    const d = call(engineFor({ allowed_tools: ["search", "shell"], denied_tools: ["calc", "shell"] }), "shell");
    expect(d.decision).toBe("deny");
    expect(d.violations).toHaveLength(1);
    expect(d.violations[0]).toMatchObject({ type: "tool_denied", rule: "rules.denied_tools[1]" });
  });

  it("matches case-insensitively, including non-ASCII names", () => {
    const e = engineFor({ allowed_tools: ["Search_Web", "ÜBER_tool"], denied_tools: ["DELETE_FILE"] });
    expect(call(e, "search_web").allowed).toBe(true);
    expect(call(e, "SEARCH_WEB").allowed).toBe(true);
    expect(call(e, "über_TOOL").allowed).toBe(true);
    expect(call(e, "Delete_File").violations[0]?.type).toBe("tool_denied");
  });

  it("supports globs in both lists", () => {
    const e = engineFor({ allowed_tools: ["fs.*", "get_?"], denied_tools: ["*_delete", "fs.write*"] });
    expect(call(e, "fs.read").allowed).toBe(true);
    expect(call(e, "get_x").allowed).toBe(true);
    expect(call(e, "get_xy").allowed).toBe(false);
    expect(call(e, "fs.write_file").violations[0]?.type).toBe("tool_denied");
    expect(call(e, "fs_delete").violations[0]?.type).toBe("tool_denied");
    expect(call(e, "net.get").violations[0]?.type).toBe("tool_not_allowed");
  });

  it("handles a 10,000-tool allow list", () => {
    const tools = Array.from({ length: 10_000 }, (_, i) => `tool_${i}`);
    const e = engineFor({ allowed_tools: tools });
    expect(call(e, "tool_0").allowed).toBe(true);
    expect(call(e, "TOOL_9999").allowed).toBe(true);
    expect(call(e, "tool_10000").allowed).toBe(false);
  });

  it("refuses tool names that could impersonate another", () => {
    const e = engineFor({ allowed_tools: null, denied_tools: ["shell"] });
    for (const name of ["", "sh\u200bell", "shell ", "she\u202ell", "a\nb", "x".repeat(257), "\u0000"]) {
      const d = call(e, name);
      expect(d.decision, JSON.stringify(name)).toBe("deny");
      expect(d.violations[0]?.type).toBe("invalid_tool_name");
    }
  });

  it("matches look-alike spellings of a denied name, and refuses invisible modifiers", () => {
    const e = engineFor({ allowed_tools: null, denied_tools: ["execute_shell", "delete_file"] });
    for (const name of ["ex\u0435cute_shell", "\u0435x\u0435cut\u0435_sh\u0435ll", "ｅｘｅｃｕｔｅ_ｓｈｅｌｌ", "execute_\u017fhell", "ＤＥＬＥＴＥ_ＦＩＬＥ", "d\u0435l\u0435t\u0435_fil\u0435",
      // confusables' look-alikes (Armenian ս, Cherokee Ꮪ, Lisu ꓓ), precomposed letters
      "exec\u057Dte_shell", "execute_\u13DAhell", "\uA4D3ELETE_FILE", "\u00E9x\u00E9cute_shell", "del\u0117te_file"]) {
      expect(call(e, name).violations[0]?.type, name).toBe("tool_denied");
    }
    for (const name of ["e\u0301xecute_shell", "execute_shell\ufe0f"]) expect(call(e, name).violations[0]?.type, name).toBe("invalid_tool_name");
    expect(call(e, "search_web").decision).toBe("allow");
    // …but a look-alike of an allowed name does not inherit its permission.
    const strict = engineFor({ allowed_tools: ["search_web"] });
    expect(call(strict, "s\u0435arch_web").violations[0]?.type).toBe("tool_not_allowed");
    expect(call(strict, "ｓｅａｒｃｈ_ｗｅｂ").violations[0]?.type).toBe("tool_not_allowed");
    expect(call(strict, "se\u0251rch_web").violations[0]?.type).toBe("tool_not_allowed"); // IPA ɑ
  });

  it("log mode reports the violation but lets the call run", () => {
    const d = call(engineFor({ denied_tools: ["shell"] }, { on_violation: "log" }), "shell");
    expect(d.decision).toBe("allow_logged");
    expect(d.allowed).toBe(true);
    expect(d.violations[0]).toMatchObject({ type: "tool_denied", action: "log" });
  });

  it("redact mode blocks violations that have nothing to redact", () => {
    const d = call(engineFor({ denied_tools: ["shell"] }, { on_violation: "redact" }), "shell");
    expect(d.decision).toBe("deny");
    expect(d.violations[0]?.action).toBe("block");
  });
});
