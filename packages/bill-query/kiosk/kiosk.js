// The kiosk page: plain DOM, no build step, data written with textContent only.

const SERVICE = { voice: "语音", sms: "短信", data: "上网" };
const PAGE_SIZE = 20;
const OUTCOME = { error_found: "确有多收，已双倍返还", no_error: "经核实收费无误", withdrawn: "已撤回" };

const $ = (id) => document.getElementById(id);
const state = {
  token: null,
  idleSeconds: 180,
  month: null,
  service: "",
  cursors: [null],
  page: 0,
  mode: "password",
  // The customer's cases of the month shown, by item key ("" for the month as a whole).
  disputes: new Map(),
  disputing: null,
};

// A kiosk is started at /kiosk/#kiosk=ID&key=KEY once; the page keeps them and clears the address bar.
(function rememberKiosk() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("kiosk") && hash.get("key")) {
    localStorage.setItem("kioskId", hash.get("kiosk"));
    localStorage.setItem("kioskKey", hash.get("key"));
    history.replaceState(null, "", location.pathname);
  }
})();

class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? "internal";
    this.body = body?.error ?? {};
  }
}

/** The kiosk's id and key, and the session's token once signed in. */
function credentialHeaders() {
  const headers = {};
  if (localStorage.getItem("kioskId")) {
    headers["x-kiosk-id"] = localStorage.getItem("kioskId");
    headers["x-kiosk-key"] = localStorage.getItem("kioskKey");
  }
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  return headers;
}

async function api(method, path, body) {
  const headers = { accept: "application/json", ...credentialHeaders() };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

function say(text, kind = "error") {
  const m = $("message");
  m.textContent = text;
  m.className = `message no-print ${kind === "info" ? "info" : ""}`;
  m.hidden = !text;
}

function explain(failure) {
  const minutes = (s) => Math.max(1, Math.ceil(s / 60));
  switch (failure.code) {
    case "invalid_credentials":
      return typeof failure.body.triesLeft === "number"
        ? `手机号码与密码（或验证码）不符，请重新输入。还可再试 ${failure.body.triesLeft} 次，次数用完将锁定 ${failure.body.lockMinutes} 分钟。`
        : "手机号码与密码（或验证码）不符，请重新输入。";
    case "locked":
      return failure.body.scope === "kiosk"
        ? `本机输错次数过多，已暂停登录，请 ${minutes(failure.body.retryAfterSeconds)} 分钟后再试或咨询营业员。`
        : `该号码输错次数过多，已锁定，请 ${minutes(failure.body.retryAfterSeconds)} 分钟后再试。`;
    case "code_too_soon":
      return `验证码已发送，请 ${failure.body.retryAfterSeconds} 秒后再获取。`;
    case "unauthenticated":
      return "长时间未操作，已自动退出，请重新登录。";
    case "unknown_kiosk":
      return "本机未登记，暂不能查询，请联系营业厅工作人员。";
    case "month_out_of_window":
      return `只能查询近六个月的清单：${(failure.body.queryable ?? []).join("、")}。`;
    case "no_bill":
      return "该月暂无账单。";
    case "invalid_request":
      return "输入有误，请检查后重试。";
    case "unknown_item":
      return "账单中没有这一项，无法投诉。";
    default:
      return "系统繁忙，请稍后再试。";
  }
}

async function guarded(action) {
  try {
    await action();
  } catch (failure) {
    if (failure instanceof ApiFailure) {
      say(explain(failure));
      if (failure.code === "unauthenticated") resetToSignIn(false);
    } else {
      say("网络异常，请稍后再试。");
    }
  }
}

function show(screen) {
  for (const id of ["sign-in", "tariffs", "months", "disputes", "month", "print"]) $(id).hidden = id !== screen;
  $("sign-out").hidden = screen === "sign-in" || screen === "tariffs";
}

function cell(row, text, className, label) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  // The column's name, shown before the value where a phone lays a record out as a card.
  if (label) td.dataset.label = label;
  row.append(td);
}

