// A Cloudflare Worker (workerd) that checks tool calls against a precompiled policy bundle.
//   npx enforcecore compile policies/examples/strict.yaml -o examples/edge-worker/policy.bundle
// then bundle it with wrangler (rules: *.bundle as Data, engine.wasm as CompiledWasm), or run the
// same module shape in miniflare as test/edge/workerd.test.ts does.
import { createEnforcer, openBundle } from "enforcecore"; // the workerd condition picks dist/edge.js
import bundle from "./policy.bundle";

const enforcer = createEnforcer({ policy: openBundle(new Uint8Array(bundle)) });

export default {
  async fetch(request) {
    const { tool, args } = await request.json();
    try {
      const result = await enforcer.call(tool, args, async (a) => ({ ok: true, echo: a }));
      return Response.json(result);
    } catch (err) {
      return Response.json({ blocked: err.code, rule: err.rule, reason: err.reason }, { status: 403 });
    }
  },
};
