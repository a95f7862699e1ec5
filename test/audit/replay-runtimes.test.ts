// A 10,000-call session (with kill-switch toggles and two policy reloads) replayed under Node, Deno and Bun (npm packages `deno`
// and `bun`): every runtime must prove the replay identical and compute the same answers digest.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runSession, type Session } from "./session.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const script = "test/audit/fixtures/replay-run.ts";
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const run = (cmd: string, args: readonly string[]) => JSON.parse(execFileSync(cmd, [...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).trim().split("\n").pop()!);

let session: Session;

beforeAll(async () => {
  session = await runSession(10_000, { hints: true, controls: true });
}, 120_000);

describe("audit across runtimes", () => {
  it("Node, Deno and Bun replay 10,000 calls identically", () => {
    const args = [session.path, session.journal, session.bundleFile];
    const results = [
      run(process.execPath, ["--import", "tsx", script, ...args]),
      run(bin("deno"), ["run", "--quiet", "--sloppy-imports", "--allow-read", "--allow-env", script, ...args]),
      run(bin("bun"), [script, ...args]),
    ];
    expect(results.map((r) => [r.runtime, r.io])).toEqual([["node", "node:fs"], ["deno", "deno"], ["bun", "node:fs"]]);
    for (const r of results) {
      expect(r, r.runtime).toMatchObject({ ok: true, calls: session.calls, controls: 6, divergence: null });
      expect(r.answersChecked).toBeGreaterThan(9_000);
    }
    expect(new Set(results.map((r) => r.answersDigest)).size).toBe(1);
    expect(new Set(results.map((r) => r.requests)).size).toBe(1);
  }, 300_000);

  it("signed-note vectors (WebCrypto Ed25519) give the same bytes in Node, Deno and Bun", () => {
    const s = "test/audit/fixtures/note-vectors.ts";
    const outs = [run(process.execPath, ["--import", "tsx", s]), run(bin("deno"), ["run", "--quiet", "--sloppy-imports", "--allow-read", s]), run(bin("bun"), [s])];
    for (const o of outs) {
      expect(o.spec).toEqual(["example.com/foo"]);
      expect(o.vkey).toBe("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
      expect(o.goNote).toContain("x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=");
    }
  }, 120_000);
});
