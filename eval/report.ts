/**
 * Reports of a suite run: Markdown (for PRs and docs), one self-contained HTML page (inline CSS
 * and SVG, no external assets, every string escaped), and JSON (the SuiteResult itself).
 */
import { CATEGORY_TITLES, type Outcome, type ScenarioResult, type SuiteResult } from "./types.js";

const EMOJI: Record<Outcome, string> = { contained: "🟢", escaped: "🔴", "known-gap": "🟠", "control-failed": "🟣", error: "🟡", skipped: "⚪" };
const COLOR: Record<Outcome, string> = { contained: "#1a7f37", escaped: "#cf222e", "known-gap": "#d97706", "control-failed": "#8250df", error: "#9a6700", skipped: "#8c959f" };
const LABEL: Record<Outcome, string> = { contained: "contained", escaped: "escaped", "known-gap": "known gap", "control-failed": "control failed", error: "error", skipped: "skipped" };
const ORDER: readonly Outcome[] = ["contained", "known-gap", "escaped", "control-failed", "error", "skipped"];

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

function banner(s: SuiteResult): string {
  const icon = s.exitCode === 0 && s.counts.knownGaps === 0 ? "🛡️" : s.exitCode === 0 ? "⚠️" : "🚨";
  const scored = s.counts.contained + s.counts.escaped + s.counts.knownGaps;
  return `${icon} Containment ${percent(s.containmentRate)} (${s.counts.contained} of ${scored} scored scenarios)`;
}

function count(s: SuiteResult, o: Outcome): number {
  return s.results.filter((r) => r.outcome === o).length;
}

/** Markdown table cells: no pipes, no newlines. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function categoryRate(c: SuiteResult["categories"][number]): string {
  const scored = c.contained + c.escaped + c.knownGaps;
  return scored === 0 ? "–" : percent(c.contained / scored);
}

export function toMarkdown(s: SuiteResult): string {
  const out: string[] = [];
  out.push("# enforcecore adversarial evaluation", "");
  out.push(`Policy: ${s.policy} · run \`${s.runId}\` · ${s.timestamp} · ${s.platform}, Node ${s.node} · ${(s.totalDurationMs / 1000).toFixed(1)} s`, "");
  out.push(`## ${banner(s)}`, "");
  out.push(`Exit code ${s.exitCode}: ${s.exitCode === 0 ? "every scored scenario was contained and every control did its damage" : "at least one scenario escaped, or a control or scenario failed"}.`, "");
  out.push("| outcome | scenarios |", "|---|---|");
  for (const o of ORDER) out.push(`| ${EMOJI[o]} ${LABEL[o]} | ${count(s, o)} |`);
  out.push(`| total | ${s.counts.total} |`, "");

  out.push("## By category", "", "| category | scenarios | contained | known gaps | escaped | errors | skipped | containment |", "|---|---|---|---|---|---|---|---|");
  for (const c of s.categories) out.push(`| ${c.title} | ${c.total} | ${c.contained} | ${c.knownGaps} | ${c.escaped} | ${c.errors} | ${c.skipped} | ${categoryRate(c)} |`);
  out.push("");

  out.push("## Scenarios", "");
  for (const c of s.categories) {
    out.push(`### ${c.title} (${c.contained}/${c.total})`, "");
    out.push("| | scenario | severity | origin | without enforcement | enforced | contained by |", "|---|---|---|---|---|---|---|");
    for (const r of s.results.filter((x) => x.category === c.category)) {
      const control = r.control ? r.control.evidence : "–";
      const enforced = r.outcome === "skipped" ? `skipped: ${r.reason}` : (r.enforced?.evidence ?? r.reason);
      out.push(`| ${EMOJI[r.outcome]} | \`${r.id}\`<br>${cell(r.title)} | ${r.severity} | ${r.origin} | ${cell(control)} | ${cell(enforced)} | ${cell(r.containedBy)} |`);
    }
    out.push("");
  }

  const gaps = s.results.filter((r) => r.knownGap !== null);
  if (gaps.length) {
    out.push("## Known gaps", "", "Scenarios that currently escape and say what would fix them. They fail the run only with `--strict`.", "");
    for (const r of gaps) out.push(`- ${EMOJI[r.outcome]} \`${r.id}\` (${LABEL[r.outcome]}): ${r.knownGap}`);
    out.push("");
  }
  const failures = s.results.filter((r) => r.outcome === "escaped" || r.outcome === "error" || r.outcome === "control-failed");
  if (failures.length) {
    out.push("## Failures", "");
    for (const r of failures) out.push(`- ${EMOJI[r.outcome]} \`${r.id}\` ${LABEL[r.outcome]}: ${r.reason.split("\n")[0]}`);
    out.push("");
  }
  out.push("## Details", "");
  for (const r of s.results) {
    out.push(`<details><summary>${EMOJI[r.outcome]} <code>${r.id}</code> — ${escapeHtml(r.title)}</summary>`, "");
    out.push(`- Category: ${CATEGORY_TITLES[r.category]} · severity ${r.severity} · origin ${r.origin} · ${r.durationMs} ms`);
    out.push(`- Attack: ${r.attack}`);
    out.push(`- Harm without enforcement: ${r.harm}`);
    out.push(`- Contained by: ${r.containedBy}`);
    out.push(`- Outcome: ${LABEL[r.outcome]}: ${r.reason.split("\n")[0]}`);
    if (r.control) out.push(`- Control run: ${r.control.evidence} (${r.control.calls} calls, ${r.control.durationMs} ms)`);
    if (r.enforced) out.push(`- Enforced run: ${r.enforced.evidence} (${r.enforced.calls} calls, ${r.enforced.records} audit records; mechanisms seen: ${r.enforced.mechanisms.join(", ") || "none"}; expected: ${r.expectedMechanisms.join(", ")})`);
    out.push("", "</details>", "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** `code` spans in the scenario texts become <code>, everything else is escaped. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** Horizontal stacked bars, one per category: contained / known gaps / escaped / errors / skipped. */