/** A case's state in the customer's words. */
function disputeState(d) {
  if (d.status === "open") return d.clock === "overdue" ? "处理中（已超过答复时限）" : "处理中";
  return `${OUTCOME[d.answer.outcome]}${d.answer.late ? "（超时答复）" : ""}`;
}

const minuteText = (t) => t.slice(0, 16).replace("T", " ");

/** The 疑问 cell of an item: its case's mark, or the button that opens one. */
/** The 疑问 cell of an item: its case's mark, or the button that opens one (nothing for a line of no item). */
function disputeCell(row, itemKey, label) {
  const td = document.createElement("td");
  td.className = "no-print dispute-cell";
  const d = itemKey && state.disputes.get(itemKey);
  if (d) {
    const mark = document.createElement("span");
    mark.className = d.status === "open" ? "mark open" : "mark answered";
    mark.textContent = d.status === "open" ? "投诉处理中" : "投诉已答复";
    mark.title = `${d.case_id} ${disputeState(d)}`;
    td.append(mark);
  } else if (itemKey) {
    td.append(disputeButton(itemKey, label));
  }
  row.append(td);
}

function disputeButton(itemKey, label) {
  const button = document.createElement("button");
  button.className = "secondary small";
  button.textContent = "对此收费有疑问";
  button.dataset.item = itemKey;
  button.addEventListener("click", () => openDisputeDialog(itemKey, label));
  return button;
}

function fillRows(tbody, records, actions = false) {
  tbody.replaceChildren();
  for (const r of records) {
    const row = document.createElement("tr");
    if (r.duplicateOf) row.className = "duplicate";
    cell(row, r.startTime.slice(0, 19).replace("T", " "), "time");
    cell(row, r.visitedAreaName, "nowrap", "通信地点");
    cell(row, `${r.serviceZh}${r.directionZh ? ` ${r.directionZh}` : ""}`, "nowrap", "通信方式");
    cell(row, r.otherParty, "", "对方号码");
    cell(row, r.quantityZh, "nowrap", r.service === "data" ? "流量" : r.service === "sms" ? "条数" : "时长");
    cell(row, r.categoryZh, "nowrap", "通信类型");
    cell(row, r.allowanceZh, "", "套餐优惠");
    cell(row, r.duplicateOf ? "不收费" : (r.charge ?? "待核实"), "money", "应收(元)");
    cell(row, r.billed ?? "", "money", "实收(元)");
    cell(row, r.ruleZh, "rule", "计费说明");
    if (actions) disputeCell(row, r.recordId, `${r.startTime.slice(0, 16).replace("T", " ")} ${r.serviceZh}`);
    tbody.append(row);
  }
  if (records.length === 0) {
    const row = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = actions ? 11 : 10;
    td.textContent = "没有记录";
    row.append(td);
    tbody.append(row);
  }
}

const CREDIT_CLASS = {
  overcharge: "多收",
  phantom_charge: "无使用记录收费",
  duplicate_billing: "重复收费",
  duplicate_usage: "重复话单收费",
  unconfirmed_subscription: "未经二次确认的包月",
  vas_dispute: "代收费投诉先行退费",
};

/**
 * The month by sections, each with its subtotal (bill-query.md): 套餐及固定费,
 * 语音通信, 短信, 上网, 增值业务（代收费）, 双倍返还, then 应收 and 实收 in all.
 */
