import { formatCents } from "@billing/rating";
import { type Account, DISCREPANCY_CLASSES, type Discrepancy, REFUNDING_CLASSES } from "@billing/reconciliation";
import type { Summary } from "./summary.js";

interface Tally {
  count: number;
  refund: number;
}

/** Discrepancies and refunds by class, service, plan and account, gathered as a run goes. */
export class ReportTotals {
  readonly byClass = new Map<string, Tally>();
  readonly byService = new Map<string, Tally>();
  readonly byPlan = new Map<string, Tally>();
  readonly byAccount = new Map<string, Tally & { msisdns: Set<string> }>();

  add(d: Discrepancy, account: Account | null): void {
    const bump = (map: Map<string, Tally>, key: string) => {
      const t = map.get(key) ?? { count: 0, refund: 0 };
      t.count += 1;
      t.refund += d.refundCents;
      map.set(key, t);
    };
    bump(this.byClass, d.class);
    bump(this.byService, d.service);
    bump(this.byPlan, account?.planId ?? "(no plan)");
    if (d.refundCents > 0) {
      const key = account?.accountId ?? "(no account)";
      const t = this.byAccount.get(key) ?? { count: 0, refund: 0, msisdns: new Set<string>() };
      t.count += 1;
      t.refund += d.refundCents;
      t.msisdns.add(d.msisdn);
      this.byAccount.set(key, t);
    }
  }
}

const CLASS_WORDS: Readonly<Record<string, string>> = {
  overcharge: "overcharge (billed more than the tariff)",
  undercharge: "undercharge (revenue leakage)",
  phantom_charge: "phantom charge (nothing behind the line)",
  duplicate_billing: "duplicate billing (same item billed again)",
  duplicate_usage: "duplicate usage (event delivered twice)",
  unconfirmed_subscription: "unconfirmed subscription (no valid 二次确认)",
  unbilled: "unbilled (correct charge, no line)",
  unverifiable: "unverifiable (record could not be rated)",
};

const esc = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** A horizontal bar chart as inline SVG: no script, no font or file from anywhere else. */
function barChart(
  title: string,
  rows: readonly { label: string; value: number; text: string }[],
  color: string,
): string {
  const width = 720;
  const labelWidth = 300;
  const barHeight = 22;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = rows.length * (barHeight + 6) + 8;
  const bars = rows
    .map((r, i) => {
      const y = 4 + i * (barHeight + 6);
      const w = Math.max(r.value > 0 ? 2 : 0, Math.round(((width - labelWidth - 120) * r.value) / max));
      return (
        `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${esc(r.label)}</text>` +
        `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="${color}" rx="3"></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 16}">${esc(r.text)}</text>`
      );
    })
    .join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="100%">${bars}</svg></figure>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const sorted = (map: Map<string, Tally>) =>
  [...map.entries()].sort((a, b) => b[1].refund - a[1].refund || b[1].count - a[1].count);

/** `report.html`: one self-contained page an analyst opens in a browser, with no network needed. */
export function renderReport(summary: Summary, totals: ReportTotals): string {
  const c = summary.cdrs;
  const classRows = DISCREPANCY_CLASSES.map((cls) => ({ cls, t: totals.byClass.get(cls) ?? { count: 0, refund: 0 } }));
  const countChart = barChart(
    "Discrepancies by class",
    classRows.map(({ cls, t }) => ({ label: CLASS_WORDS[cls] ?? cls, value: t.count, text: String(t.count) })),
    "#4a6fa5",
  );
  const refundChart = barChart(
    "Double refunds owed by class (yuan)",
    classRows
      .filter(({ cls }) => REFUNDING_CLASSES.has(cls))
      .map(({ cls, t }) => ({ label: cls, value: t.refund, text: formatCents(t.refund) })),
    "#c0392b",
  );
  const tallyChart = (title: string, map: Map<string, Tally>, color: string) =>
    barChart(
      title,
      sorted(map).map(([label, t]) => ({ label, value: t.refund, text: `${formatCents(t.refund)} (${t.count})` })),
      color,
    );
  const top = [...totals.byAccount.entries()].sort((a, b) => b[1].refund - a[1].refund).slice(0, 10);
  const quarantine = Object.entries(summary.quarantine.by_reason).map(([reason, n]) => [reason, String(n)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reconciliation ${esc(summary.run_id)}</title>
<style>
body{font:15px/1.45 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.muted{color:#666} .ok{color:#1e7e34} .bad{color:#c0392b;font-weight:bold}
.cards{display:flex;gap:1rem;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:6px;padding:.7rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.4rem}
figure{margin:1rem 0} figcaption{font-weight:600;margin-bottom:.3rem} svg text{font-size:13px;fill:#333}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left}
td:nth-child(n+2){font-variant-numeric:tabular-nums}
@media print{body{margin:0}}
</style></head><body>
<h1>Nightly reconciliation — 收费误差，双倍返还</h1>
<p class="muted">Run ${esc(summary.run_id)} (share ${esc(summary.shard)}), bill months ${esc(summary.bill_months.join(", "))}, on ${esc(summary.database)}, ${(summary.duration_ms / 1000).toFixed(1)} s</p>
<div class="cards">
<div class="card">CDR rows read<b>${c.read}</b></div>
<div class="card">discrepancies<b>${summary.items.discrepancies}</b></div>
<div class="card">credits issued now<b>${summary.credits.issued}</b></div>
<div class="card">refund issued now (yuan)<b>${esc(summary.credits.refund)}</b></div>
</div>
<p>${c.read} CDR rows = ${c.rated} rated + ${c.quarantined} quarantined + ${c.duplicates} duplicate events${c.other_shards ? ` + ${c.other_shards} in other shares` : ""}:
<span class="${c.adds_up ? "ok" : "bad"}">${c.adds_up ? "the counts add up" : "THE COUNTS DO NOT ADD UP"}</span>.
${summary.items.matched} items matched to the cent.</p>
<h2>By class</h2>${countChart}${refundChart}
<h2>By service</h2>${tallyChart("Refunds owed by service (yuan, with the number of discrepancies)", totals.byService, "#16a085")}
<h2>By tariff plan</h2>${tallyChart("Refunds owed by tariff plan (yuan, with the number of discrepancies)", totals.byPlan, "#8e44ad")}
<h2>Top accounts by refund owed</h2>
${table(
  ["account", "msisdns", "discrepancies owing a refund", "refund owed (yuan)"],
  top.map(([account, t]) => [account, [...t.msisdns].sort().join(" "), String(t.count), formatCents(t.refund)]),
)}
<h2>Quarantined input rows</h2>
${quarantine.length > 0 ? table(["reason", "rows"], quarantine) : "<p>None.</p>"}
${
  summary.credits.over_credited.length > 0
    ? `<h2>Over-credited keys, for review</h2>${table(
        ["msisdn", "month", "item", "owed", "issued"],
        summary.credits.over_credited.map((o) => [o.msisdn, o.bill_month, o.item_key, o.owed, o.issued]),
      )}`
    : ""
}
<p class="muted">Refunds owed are double the overcharge (返还 + 赠送). Credits issued now excludes those an earlier run already issued. Details: discrepancies.csv, credits.csv, quarantine.csv, summary.json.</p>
</body></html>
`;
}
