import type { DisputeCounts } from "@billing/db";
import { formatCents } from "@billing/rating";
import { type Account, DISCREPANCY_CLASSES, type Discrepancy, REFUNDING_CLASSES } from "@billing/reconciliation";
import type { Summary } from "./summary.js";

interface Tally {
  count: number;
  refund: number;
}

/** One subscriber-month owing a refund: a row of the report's table, with the replay that explains it. */
interface Owing {
  readonly account: string;
  readonly msisdn: string;
  readonly month: string;
  readonly plan: string;
  count: number;
  refund: number;
}

/** Discrepancies, refunds and leakage by class, service, plan and subscriber-month, gathered as a run goes. */
export class ReportTotals {
  readonly byClass = new Map<string, Tally>();
  readonly byService = new Map<string, Tally>();
  readonly byPlan = new Map<string, Tally>();
  readonly owing = new Map<string, Owing>();
  /** Revenue the operator lost: what undercharged and unbilled items should have charged beyond the bill. */
  leakageCents = 0;

  add(d: Discrepancy, account: Account | null): void {
    const bump = (map: Map<string, Tally>, key: string) => {
      const t = map.get(key) ?? { count: 0, refund: 0 };
      t.count += 1;
      t.refund += d.refundCents;
      map.set(key, t);
    };
    bump(this.byClass, d.class);
    bump(this.byService, d.service);
    bump(this.byPlan, account?.planId ?? "");
    if (d.class === "undercharge" || d.class === "unbilled") this.leakageCents -= d.differenceCents ?? 0;
    if (d.refundCents > 0) {
      const key = `${d.msisdn}\t${d.billMonth}`;
      const row = this.owing.get(key) ?? {
        account: account?.accountId ?? "",
        msisdn: d.msisdn,
        month: d.billMonth,
        plan: account?.planId ?? "",
        count: 0,
        refund: 0,
      };
      row.count += 1;
      row.refund += d.refundCents;
      this.owing.set(key, row);
    }
  }
}

/** An earlier run's figures for the trend, from its stored summary. */
export interface RunTrend {
  readonly runId: string;
  readonly finishedAt: string;
  readonly summary: Summary;
}

const CLASS_WORDS: Readonly<Record<string, string>> = {
  overcharge: "多收 overcharge: billed more than the tariff",
  undercharge: "少收 undercharge: billed less (revenue leakage)",
  phantom_charge: "虚收 phantom charge: nothing behind the line",
  duplicate_billing: "重复计费 duplicate billing: the same item billed again",
  duplicate_usage: "重复话单 duplicate usage: one event delivered twice",
  unconfirmed_subscription: "未二次确认 unconfirmed subscription",
  unbilled: "漏收 unbilled: a correct charge with no line",
  unverifiable: "待核实 unverifiable: could not be rated",
};

const SERVICE_WORDS: Readonly<Record<string, string>> = {
  voice: "语音 voice",
  sms: "短信 SMS",
  data: "上网 data",
  "monthly fee": "月租 monthly fee",
  "value-added": "增值业务 value-added",
  "no record": "无记录 no record",
};

const esc = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** A count with thousands separators. */
const n = (value: number) => value.toLocaleString("en-US");

/** Yuan with thousands separators, from cents: 1234567 → 12,345.67. */
export function yuan(cents: number): string {
  const text = formatCents(cents);
  const [whole, fraction] = text.replace("-", "").split(".") as [string, string];
  return `${cents < 0 ? "-" : ""}${Number(whole).toLocaleString("en-US")}.${fraction}`;
}

const centsOf = (text: string | undefined) => Math.round(Number(text ?? "0") * 100);