function fillSummary(box, s, actions = false) {
  box.replaceChildren();
  const table = document.createElement("table");
  table.className = "sections";
  const head = document.createElement("thead");
  const titles = document.createElement("tr");
  for (const [text, className] of [
    ["项目"],
    ["应收(元)", "num"],
    ["实收(元)", "num"],
    ...(actions ? [["", "no-print"]] : []),
  ]) {
    const th = document.createElement("th");
    th.textContent = text;
    if (className) th.className = className;
    titles.append(th);
  }
  head.append(titles);
  const body = document.createElement("tbody");
  table.append(head, body);
  const row = (label, charge, billed, className, itemKey) => {
    const tr = document.createElement("tr");
    if (className) tr.className = className;
    if (className === "section" || className === "allowance") {
      // A heading or a note spans the row: the amounts are on the rows under it.
      cell(tr, label);
      tr.lastChild.colSpan = actions ? 4 : 3;
      body.append(tr);
      return;
    }
    cell(tr, label);
    cell(tr, charge, "money");
    cell(tr, billed ?? "", "money");
    if (actions) disputeCell(tr, itemKey, label);
    body.append(tr);
  };
  const section = (title) => row(title, "", "", "section");

  section("套餐及固定费");
  for (const fee of s.fees) row(`${fee.name}（${fee.itemKey.slice(4)}）月租`, fee.charge, fee.billed, "", fee.itemKey);
  row("小计", s.subtotals.fees.charge, s.subtotals.fees.billed, "subtotal");
  const usageTitle = { voice: "语音通信", sms: "短信", data: "上网" };
  for (const service of ["voice", "sms", "data"]) {
    const u = s.usage[service];
    section(usageTitle[service]);
    row(`${u.records} 条记录，明细见下表`, u.charge, u.billed, "subtotal");
    if (u.allowanceZh) row(`套餐内${SERVICE[service]}：${u.allowanceZh}`, "", "", "allowance");
  }
  section("增值业务（代收费）");
  for (const sub of s.subscriptions)
    row(
      `${sub.name}（${sub.productId}）${sub.provider ? `，${sub.provider}代收` : ""}`,
      sub.charge,
      sub.billed,
      "",
      `VAS:${sub.productId}`,
    );
  if (s.subscriptions.length === 0) row("无", "0.00", "", "");
  row("小计", s.subtotals.valueAdded.charge, s.subtotals.valueAdded.billed, "subtotal");
  section("双倍返还");
  for (const c of s.creditLines) row(`${c.itemKey}：${CREDIT_CLASS[c.class] ?? c.class}`, c.refund, "", "");
  if (s.creditLines.length === 0) row("无", "0.00", "", "");
  row("小计", s.credits, "", "subtotal");
  row("本月合计", s.total, s.billed, "total");
  box.append(table);
}

const monthTitle = (month) => `${month.slice(0, 4)}年${Number(month.slice(5))}月 话费清单`;

async function openMonths() {
  const { months } = await api("GET", "/v1/months");
  const list = $("month-list");
  list.replaceChildren();
  for (const m of months) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.dataset.month = m.month;
    const name = document.createElement("span");
    name.textContent = `${m.month.slice(0, 4)}年${Number(m.month.slice(5))}月`;
    const total = document.createElement("span");
    total.textContent = m.summary ? `合计 ${m.summary.total} 元` : "暂无账单";
    button.append(name, total);
    button.disabled = !m.summary;
    button.addEventListener("click", () => guarded(() => openMonth(m.month)));
    li.append(button);
    list.append(li);
  }
  say("");
  show("months");
}

async function loadDisputes(month) {
  const { disputes } = await api("GET", "/v1/disputes");
  state.disputes = new Map();
  // Newest case last wins: an item answered and questioned again shows the open case.
  for (const d of disputes) if (d.bill_month === month) state.disputes.set(d.item_key ?? "", d);
}

async function openMonth(month) {
  const summary = await api("GET", `/v1/months/${month}`);
  state.month = month;
  state.service = "";
  await loadDisputes(month);
  $("month-title").textContent = monthTitle(month);
  fillSummary($("summary"), summary, true);
  $("dispute-month").hidden = state.disputes.has("");
  for (const b of document.querySelectorAll(".filters button"))
    b.setAttribute("aria-pressed", String(b.dataset.service === ""));
  await loadPage([null], 0);
  say("");
  show("month");
}

