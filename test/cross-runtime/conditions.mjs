// `import "enforcecore"` from inside the package: the exports conditions pick each runtime's entry.
const m = await import("enforcecore");
const engine = m.loadEngineSync();
engine.loadPolicy(m.compilePolicyObject({ name: "c", rules: { allowed_tools: ["a"] } }));
console.log(`${m.runtime} ${engine.preCall({ tool: "b", args: {}, now: 1 }).decision}`);
