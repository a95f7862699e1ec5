// A worker as users write one: the engine imported as a wasm module, the policy a bundle.
// GET / answers the shared corpus; GET /enforce runs one enforced tool call.
import { answer, calls } from "./corpus.mjs";
import { createEdgeEngine, createEnforcer, openBundle } from "./edge.js";
import bundle from "./policy.bundle";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/enforce") {
      const enforcer = createEnforcer({ policy: openBundle(new Uint8Array(bundle)) });
      const ok = await enforcer.call("search_web", { q: "hi" }, (a) => `searched ${a.q}`);
      const denied = await enforcer.call("file_delete", {}, () => "ran").catch((e) => `${e.code}: ${e.rule}`);
      return new Response(`${ok}\n${denied}`);
    }
    return new Response(answer(await createEdgeEngine(new Uint8Array(bundle)), calls()));
  },
};