export function categoryChart(s: SuiteResult): string {
  const rowH = 26;
  const labelW = 170;
  const barW = 420;
  const max = Math.max(1, ...s.categories.map((c) => c.total));
  const height = s.categories.length * rowH + 40;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Containment by category" width="${labelW + barW + 90}" height="${height}" viewBox="0 0 ${labelW + barW + 90} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  s.categories.forEach((c, i) => {
    const y = i * rowH + 4;
    parts.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" fill="#24292f">${escapeHtml(c.title)}</text>`);
    let x = labelW;
    const segs: [Outcome, number][] = [["contained", c.contained], ["known-gap", c.knownGaps], ["escaped", c.escaped], ["error", c.errors], ["skipped", c.skipped]];
    for (const [o, n] of segs) {
      if (n === 0) continue;
      const w = (n / max) * barW;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLOR[o]}"><title>${escapeHtml(`${c.title}: ${n} ${LABEL[o]}`)}</title></rect>`);
      x += w;
    }
    parts.push(`<text x="${(x + 6).toFixed(1)}" y="${y + 15}" fill="#57606a">${c.contained}/${c.total}</text>`);
  });
  let lx = labelW;
  const ly = s.categories.length * rowH + 16;
  for (const o of ["contained", "known-gap", "escaped", "error", "skipped"] as const) {
    parts.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${COLOR[o]}"/><text x="${lx + 14}" y="${ly + 9}" fill="#24292f">${LABEL[o]}</text>`);
    lx += 90;
  }
  parts.push("</svg>");
  return parts.join("");
}

