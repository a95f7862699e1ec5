import { describe, expect, it } from "vitest";
import { ResourceLimitError } from "../../core/errors.js";
import { createEnforcer, workerTool } from "../../hosts/node/index.js";

const fixtures = new URL("./fixtures/tools.mjs", import.meta.url);

describe("worker isolation (Node)", () => {
  it("runs a tool in a worker and returns its result", async () => {
    const e = createEnforcer({ policy: { name: "w", rules: {} } });
    await expect(e.call("double", { n: 21 }, workerTool(fixtures, "double"))).resolves.toEqual({ n: 42 });
  });

  it("really stops a tool that never yields when its time limit passes", async () => {
    const e = createEnforcer({ policy: { name: "w", rules: { resource_limits: { max_call_duration_seconds: 0.3 } } } });
    const t0 = Date.now();
    await expect(e.call("spin", {}, workerTool(fixtures, "spin"))).rejects.toBeInstanceOf(ResourceLimitError);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // The event loop is free again: a following call runs at once.
    await expect(e.call("double", { n: 1 }, workerTool(fixtures, "double"))).resolves.toEqual({ n: 2 });
  }, 15_000);
});