async function loadPage(cursors, page) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (state.service) query.set("service", state.service);
  if (cursors[page]) query.set("cursor", cursors[page]);
  const result = await api("GET", `/v1/months/${state.month}/records?${query}`);
  state.cursors = cursors.slice(0, page + 1);
  if (result.next) state.cursors.push(result.next);
  state.page = page;
  fillRows($("record-rows"), result.records, true);
  $("page-number").textContent = `第 ${page + 1} 页 / 共 ${Math.max(1, Math.ceil(result.total / PAGE_SIZE))} 页`;
  $("previous-page").disabled = page === 0;
  $("next-page").disabled = !result.next;
}

async function openPrintView() {
  const summary = await api("GET", `/v1/months/${state.month}`);
  const records = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: "100" });
    if (cursor) query.set("cursor", cursor);
    const page = await api("GET", `/v1/months/${state.month}/records?${query}`);
    records.push(...page.records);
    cursor = page.next;
  } while (cursor);
  $("print-title").textContent = `${monthTitle(state.month)}（${maskedMsisdn()}）`;
  const printed = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
  const [y, m] = state.month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  $("print-facts").textContent =
    `机主 ${maskedMsisdn()}　号码 ${maskedMsisdn()}　账期 ${state.month}-01 至 ${state.month}-${last}　打印时间 ${printed}（北京时间）`;
  fillSummary($("print-summary"), summary, false);
  fillRows($("print-rows"), records);
  show("print");
}

const maskedMsisdn = () => {
  const m = state.msisdn ?? "";
  return `${m.slice(0, 3)}****${m.slice(7)}`;
};

function openDisputeDialog(itemKey, label) {
  state.disputing = itemKey;
  $("dispute-item").textContent = itemKey
    ? `${monthTitle(state.month)}：${label}`
    : `${monthTitle(state.month)}（整月）`;
  $("dispute-form").reset();
  $("dispute-form").hidden = false;
  $("dispute-done").hidden = true;
  $("dispute-dialog").showModal();
}

async function submitDispute() {
  const reason = new FormData($("dispute-form")).get("reason");
  if (!reason) {
    say("请选择投诉原因。");
    return;
  }
  const body = { month: state.month, reason: String(reason) };
  if (state.disputing) body.item = state.disputing;
  const text = $("dispute-text").value.trim();
  if (text) body.text = text;
  const d = await api("POST", "/v1/disputes", body);
  $("done-case").textContent = d.case_id;
  $("done-due").textContent = minuteText(d.due_at);
  const refunded = d.credits.filter((c) => c.class === "vas_dispute");
  $("done-refund").hidden = refunded.length === 0;
  $("done-refund").textContent = `此项为代收费业务，已先行双倍返还 ${d.refund} 元，再行核查。`;
  $("dispute-form").hidden = true;
  $("dispute-done").hidden = false;
  say("");
  await loadDisputes(state.month);
  fillSummary($("summary"), await api("GET", `/v1/months/${state.month}`), true);
  $("dispute-month").hidden = state.disputes.has("");
  await loadPage(state.cursors, state.page);
}

async function openDisputes() {
  const { disputes } = await api("GET", "/v1/disputes");
  const list = $("dispute-list");
  list.replaceChildren();
  for (const d of [...disputes].sort((a, b) => (a.opened_at < b.opened_at ? 1 : -1))) {
    const li = document.createElement("li");
    li.className = `dispute ${d.status}`;
    const line = (label, value, className) => {
      const div = document.createElement("div");
      if (className) div.className = className;
      const a = document.createElement("span");
      a.textContent = label;
      const b = document.createElement("span");
      b.textContent = value;
      div.append(a, b);
      li.append(div);
    };
    line("投诉编号", d.case_id, "case");
    line("账期与项目", `${d.bill_month} ${d.item_key ?? "整月账单"}`);
    line("原因", `${d.reason_zh}${d.words ? `：${d.words}` : ""}`);
    line("受理时间", minuteText(d.opened_at));
    line("答复时限", minuteText(d.due_at));
    line("状态", disputeState(d), "state");
    if (d.answer?.text) line("答复", d.answer.text);
    if (d.answer?.explanation_zh) line("核查说明", d.answer.explanation_zh);
    if (d.refund !== "0.00") line("返还金额", `${d.refund} 元`);
    list.append(li);
  }
  if (disputes.length === 0) {
    const li = document.createElement("li");
    li.textContent = "近六个月没有投诉。";
    list.append(li);
  }
  say("");
  show("disputes");
}

