/**
 * The four built-in content rules of the original (enforcecore `core/rules.py`), rewritten in the
 * syntax the linear-time engine supports. They are compiled case-insensitive.
 *
 * What had to change:
 * - No `\b` and no lookbehind. "Not preceded by a letter or underscore" is `(?:^|[^A-Za-z_])` at
 *   the left edge of the pattern.
 * - "Whole word" at the right edge ("followed by a non-word character or the end of the text")
 *   needs the end of the text, and one table has a single end-anchoring flag. Rules that need it
 *   are written as `(?:A[^]*|B(?:[^A-Za-z0-9_][^]*)?)$`: the same texts match, and the reported
 *   match starts where the original's did, but a match then extends to the end of the text.
 *   `sql_injection` uses the same form for "`--` at the end of the text".
 */

export interface BuiltinContentRule {
  readonly name: string;
  readonly description: string;
  /** JS RegExp source in the supported subset; compile with `caseInsensitive: true`. */
  readonly source: string;
}

const WORD_END = "(?:[^A-Za-z0-9_][^]*)?";

export const BUILTIN_CONTENT_RULES: readonly BuiltinContentRule[] = Object.freeze([
  {
    name: "shell_injection",
    description:
      "Shell injection: `rm -r` followed by f or a space; `; sudo`; `&&` into curl/wget/nc/bash/sh/zsh; " +
      "back-tick spans; `$(…)`; a pipe into bash/sh/zsh/exec; a redirect into /etc/, /dev/ or /proc/.",
    source:
      String.raw`(?:(?:rm\s+-r[f\s]|` +
      "`[^`]*`" +
      String.raw`|\$\([^)]*\)|\|\s*(?:bash|sh|zsh|exec)|>\s*/(?:etc|dev|proc)/)[^]*` +
      String.raw`|(?:;\s*sudo|&&\s*(?:curl|wget|nc|bash|sh|zsh))${WORD_END})$`,
  },
  {
    name: "path_traversal",
    description:
      "Path traversal: `../` or `..\\`; the encodings %2e%2e%2f, %2e%2e/ and .%2e/; %00; " +
      "/etc/passwd, /etc/shadow, /etc/hosts; UNC-like `\\\\name\\`.",
    source: String.raw`\.\.[/\\]|%2e%2e(?:%2f|/)|\.%2e/|%00|/etc/(?:passwd|shadow|hosts)|\\\\[^\\]+\\`,
  },
  {
    name: "sql_injection",
    description:
      "SQL injection: a quote then OR/AND and `number = number`; UNION or INTERSECT [ALL] SELECT; " +
      "`;` then DROP/DELETE/TRUNCATE/ALTER/INSERT and a space; `--` at the end of the text; `/*…*/`.",
    source:
      String.raw`(?:(?:'\s*(?:or|and)\s+\d+\s*=\s*\d+|(?:union|intersect)\s+(?:all\s+)?select` +
      String.raw`|;\s*(?:drop|delete|truncate|alter|insert)\s|/\*[^]*?\*/)[^]*|--)$`,
  },
  {
    name: "code_execution",
    description:
      "Code execution: exec/eval/compile followed by `(` when not preceded by a letter or underscore; " +
      "__import__(; importlib.import_module(; os.system(, os.popen(, os.exec*(; " +
      "subprocess.call/run/Popen/check_output(.",
    source:
      String.raw`(?:^|[^A-Za-z_])(?:exec|eval|compile)\s*\(|__import__\s*\(|importlib\.import_module\s*\(` +
      String.raw`|os\.(?:system|popen|exec[a-z]*)\s*\(|subprocess\.(?:call|run|popen|check_output)\s*\(`,
  },
]);
