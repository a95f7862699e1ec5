/**
 * The HTML form of `audit export`: one self-contained page (inline CSS, inline SVG bar charts, no
 * script, no external asset). Every string that comes from the trail (tool names, tenants, rule
 * paths, error codes, the verification message, the trail's file name) goes through `esc`.
 */
import { type AuditReport, type Count, OUTCOMES } from "./audit-report.js";

/** HTML-escapes text for element content and double-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const OUTCOME_COLORS: Record<string, string> = { allowed: "#2e7d32", redacted: "#f9a825", logged: "#0277bd", blocked: "#c62828", error: "#6a1b9a", fail_open: "#ef6c00" };

/** A horizontal bar chart as inline SVG: one bar per row, labelled, scaled to the largest value. */
export function barChart(title: string, rows: readonly { label: string; value: number; color?: string }[], maxRows = 20): string {
  const shown = rows.slice(0, maxRows);
  const rowH = 22;
  const labelW = 220;
  const barW = 360;
  const h = shown.length * rowH + 30;
  const max = Math.max(1, ...shown.map((r) => r.value));
  const bars = shown
    .map((r, i) => {
      const y = 24 + i * rowH;
      const w = Math.round((r.value / max) * barW);
      const label = r.label.length > 34 ? `${r.label.slice(0, 33)}…` : r.label;
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(label)}</text><rect x="${labelW}" y="${y + 2}" width="${w}" height="${rowH - 6}" fill="${r.color ?? "#37474f"}"><title>${esc(r.label)}: ${r.value}</title></rect><text x="${labelW + w + 6}" y="${y + 14}">${r.value}</text>`;
    })
    .join("");
  const more = rows.length > shown.length ? `<p class="note">${rows.length - shown.length} more not shown.</p>` : "";
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${labelW + barW + 70}" height="${h}" viewBox="0 0 ${labelW + barW + 70} ${h}"><text x="0" y="14" class="t">${esc(title)}</text>${bars}</svg>${more}</figure>`;
}

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], numeric: readonly boolean[] = []): string {
  if (rows.length === 0) return `<p class="note">None.</p>`;
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ""}>${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ""}>${esc(String(c))}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const countRows = (cs: readonly Count[]) => cs.map((c) => [c.name, c.count] as const);

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#212121;margin:2rem auto;max-width:960px;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}th{background:#f5f5f5}
.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#666}.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
code{font-size:.9em;word-break:break-all}svg text{font:12px system-ui,sans-serif;fill:#212121}svg .t{font-weight:600}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;min-width:7rem}.card b{display:block;font-size:1.4rem}`;

/** The whole page. */
export function renderHtml(r: AuditReport): string {
  const v = r.verification;
  const status = v.ok
    ? `<span class="ok">verified</span>: ${v.entries} entries, ${v.checkpoints} checkpoints${v.unsealed ? `, ${v.unsealed} after the last checkpoint` : ""}${v.signedBy.length ? `, signed by ${esc(v.signedBy.join(", "))}` : ", no signature checked"}`
    : `<span class="bad">does not verify</span> (first bad entry ${v.firstBadIndex ?? "?"}): ${esc(v.problem ?? "")}`;
  const cards = [
    ["calls", r.calls],
    ...OUTCOMES.map((o) => [o, r.outcomes[o] ?? 0] as const),
    ["redacted spans", r.redactions.input + r.redactions.output],
  ]
    .map(([k, n]) => `<div class="card">${esc(String(k))}<b>${n}</b></div>`)
    .join("");
  const body = [
    `<h1>Audit report</h1>`,
    `<p>Trail <code>${esc(r.trail)}</code>, generated ${esc(r.generatedAt)}.</p>`,
    `<p>Period: ${esc(r.period.since ?? "start of trail")} to ${esc(r.period.until ?? "end of trail")}. Entries in it: ${esc(r.span.first ?? "none")}${r.span.last ? ` to ${esc(r.span.last)}` : ""}${r.span.firstSeq !== null ? ` (seq ${r.span.firstSeq}–${r.span.lastSeq})` : ""}.</p>`,
    `<p>Verification of the whole trail: ${status}. Root <code>${esc(v.root)}</code>.</p>`,
    r.read.complete ? "" : `<p class="bad">Reading stopped after ${r.read.entries} entries: ${esc(r.read.error ?? "")}</p>`,
    `<div class="cards">${cards}</div>`,
    `<h2>Outcomes</h2>`,
    barChart(
      "Calls by outcome",
      OUTCOMES.map((o) => ({ label: o, value: r.outcomes[o] ?? 0, color: OUTCOME_COLORS[o] })),
    ),
    `<h2>Tools</h2>`,
    barChart(
      "Calls by tool",
      r.tools.map((t) => ({ label: t.tool, value: t.calls })),
    ),
    table(["tool", "calls", ...OUTCOMES, "violations"], r.tools.map((t) => [t.tool, t.calls, ...OUTCOMES.map((o) => t.outcomes[o] ?? 0), t.violations]), [false, true, ...OUTCOMES.map(() => true), true]),
    `<h2>Violations</h2>`,
    r.violations.length ? barChart("Violations by type", r.violations.map((c) => ({ label: c.name, value: c.count, color: "#c62828" }))) : "",
    table(["rule", "type", "action", "count"], r.rules.map((x) => [x.name, x.type, x.action, x.count]), [false, false, false, true]),
    `<h2>Redactions</h2>`,
    `<p>${r.redactions.input} spans redacted in arguments and ${r.redactions.output} in results, in ${r.redactions.calls} calls.</p>`,
    table(["type", "violations redacted"], countRows(r.redactions.byType), [false, true]),
    `<h2>Errors</h2>`,
    table(["error code", "calls"], countRows(r.errors), [false, true]),
    `<h2>Policies and engines</h2>`,
    table(["policy digest", "calls", "first", "last"], r.policies.map((p) => [p.digest, p.calls, p.first, p.last]), [false, true, false, false]),
    table(["engine digest", "calls", "first", "last"], r.engines.map((p) => [p.digest, p.calls, p.first, p.last]), [false, true, false, false]),
    r.tenants.length ? `<h2>Tenants</h2>${table(["tenant", "calls"], countRows(r.tenants), [false, true])}` : "",
    r.controls.events.length
      ? `<h2>Control events</h2><p>Kill switch engaged ${r.controls.killSwitchOn}×, released ${r.controls.killSwitchOff}×; policy reloaded ${r.controls.reloads}×.</p>${table(
          ["seq", "time", "event", "policy digest after", "reason"],
          r.controls.events.map((c) => [c.seq, c.time, c.control === "kill_switch" ? `kill switch ${c.killSwitch ? "on" : "off"}` : "reload", c.policyDigest, c.reason ?? ""]),
          [true, false, false, false, false],
        )}`
      : "",
    `<p class="note">The trail holds digests of arguments and results, never their values. Report format ${esc(r.format)}.</p>`,
  ];
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Audit report: ${esc(r.trail)}</title><style>${CSS}</style></head><body>\n${body.filter(Boolean).join("\n")}\n</body></html>\n`;
}
