/**
 * Every scenario, by category in the original's order. Within a category: the original's
 * scenarios first, then the attacks that beat the original (`bypass`), new ones, and guard escapes.
 */
import { CATEGORIES, type Scenario } from "../types.js";
import { auditCompleteness } from "./audit-completeness.js";
import { collusion } from "./collusion.js";
import { dataExfiltration } from "./data-exfiltration.js";
import { guardEscapes } from "./guard-escapes.js";
import { piiLeakage } from "./pii-leakage.js";
import { policyEvasion } from "./policy-evasion.js";
import { privilegeEscalation } from "./privilege-escalation.js";
import { promptInjection } from "./prompt-injection.js";
import { ransomware } from "./ransomware.js";
import { resourceExhaustion } from "./resource-exhaustion.js";
import { supplyChain } from "./supply-chain.js";
import { toolAbuse } from "./tool-abuse.js";

const ORIGIN_ORDER = { original: 0, bypass: 1, new: 2, guard: 3 } as const;

const all: Scenario[] = [
  ...toolAbuse,
  ...dataExfiltration,
  ...resourceExhaustion,
  ...policyEvasion,
  ...piiLeakage,
  ...privilegeEscalation,
  ...promptInjection,
  ...ransomware,
  ...supplyChain,
  ...collusion,
  ...auditCompleteness,
  ...guardEscapes,
];

export const SCENARIOS: readonly Scenario[] = Object.freeze(
  all
    .map((s, i) => ({ s, i }))
    .sort((a, b) => CATEGORIES.indexOf(a.s.category) - CATEGORIES.indexOf(b.s.category) || ORIGIN_ORDER[a.s.origin] - ORIGIN_ORDER[b.s.origin] || a.i - b.i)
    .map(({ s }) => s),
);

const ids = new Set<string>();
for (const s of SCENARIOS) {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s.id)) throw new Error(`scenario id ${JSON.stringify(s.id)} is not kebab-case`);
  if (ids.has(s.id)) throw new Error(`duplicate scenario id ${s.id}`);
  ids.add(s.id);
}
