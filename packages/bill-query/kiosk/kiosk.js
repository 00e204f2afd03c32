// The kiosk page: plain DOM, no build step, data written with textContent only.

const SERVICE = { voice: "语音", sms: "短信", data: "上网" };
const CATEGORY = {
  local: "本地",
  "long distance": "长途",
  roaming: "漫游",
  international: "国际",
  group: "集团",
  special: "特服",
};
const UNIT = { s: "秒", KB: "KB", SMS: "条" };
const ALLOWANCE_UNIT = { min: "分钟", SMS: "条", KB: "KB" };
const PAGE_SIZE = 20;

const $ = (id) => document.getElementById(id);
const state = { token: null, idleSeconds: 180, month: null, service: "", cursors: [null], page: 0, mode: "password" };

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

async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (localStorage.getItem("kioskId")) {
    headers["x-kiosk-id"] = localStorage.getItem("kioskId");
    headers["x-kiosk-key"] = localStorage.getItem("kioskKey");
  }
  if (state.token) headers.authorization = `Bearer ${state.token}`;
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
      return "手机号码与密码（或验证码）不符，请重新输入。";
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
      return "输入有误，请检查手机号码。";
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
  for (const id of ["sign-in", "months", "month", "print"]) $(id).hidden = id !== screen;
  $("sign-out").hidden = screen === "sign-in";
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  row.append(td);
}

function quantityText(r) {
  if (r.service === "voice") {
    const m = Math.floor(r.quantity.value / 60);
    const s = r.quantity.value % 60;
    return m > 0 ? `${m}分${s}秒` : `${s}秒`;
  }
  return `${r.quantity.value}${UNIT[r.quantity.unit]}`;
}

function directionText(r) {
  if (r.service === "data") return "";
  if (r.service === "sms") return r.direction === "in" ? "接收" : "发送";
  return r.direction === "in" ? "被叫" : "主叫";
}

function fillRows(tbody, records) {
  tbody.replaceChildren();
  for (const r of records) {
    const row = document.createElement("tr");
    cell(row, r.startTime.slice(0, 19).replace("T", " "));
    cell(row, `${SERVICE[r.service]} ${directionText(r)}`.trim());
    cell(row, r.category ? CATEGORY[r.category] : "");
    cell(row, r.otherParty);
    cell(row, r.visitedArea);
    cell(row, quantityText(r));
    cell(row, r.allowanceUsed);
    cell(row, r.charge ?? "待核实", "money");
    cell(row, r.ruleZh, "rule");
    tbody.append(row);
  }
  if (records.length === 0) {
    const row = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 9;
    td.textContent = "没有记录";
    row.append(td);
    tbody.append(row);
  }
}

function fillSummary(box, s) {
  box.replaceChildren();
  const line = (label, value, className) => {
    const div = document.createElement("div");
    if (className) div.className = className;
    const a = document.createElement("span");
    a.textContent = label;
    const b = document.createElement("span");
    b.textContent = value;
    div.append(a, b);
    box.append(div);
  };
  line("月租费", `${s.monthlyFee} 元`);
  for (const sub of s.subscriptions) line(`增值业务 ${sub.productId}`, `${sub.charge} 元`);
  for (const service of ["voice", "sms", "data"]) {
    const u = s.usage[service];
    line(`${SERVICE[service]}（${u.records} 条）`, `${u.charge} 元`);
    if (u.allowance) {
      const unit = ALLOWANCE_UNIT[u.allowance.unit];
      line(`　套餐内${SERVICE[service]}`, `已用 ${u.allowance.used}${unit}，剩余 ${u.allowance.left}${unit}`);
    }
  }
  line("双倍返还", `${s.credits} 元`);
  line("本月合计", `${s.total} 元`, "total");
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

async function openMonth(month) {
  const summary = await api("GET", `/v1/months/${month}`);
  state.month = month;
  state.service = "";
  $("month-title").textContent = monthTitle(month);
  fillSummary($("summary"), summary);
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
  fillRows($("record-rows"), result.records);
  $("page-number").textContent = `第 ${page + 1} 页`;
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
  fillSummary($("print-summary"), summary);
  fillRows($("print-rows"), records);
  show("print");
}

const maskedMsisdn = () => {
  const m = state.msisdn ?? "";
  return `${m.slice(0, 3)}****${m.slice(7)}`;
};

function resetToSignIn(clearMessage = true) {
  state.token = null;
  state.msisdn = null;
  state.month = null;
  for (const id of ["msisdn", "password", "code"]) $(id).value = "";
  for (const id of ["record-rows", "print-rows", "summary", "print-summary", "month-list"]) $(id).replaceChildren();
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