function row(r: ScenarioResult): string {
  const control = r.control ? inline(r.control.evidence) : "–";
  const enforced = r.outcome === "skipped" ? `skipped: ${inline(r.reason)}` : inline(r.enforced?.evidence ?? r.reason.split("\n")[0]!);
  const gap = r.knownGap ? `<div class="gap">Gap: ${inline(r.knownGap)}</div>` : "";
  return `<tr class="${r.outcome}"><td><span class="badge" style="background:${COLOR[r.outcome]}">${LABEL[r.outcome]}</span></td><td><code>${escapeHtml(r.id)}</code><div class="title">${inline(r.title)}</div><div class="attack">${inline(r.attack)}</div></td><td>${r.severity}</td><td>${r.origin}</td><td>${control}</td><td>${enforced}${gap}</td><td>${inline(r.containedBy)}</td></tr>`;
}

export function toHtml(s: SuiteResult): string {
  const css = `body{font-family:system-ui,-apple-system,sans-serif;margin:2rem auto;max-width:1200px;color:#24292f;padding:0 1rem}
h1{margin-bottom:.2rem}.meta{color:#57606a;font-size:.9rem}.banner{font-size:1.4rem;font-weight:600;margin:1.2rem 0}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px;font-size:.85em}.badge{color:#fff;border-radius:10px;padding:.1rem .5rem;font-size:.75rem;white-space:nowrap}
.title{font-weight:600;margin-top:.2rem}.attack{color:#57606a;margin-top:.2rem}.gap{margin-top:.3rem;color:#9a3412}.counts td{text-align:right}.counts td:first-child{text-align:left}
tr.escaped td,tr.error td,tr.control-failed td{background:#fff1f0}tr.known-gap td{background:#fff8e6}`;
  const counts = ORDER.map((o) => `<tr><td><span class="badge" style="background:${COLOR[o]}">${LABEL[o]}</span></td><td>${count(s, o)}</td></tr>`).join("");
  const cats = s.categories
    .map((c) => `<tr><td>${escapeHtml(c.title)}</td><td>${c.total}</td><td>${c.contained}</td><td>${c.knownGaps}</td><td>${c.escaped}</td><td>${c.errors}</td><td>${c.skipped}</td><td>${categoryRate(c)}</td></tr>`)
    .join("");
  const sections = s.categories
    .map((c) => {
      const rows = s.results.filter((r) => r.category === c.category).map(row).join("");
      return `<h3>${escapeHtml(c.title)} (${c.contained}/${c.total})</h3><table><thead><tr><th>outcome</th><th>scenario</th><th>severity</th><th>origin</th><th>without enforcement</th><th>enforced</th><th>contained by</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>enforcecore adversarial evaluation</title><style>${css}</style></head>
<body>
<h1>enforcecore adversarial evaluation</h1>
<div class="meta">Policy: ${escapeHtml(s.policy)} · run <code>${escapeHtml(s.runId)}</code> · ${escapeHtml(s.timestamp)} · ${escapeHtml(s.platform)}, Node ${escapeHtml(s.node)} · ${(s.totalDurationMs / 1000).toFixed(1)} s · exit code ${s.exitCode}</div>
<div class="banner">${escapeHtml(banner(s))}</div>
<p>Each scenario is a real attack on sandboxed tools, run twice: without enforcement (the control, which must do its damage) and through the enforcer (which must contain it).</p>
<h2>Containment by category</h2>
${categoryChart(s)}
<table class="counts" style="width:auto"><tbody>${counts}<tr><td>total</td><td>${s.counts.total}</td></tr></tbody></table>
<table><thead><tr><th>category</th><th>scenarios</th><th>contained</th><th>known gaps</th><th>escaped</th><th>errors</th><th>skipped</th><th>containment</th></tr></thead><tbody>${cats}</tbody></table>
<h2>Scenarios</h2>
${sections}
</body></html>
`;
}

export function toJson(s: SuiteResult): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

export type ReportFormat = "md" | "html" | "json";

export function render(s: SuiteResult, format: ReportFormat): string {
  return format === "html" ? toHtml(s) : format === "json" ? toJson(s) : toMarkdown(s);
}