/** A horizontal bar chart as inline SVG: no script, no font or file from anywhere else. */
function barChart(title: string, rows: readonly { label: string; value: number; text: string }[], color: string) {
  const width = 860;
  const labelWidth = 420;
  const barHeight = 22;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = rows.length * (barHeight + 6) + 8;
  const bars = rows
    .map((r, i) => {
      const y = 4 + i * (barHeight + 6);
      const w = Math.max(r.value > 0 ? 2 : 0, Math.round(((width - labelWidth - 130) * r.value) / max));
      return (
        `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${esc(r.label)}</text>` +
        `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" fill="${color}" rx="3"></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 16}">${esc(r.text)}</text>`
      );
    })
    .join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="100%">${bars}</svg></figure>`;
}

/** A table; `numeric` columns align right and sort as numbers. */
function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number> = new Set(),
  id = "",
) {
  const head = headers
    .map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ""} data-col="${i}">${esc(h)}</th>`)
    .join("");
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ""}>${esc(c)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table${id ? ` id="${id}"` : ""}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const sorted = (map: Map<string, Tally>) =>
  [...map.entries()].sort((a, b) => b[1].refund - a[1].refund || b[1].count - a[1].count);

/** A run's refunds owed (all refunding classes) and leakage, from its summary. */
function figures(s: Summary) {
  const d = s.discrepancies as Record<string, { count: number; difference: string; refund: string }>;
  const owed = DISCREPANCY_CLASSES.reduce((sum, cls) => sum + centsOf(d[cls]?.refund), 0);
  const leakage = -(centsOf(d.undercharge?.difference) + centsOf(d.unbilled?.difference));
  return { discrepancies: s.items.discrepancies, owed, issued: centsOf(s.credits.refund), leakage };
}

// Sorting and filtering the accounts table in the page itself: the file stays one, and opens offline.
const SCRIPT = `
for (const t of document.querySelectorAll("table.sortable")) {
  const body = t.tBodies[0];
  t.querySelectorAll("th").forEach((th, col) => th.addEventListener("click", () => {
    const num = th.classList.contains("num");
    const dir = th.dataset.dir === "asc" ? -1 : 1;
    th.dataset.dir = dir === 1 ? "asc" : "desc";
    const key = (r) => num ? Number(r.cells[col].textContent.replace(/,/g, "")) : r.cells[col].textContent;
    [...body.rows].sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * dir).forEach((r) => body.append(r));
  }));
}
const filter = document.getElementById("filter");
if (filter) filter.addEventListener("input", () => {
  const q = filter.value.trim().toLowerCase();
  let shown = 0;
  for (const r of document.querySelectorAll("#owing tbody tr")) {
    const hit = r.textContent.toLowerCase().includes(q);
    r.hidden = !hit;
    if (hit) shown++;
  }
  document.getElementById("shown").textContent = shown.toLocaleString("en-US");
});
`;

/**
 * `report.html`: one self-contained page an analyst opens in a browser, with
 * no network needed: every label in words (Chinese and English), refunds
 * beside the revenue leakage, every subscriber-month owing a refund with the
 * replay that explains it, and the trend of the last runs.
 */
export function renderReport(
  summary: Summary,
  totals: ReportTotals,
  earlier: readonly RunTrend[] = [],
  disputes: DisputeCounts = { open: 0, dueSoon: 0, overdue: 0, answeredLateLast30Days: 0 },
): string {
  const c = summary.cdrs;
  const classRows = DISCREPANCY_CLASSES.map((cls) => ({ cls, t: totals.byClass.get(cls) ?? { count: 0, refund: 0 } }));
  const now = figures(summary);
  const countChart = barChart(
    "Discrepancies by class 各类差错笔数",
    classRows.map(({ cls, t }) => ({ label: CLASS_WORDS[cls] ?? cls, value: t.count, text: n(t.count) })),
    "#4a6fa5",
  );
  const refundChart = barChart(
    "Double refunds owed by class (yuan) 应双倍返还金额（元）",
    classRows
      .filter(({ cls }) => REFUNDING_CLASSES.has(cls))
      .map(({ cls, t }) => ({ label: CLASS_WORDS[cls] ?? cls, value: t.refund, text: yuan(t.refund) })),
    "#c0392b",
  );
  const tallyChart = (title: string, map: Map<string, Tally>, color: string, words: (k: string) => string) =>
    barChart(
      title,
      sorted(map).map(([label, t]) => ({
        label: words(label),
        value: t.refund,
        text: `${yuan(t.refund)} (${n(t.count)})`,
      })),
      color,
    );
  const owing = [...totals.owing.values()].sort((a, b) => b.refund - a.refund || (a.msisdn < b.msisdn ? -1 : 1));
  const earlierIssued = now.owed - now.issued;
  const rerun =
    now.owed > 0 && now.issued < now.owed
      ? `<p class="note">Refunds owed this run: ${yuan(now.owed)} yuan; issued now: ${yuan(now.issued)}. The ledger issues each credit once: the other ${yuan(earlierIssued)} yuan was issued by earlier runs on the same discrepancies (a rerun issues nothing new), or is listed for review below (no account, over-credited). 本次应退 ${yuan(now.owed)} 元，本次新发 ${yuan(now.issued)} 元，其余已由此前运行发放或待复核。</p>`
      : "";
  const trendRows = [
    ...earlier.map((r) => ({ runId: r.runId, at: r.finishedAt, f: figures(r.summary) })),
    { runId: summary.run_id, at: "this run", f: now },
  ];
  const trend = barChart(
    "Refunds owed by run (yuan) 各次运行应退金额",
    trendRows.map((r) => ({ label: `${r.runId} (${r.at})`, value: r.f.owed, text: yuan(r.f.owed) })),
    "#c0392b",
  );
  const quarantine = Object.entries(summary.quarantine.by_reason).map(([reason, count]) => [reason, n(count)]);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>对账报告 Reconciliation ${esc(summary.run_id)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2rem auto;max-width:64rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.muted{color:#666} .ok{color:#1e7e34} .bad{color:#c0392b;font-weight:bold} .note{background:#fff7e0;border:1px solid #eed58a;padding:.6rem .8rem;border-radius:6px}
.cards{display:flex;gap:1rem;flex-wrap:wrap} .card{border:1px solid #ddd;border-radius:6px;padding:.7rem 1rem;min-width:11rem}
.card b{display:block;font-size:1.4rem;font-variant-numeric:tabular-nums}
figure{margin:1rem 0} figcaption{font-weight:600;margin-bottom:.3rem} svg text{font-size:13px;fill:#333}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums} table.sortable th{cursor:pointer;user-select:none} th[data-dir=asc]::after{content:" ▲"} th[data-dir=desc]::after{content:" ▼"}
#owing td:last-child{white-space:nowrap;font-family:ui-monospace,monospace;font-size:13px} input#filter{font:inherit;padding:.3rem .5rem;width:20rem;max-width:100%}
@media print{body{margin:0} input#filter{display:none}}
</style></head><body>
<h1>收费误差，双倍返还 — nightly reconciliation 每日对账</h1>
<p class="muted">Run ${esc(summary.run_id)} (share ${esc(summary.shard)}), bill months ${esc(summary.bill_months.join(", "))}, on ${esc(summary.database)}, ${(summary.duration_ms / 1000).toFixed(1)} s</p>
<div class="cards">
<div class="card">CDR rows read 话单<b>${n(c.read)}</b></div>
<div class="card">discrepancies 差错<b>${n(summary.items.discrepancies)}</b></div>
<div class="card">refunds owed 应退 (yuan)<b>${yuan(now.owed)}</b></div>
<div class="card">refunds issued now 本次新发 (yuan)<b>${yuan(now.issued)}</b></div>
<div class="card">revenue leakage 少收漏收 (yuan)<b>${yuan(now.leakage)}</b></div>
</div>
${rerun}
<p>${n(c.read)} CDR rows = ${n(c.rated)} rated + ${n(c.quarantined)} quarantined + ${n(c.duplicates)} duplicate events${c.other_shards ? ` + ${n(c.other_shards)} in other shares` : ""}:
<span class="${c.adds_up ? "ok" : "bad"}">${c.adds_up ? "the counts add up 计数相符" : "THE COUNTS DO NOT ADD UP 计数不符"}</span>.
${n(summary.items.matched)} items matched to the cent. Leakage is what undercharged and unbilled items should have charged beyond the bill: the operator's loss, never refunded.</p>
<h2>Customer disputes 客户投诉 (48-hour answers 48小时内答复)</h2>
<div class="cards">
<div class="card">open 处理中<b>${n(disputes.open)}</b></div>
<div class="card">due within 12 h 12小时内到期<b class="${disputes.dueSoon > 0 ? "bad" : ""}">${n(disputes.dueSoon)}</b></div>
<div class="card">overdue 已超时<b class="${disputes.overdue > 0 ? "bad" : ""}">${n(disputes.overdue)}</b></div>
<div class="card">answered late, last 30 days 近30天超时答复<b>${n(disputes.answeredLateLast30Days)}</b></div>
</div>
<p class="muted">billing disputes list --open (staff's list by due time)</p>
<h2>By class 按差错类别</h2>${countChart}${refundChart}
<h2>By service 按业务</h2>${tallyChart("Refunds owed by service (yuan, with the number of discrepancies)", totals.byService, "#16a085", (k) => SERVICE_WORDS[k] ?? k)}
<h2>By tariff plan 按资费套餐</h2>${tallyChart("Refunds owed by tariff plan (yuan, with the number of discrepancies)", totals.byPlan, "#8e44ad", (k) => (k === "" ? "no plan period 无套餐" : `plan 套餐 ${k}`))}
<h2>Trend of the last runs 近期运行趋势</h2>${trend}
${table(
  ["run", "finished", "discrepancies", "refunds owed", "issued", "leakage"],
  trendRows.map((r) => [r.runId, r.at, n(r.f.discrepancies), yuan(r.f.owed), yuan(r.f.issued), yuan(r.f.leakage)]),
  new Set([2, 3, 4, 5]),
)}
<h2>Every subscriber-month owing a refund 应退明细 (<span id="shown">${n(owing.length)}</span> of ${n(owing.length)})</h2>
<p><input id="filter" type="search" placeholder="filter: account, msisdn, month, plan 筛选" aria-label="filter"> Click a heading to sort. 点击表头排序。</p>
${table(
  [
    "account 账户",
    "msisdn 号码",
    "month 账期",
    "plan 套餐",
    "discrepancies 笔数",
    "refund owed 应退 (yuan)",
    "replay 复核命令",
  ],
  owing.map((o) => [
    o.account || "(no account)",
    o.msisdn,
    o.month,
    o.plan,
    n(o.count),
    yuan(o.refund),
    `billing replay --msisdn ${o.msisdn} --month ${o.month}`,
  ]),
  new Set([4, 5]),
  "owing",
).replace("<table", '<table class="sortable"')}
<h2>Quarantined input rows 隔离的输入行</h2>
${quarantine.length > 0 ? table(["reason 原因", "rows 行数"], quarantine, new Set([1])) : "<p>None. 无。</p>"}
${
  summary.credits.over_credited.length > 0
    ? `<h2>Over-credited keys, for review 超额返还待复核</h2>${table(
        ["msisdn", "month", "item", "owed", "issued"],
        summary.credits.over_credited.map((o) => [o.msisdn, o.bill_month, o.item_key, o.owed, o.issued]),
      )}`
    : ""
}
<p class="muted">Refunds owed are double the overcharge (返还 + 赠送). Details: discrepancies.csv, credits.csv, quarantine.csv, summary.json.</p>
<script>${SCRIPT}</script>
</body></html>
`;
}
