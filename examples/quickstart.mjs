// Quickstart: `node examples/quickstart.mjs` after `npm install`.
import { createEnforcer, ToolDeniedError } from "../dist/node.js";

const enforcer = createEnforcer({
  policy: {
    name: "quickstart",
    rules: {
      allowed_tools: ["search_web", "send_email"],
      pii_redaction: { enabled: true, categories: ["email", "phone"] },
      network: { enabled: true, allowed_domains: ["*.wikipedia.org"] },
    },
  },
});

const search = (args) => `results for ${args.q}`;
console.log(await enforcer.call("search_web", { q: "WebAssembly" }, search));

const send = (args) => `sent: ${args.body}`;
console.log(await enforcer.call("send_email", { body: "call me at (555) 123-4567" }, send));

try {
  await enforcer.call("delete_everything", {}, () => "should never run");
} catch (err) {
  if (!(err instanceof ToolDeniedError)) throw err;
  console.log(`blocked: ${err.code} ${err.rule}: ${err.reason}`);
}
