// The redaction corpus (every PII category, every secret rule, evasion defences including
// compatibility expansions, every strategy)
// must print byte-identical output under Node, Deno and Bun: same bundle digests, same spans,
// same redacted text, same count of the engine's verification work, also for a call with
// thousands of findings.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const corpus = "test/redaction/corpus.mjs";
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

let nodeOut = "";
beforeAll(() => {
  nodeOut = run(process.execPath, [corpus]);
}, 120_000);

describe("redaction across runtimes", () => {
  it("the corpus covers every strategy, PII and secrets, and disguised values", () => {
    const lines = nodeOut.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("policy ")).length).toBe(5);
    // one call per policy whose answer outgrows the engine's fixed output region (2,339 violations)
    const many = lines.filter((l) => l.startsWith("many "));
    expect(many).toHaveLength(5);
    for (const l of many) expect(Number(l.split(" ")[3])).toBeGreaterThan(2339);
    expect(lines.length).toBeGreaterThan(2000);
    for (const s of ["<IBAN>", "<AWS_ACCESS_KEY>", "<DATABASE_PASSWORD>", "<EMAIL_1>", "[HMAC-SHA256:", "rules.pii_redaction.secrets.jwt", "rules.pii_redaction.categories.fr_nir"]) expect(nodeOut, s).toContain(s);
    // compatibility expansions (ﬁ ⒈ 🄀 ⑫ ㊺: one character, several normalised units) are redacted whole
    const redacted = (value: string, placeholder: string) => lines.some((l) => l.split(" -> ")[0]?.includes(value) && l.split(" -> ")[1]?.includes(placeholder));
    expect(redacted("1\u{1F100}0.0.1", "<IP_ADDRESS>")).toBe(true);
    expect(redacted("\u246B3-\u32BA-6789", "<SSN>")).toBe(true);
    expect(redacted("po\uFB06gres://app:Tr0ub4dor3@", "<DATABASE_PASSWORD>")).toBe(true);
    // look-alikes from Unicode's confusables, and runs of zero-width units
    expect(redacted("\u13AAKIAIOSFODNN7EXAMPLE", "<AWS_ACCESS_KEY>")).toBe(true);
    expect(redacted("j\u200B\u200C\u200D\u200E\u200F\u200Bo\uFEFF\u200B\u200Dhn@example.com", "<EMAIL")).toBe(true);
  });

  for (const [runtime, cmd, args] of [
    ["deno", bin("deno"), ["run", "--quiet", "--allow-read", "--allow-env", corpus]],
    ["bun", bin("bun"), [corpus]],
  ] as const) {
    it(`${runtime} prints byte-identical redactions`, () => {
      const out = run(cmd, [...args]);
      if (out !== nodeOut) {
        const a = nodeOut.split("\n");
        const b = out.split("\n");
        const i = a.findIndex((line, k) => line !== b[k]);
        expect.fail(`${runtime} diverges from node at line ${i + 1}:\nnode: ${a[i]}\n${runtime}: ${b[i]}`);
      }
      expect(out).toBe(nodeOut);
    }, 180_000);
  }
});