/** The month's CSV (Chinese headers, UTF-8 with a BOM) saved through the browser, with the session's headers. */
async function downloadCsv() {
  const response = await fetch(`/v1/months/${state.month}/records.csv`, { headers: credentialHeaders() });
  if (!response.ok) throw new ApiFailure(response.status, await response.json());
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = `话费清单-${state.month}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const nextMonth = (month) => {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
};

function tariffBlock(t, title) {
  const box = document.createElement("div");
  box.className = "tariff-month";
  const h = document.createElement("h3");
  h.textContent = title;
  box.append(h);
  for (const p of t.plans) {
    const card = document.createElement("div");
    card.className = "tariff";
    const line = (text, className) => {
      const div = document.createElement("div");
      if (className) div.className = className;
      div.textContent = text;
      card.append(div);
    };
    line(`${p.name}（${p.planId}）月租 ${p.monthlyFee} 元`, "tariff-name");
    const inc = p.included;
    line(
      `套餐内：${inc.voiceMinutes} 分钟（${inc.voiceCategories.join("、") || "国内通话"}），短信 ${inc.sms} 条，流量 ${inc.dataMb} MB`,
    );
    line(`语音：${p.voice.map((r) => `${r.category} ${r.price} 元/${r.unit}`).join("；")}`);
    if (p.offPeak)
      line(
        `闲时 ${p.offPeak.from}–${p.offPeak.to}：${p.offPeak.voice.map((r) => `${r.category} ${r.price} 元/${r.unit}`).join("；")}`,
      );
    line(`短信：国内 ${p.sms.domestic} 元/条，国际 ${p.sms.international} 元/条`);
    line(`上网：${p.data.pricePerMb} 元/MB${p.data.monthlyCap ? `，每月封顶 ${p.data.monthlyCap} 元` : ""}`);
    line(`自 ${p.effectiveFrom} 起执行`, "hint");
    box.append(card);
  }
  const vas = document.createElement("div");
  vas.className = "tariff";
  const vh = document.createElement("div");
  vh.className = "tariff-name";
  vh.textContent = "增值业务（代收费）";
  vas.append(vh);
  for (const v of t.valueAdded) {
    const div = document.createElement("div");
    div.textContent = `${v.name}（${v.productId}）${v.provider ? `，${v.provider}代收` : ""}：包月 ${v.monthlyPrice} 元${
      v.requiresConfirmation ? "，须二次确认" : ""
    }${v.freeFirstMonth ? "，首月免费" : ""}`;
    vas.append(div);
  }
  box.append(vas);
  return box;
}

async function openTariffs() {
  const now = await api("GET", "/v1/tariffs");
  const next = await api("GET", `/v1/tariffs?month=${nextMonth(now.month)}`).catch(() => null);
  const list = $("tariff-list");
  list.replaceChildren(tariffBlock(now, `${monthTitle(now.month).replace(" 话费清单", "")}执行的资费`));
  const same = (a, b) => JSON.stringify([a.plans, a.valueAdded]) === JSON.stringify([b.plans, b.valueAdded]);
  if (next && !same(now, next))
    list.append(tariffBlock(next, `${monthTitle(next.month).replace(" 话费清单", "")}起调整后的资费`));
  say("");
  show("tariffs");
}

function resetToSignIn(clearMessage = true) {
  state.token = null;
  state.msisdn = null;
  state.month = null;
  for (const id of ["msisdn", "password", "code"]) $(id).value = "";
  for (const id of ["record-rows", "print-rows", "summary", "print-summary", "month-list", "dispute-list"])
    $(id).replaceChildren();
  state.disputes = new Map();
  if ($("dispute-dialog").open) $("dispute-dialog").close();
  if (clearMessage) say("");
  show("sign-in");
}

function setMode(mode) {
  state.mode = mode;
  $("tab-password").setAttribute("aria-selected", String(mode === "password"));
  $("tab-code").setAttribute("aria-selected", String(mode === "code"));
  $("password-field").hidden = mode !== "password";
  $("code-field").hidden = mode !== "code";
}

// A shared machine: sign out on the client too when nobody touches it.
let idleTimer = null;
function touched() {
  clearTimeout(idleTimer);
  if (state.token) {
    idleTimer = setTimeout(() => {
      say("长时间未操作，已自动退出。", "info");
      resetToSignIn(false);
    }, state.idleSeconds * 1000);
  }
}

let lastInput = null;
document.addEventListener("focusin", (e) => {
  if (e.target instanceof HTMLInputElement) lastInput = e.target;
});

document.addEventListener("DOMContentLoaded", () => {
  for (const event of ["pointerdown", "keydown"]) document.addEventListener(event, touched);
  $("tab-password").addEventListener("click", () => setMode("password"));
  $("tab-code").addEventListener("click", () => setMode("code"));
  for (const key of document.querySelectorAll(".keypad button")) {
    key.addEventListener("click", () => {
      const input = lastInput ?? $("msisdn");
      if (key.dataset.key === "clear") input.value = "";
      else if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
      else if (input.value.length < input.maxLength) input.value += key.textContent;
      input.focus();
    });
  }
  $("send-code").addEventListener("click", () =>
    guarded(async () => {
      await api("POST", "/v1/sign-in/codes", { msisdn: $("msisdn").value });
      say("验证码已发送，请查看短信。", "info");
    }),
  );
  $("sign-in-form").addEventListener("submit", (e) => {
    e.preventDefault();
    guarded(async () => {
      const msisdn = $("msisdn").value;
      const body =
        state.mode === "password" ? { msisdn, password: $("password").value } : { msisdn, code: $("code").value };
      const session = await api("POST", "/v1/sessions", body);
      state.token = session.token;
      state.msisdn = session.msisdn;
      state.idleSeconds = session.idleSeconds;
      touched();
      await openMonths();
    });
  });
  $("sign-out").addEventListener("click", () =>
    guarded(async () => {
      try {
        await api("DELETE", "/v1/sessions/current");
      } finally {
        resetToSignIn();
      }
    }),
  );
  $("back-to-months").addEventListener("click", () => guarded(openMonths));
  $("open-disputes").addEventListener("click", () => guarded(openDisputes));
  $("open-tariffs").addEventListener("click", () => guarded(openTariffs));
  $("back-from-tariffs").addEventListener("click", () => show(state.token ? "months" : "sign-in"));
  $("download-csv").addEventListener("click", () =>
    guarded(async () => {
      await downloadCsv();
      say("清单已下载（CSV，可用表格软件打开）。", "info");
    }),
  );
  $("back-from-disputes").addEventListener("click", () => guarded(openMonths));
  $("dispute-month").addEventListener("click", () => openDisputeDialog(null, "整月"));
  $("dispute-cancel").addEventListener("click", () => $("dispute-dialog").close());
  $("done-close").addEventListener("click", () => $("dispute-dialog").close());
  $("dispute-form").addEventListener("submit", (e) => {
    e.preventDefault();
    guarded(submitDispute);
  });
  $("back-to-month").addEventListener("click", () => show("month"));
  $("print-view").addEventListener("click", () => guarded(openPrintView));
  $("print-now").addEventListener("click", () => window.print());
  $("next-page").addEventListener("click", () => guarded(() => loadPage(state.cursors, state.page + 1)));
  $("previous-page").addEventListener("click", () => guarded(() => loadPage(state.cursors, state.page - 1)));
  for (const b of document.querySelectorAll(".filters button")) {
    b.addEventListener("click", () =>
      guarded(async () => {
        state.service = b.dataset.service;
        for (const other of document.querySelectorAll(".filters button"))
          other.setAttribute("aria-pressed", String(other === b));
        await loadPage([null], 0);
      }),
    );
  }
  setMode("password");
  show("sign-in");
});
