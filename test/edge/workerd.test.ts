// The edge entry in a real workerd (from the npm package `miniflare`): the wasm is imported as a
// compiled module (workerd refuses to compile bytes), the policy is a bundle, and the answers are
// byte-identical to Node's for the same calls.
import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicyObject } from "../../hosts/node/index.js";
import { calls, policy } from "./corpus.mjs";
import { answerInNode } from "./node-answer.js";

const dist = new URL("../../dist/", import.meta.url);
const here = (f: string) => readFileSync(new URL(f, import.meta.url), "utf8");
let mf: Miniflare;

beforeAll(async () => {
  mf = new Miniflare({
    modules: [
      { type: "ESModule", path: "worker.mjs", contents: here("./worker.mjs") },
      { type: "ESModule", path: "corpus.mjs", contents: here("./corpus.mjs") },
      { type: "ESModule", path: "edge.js", contents: readFileSync(new URL("edge.js", dist), "utf8") },
      { type: "CompiledWasm", path: "engine.wasm", contents: readFileSync(new URL("engine.wasm", dist)) },
      { type: "Data", path: "policy.bundle", contents: compilePolicyObject(policy).bytes },
    ],
    compatibilityDate: "2026-07-30",
  });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

describe("edge entry in workerd", () => {
  it("gives byte-identical answers to Node for the same calls", async () => {
    const edge = await (await mf.dispatchFetch("http://localhost/")).text();
    const node = answerInNode();
    expect(edge.split("\n")).toHaveLength(calls().length);
    for (const kind of ["allow", "deny", "redact"]) expect(node).toContain(`"decision":"${kind}"`);
    expect(edge).toBe(node);
  }, 60_000);

  it("enforces tool calls inside a worker", async () => {
    const text = await (await mf.dispatchFetch("http://localhost/enforce")).text();
    expect(text).toBe("searched hi\ntool_denied: rules.denied_tools[0]");
  });
});
