// `extends`: recursion, paths relative to the file that says it, cycles, depth limit, errors located.
import { describe, expect, it } from "vitest";
import { PolicyLoadError, PolicyValidationError } from "../../core/errors.js";
import { loadPolicyFile, MAX_EXTENDS_DEPTH, parsePolicyObject, parsePolicyText } from "../../policies/loader.js";
import { memIO, thrown } from "./helpers.js";

describe("extends", () => {
  it("follows a chain recursively, base first, the most derived file winning", () => {
    const io = memIO({
      "/p/a.yaml": "name: a\nextends: b.yaml\non_violation: log\nrules:\n  denied_tools: [from_a]\n",
      "/p/b.yaml": "name: b\nextends: c.yaml\nrules:\n  denied_tools: [from_b]\n  max_call_depth: 3\n",
      "/p/c.yaml": "name: c\non_violation: redact\nrules:\n  denied_tools: [from_c]\n  max_call_depth: 9\n  redact_output: false\n",
    });
    const r = loadPolicyFile("/p/a.yaml", io);
    expect(r.sources).toEqual(["/p/c.yaml", "/p/b.yaml", "/p/a.yaml"]);
    expect(r.policy.name).toBe("a");
    expect(r.policy.on_violation).toBe("log");
    expect(r.policy.rules.denied_tools).toEqual(["from_c", "from_b", "from_a"]);
    expect(r.policy.rules.max_call_depth).toBe(3);
    expect(r.policy.rules.redact_output).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it("resolves each extends relative to the directory of the file that says it", () => {
    const io = memIO({
      "/p/teams/child.yaml": "name: child\nextends: ../shared/base.yaml\n",
      "/p/shared/base.yaml": "name: base\nextends: common/root.yaml\nrules:\n  denied_tools: [x]\n",
      "/p/shared/common/root.yaml": "name: root\nrules:\n  allowed_tools: [y]\n",
    });
    const r = loadPolicyFile("/p/teams/child.yaml", io);
    expect(io.reads).toEqual(["/p/teams/child.yaml", "/p/shared/base.yaml", "/p/shared/common/root.yaml"]);
    expect(r.policy.rules).toMatchObject({ allowed_tools: ["y"], denied_tools: ["x"] });
  });

  it("detects a cycle and shows the chain, at the extends that closes it", () => {
    const io = memIO({
      "/p/a.yaml": "name: a\nextends: b.yaml\n",
      "/p/b.yaml": "name: b\n\nextends: ./a.yaml\n",
    });
    const err = thrown(() => loadPolicyFile("/p/a.yaml", io), PolicyLoadError);
    expect(err.message).toContain("Circular extends detected: /p/a.yaml → /p/b.yaml → /p/a.yaml");
    expect(err.issues).toEqual([
      { file: "/p/b.yaml", line: 3, col: 10, path: ["extends"], message: "circular extends: /p/a.yaml → /p/b.yaml → /p/a.yaml" },
    ]);
  });

  it("detects a file extending itself, and a cycle further down the chain", () => {
    expect(thrown(() => loadPolicyFile("/p/s.yaml", memIO({ "/p/s.yaml": "name: s\nextends: s.yaml\n" })), PolicyLoadError).message).toContain(
      "/p/s.yaml → /p/s.yaml",
    );
    const io = memIO({
      "/p/x.yaml": "name: x\nextends: a.yaml\n",
      "/p/a.yaml": "name: a\nextends: b.yaml\n",
      "/p/b.yaml": "name: b\nextends: a.yaml\n",
    });
    expect(thrown(() => loadPolicyFile("/p/x.yaml", io), PolicyLoadError).message).toContain("/p/x.yaml → /p/a.yaml → /p/b.yaml → /p/a.yaml");
  });

  it("uses io.canonical to see one file reached by two spellings", () => {
    const io = { ...memIO({ "/p/a.yaml": "name: a\nextends: link.yaml\n", "/p/link.yaml": "name: l\nextends: a.yaml\n" }) };
    const canonical = (p: string) => (p === "/p/link.yaml" ? "/p/a.yaml" : p);
    expect(thrown(() => loadPolicyFile("/p/a.yaml", { ...io, canonical }), PolicyLoadError).message).toMatch(/Circular extends/);
  });

  it(`allows ${MAX_EXTENDS_DEPTH} levels of extends and refuses ${MAX_EXTENDS_DEPTH + 1}`, () => {
    const chain = (hops: number) => {
      const files: Record<string, string> = {};
      for (let i = 0; i <= hops; i++) {
        files[`/p/f${i}.yaml`] = `name: f${i}\n${i < hops ? `extends: f${i + 1}.yaml\n` : ""}rules:\n  denied_tools: [t${i}]\n`;
      }
      return memIO(files);
    };
    const ok = loadPolicyFile("/p/f0.yaml", chain(MAX_EXTENDS_DEPTH));
    expect(ok.sources).toHaveLength(MAX_EXTENDS_DEPTH + 1);
    expect(ok.policy.rules.denied_tools).toHaveLength(MAX_EXTENDS_DEPTH + 1);
    const err = thrown(() => loadPolicyFile("/p/f0.yaml", chain(MAX_EXTENDS_DEPTH + 1)), PolicyLoadError);
    expect(err.message).toMatch(/extends chain is deeper than 16 levels: \/p\/f0\.yaml → .* → \/p\/f17\.yaml/);
    expect(err.issues[0]).toMatchObject({ file: `/p/f${MAX_EXTENDS_DEPTH}.yaml`, line: 2, col: 10 });
  });

  it("a missing base is reported at the extends line of the file that names it", () => {
    const err = thrown(() => loadPolicyFile("/p/a.yaml", memIO({ "/p/a.yaml": "name: a\nrules: {}\nextends: nope.yaml\n" })), PolicyLoadError);
    expect(err.issues).toEqual([expect.objectContaining({ file: "/p/a.yaml", line: 3, col: 10, path: ["extends"] })]);
    expect(err.issues[0]?.message).toMatch(/^cannot read policy file \/p\/nope\.yaml: ENOENT/);
  });

  it("a missing entry file is a PolicyLoadError naming it", () => {
    const err = thrown(() => loadPolicyFile("/p/none.yaml", memIO({})), PolicyLoadError);
    expect(err.issues).toEqual([expect.objectContaining({ file: "/p/none.yaml", path: [] })]);
  });

  it("errors inside a base are reported in the base file, and nothing is loaded", () => {
    const io = memIO({ "/p/a.yaml": "name: a\nextends: b.yaml\n", "/p/b.yaml": "name: b\nrules:\n  denied_tools: oops\n" });
    const err = thrown(() => loadPolicyFile("/p/a.yaml", io), PolicyValidationError);
    expect(err.issues).toEqual([expect.objectContaining({ file: "/p/b.yaml", line: 3, col: 17 })]);
    const syntax = memIO({ "/p/a.yaml": "name: a\nextends: b.yaml\n", "/p/b.yaml": "name: [b\n" });
    expect(thrown(() => loadPolicyFile("/p/a.yaml", syntax), PolicyLoadError).issues[0]?.file).toBe("/p/b.yaml");
  });

  it("a child's own errors are reported before its base is read", () => {
    const io = memIO({ "/p/a.yaml": "name: a\nextends: b.yaml\nrules: {nope: 1}\n" });
    expect(thrown(() => loadPolicyFile("/p/a.yaml", io), PolicyValidationError).issues[0]?.message).toMatch(/unknown key `nope`/);
    expect(io.reads).toEqual(["/p/a.yaml"]);
  });

  it("warnings of every file in the chain are returned, base first", () => {
    const io = memIO({ "/p/a.yaml": "name: a\nextends: b.yaml\ndenied_tools: [x]\n", "/p/b.yaml": "name: b\nrules:\n  pii: {}\n" });
    const r = loadPolicyFile("/p/a.yaml", io);
    expect(r.warnings.map((w) => w.split(":").slice(0, 3).join(":"))).toEqual(["/p/b.yaml:3:3", "/p/a.yaml:3:1"]);
  });

  it("extends: null means no base", () => {
    expect(parsePolicyText("name: a\nextends: null\n", "/p/a.yaml").sources).toEqual(["/p/a.yaml"]);
  });

  it("parsePolicyText without io cannot follow extends", () => {
    const err = thrown(() => parsePolicyText("name: a\nextends: b.yaml\n", "/p/a.yaml"), PolicyLoadError);
    expect(err.issues[0]).toMatchObject({ line: 2, col: 10, path: ["extends"] });
  });

  it("parsePolicyObject follows extends when given a file and an io", () => {
    const io = memIO({ "/p/base.yaml": "name: base\nrules:\n  pii_redaction: {enabled: true}\n" });
    const r = parsePolicyObject({ name: "obj", extends: "base.yaml", rules: { denied_tools: ["x"] } }, "/p/obj.json", io);
    expect(r.sources).toEqual(["/p/base.yaml", "/p/obj.json"]);
    expect(r.policy.rules.pii_redaction.enabled).toBe(true);
    expect(thrown(() => parsePolicyObject({ name: "obj", extends: "base.yaml" }), PolicyLoadError).issues[0]).toMatchObject({ path: ["extends"] });
  });
});
