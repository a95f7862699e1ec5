// Writes and verifies an audit trail through this runtime's own entry (`import "enforcecore"`):
// the trail is the same file format everywhere. Prints what verification says.
const api = await import("enforcecore");
const dir = (globalThis.Deno ? Deno.makeTempDirSync() : (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/ec-trail-`));
const path = `${dir}/trail.jsonl`;
const trail = await api.openAuditTrail({ path, fsync: "every" });
const enforcer = api.createEnforcer({ policy: { name: "t", rules: { denied_tools: ["rm"], pii_redaction: { enabled: true } } }, audit: trail, clock: () => 1_000 });
for (let i = 0; i < 20; i++) await enforcer.call(i % 5 === 0 ? "rm" : "search", { q: `mail a${i}@b.io` }, (a) => a.q).catch(() => {});
await trail.close();
const v = await api.verifyAuditTrail(path);
console.log(`${api.runtime} ok=${v.ok} size=${v.size}`);
