// The department head's roster month: pick a month and the engineers, plan it (a job with its
// progress), read the grid as the command line prints it, edit days by hand, re-plan keeping
// the edits, accept, download the command line's files; the shortfall as a heat map with
// totals and recommendations.

import { api, ApiError, el, guarded, LANG, listAll, num, rub, say, setupKey, t } from "./lib/core.js";
import { cancel, follow } from "./lib/jobs.js";

const $ = (id) => document.getElementById(id);
const state = {
  jobId: null, view: null, engineers: [], templates: [], months: null,
  edits: new Map(), // "eid|date" -> {kind: "pin", template_id} | {kind: "off"}
  running: null, cell: null, verifying: null,
};

// -- form ------------------------------------------------------------------------------------

function fieldError(id, text) {
  const input = $(id);
  const box = $(`${id}-error`);
  if (box) box.textContent = text || "";
  if (input) input.setAttribute("aria-invalid", text ? "true" : "false");
}

function monthProblem(value) {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value || "")) return t("roster.month_missing");
  if (state.months && (value < state.months.first || value > state.months.last)) {
    return t("roster.month_error", { first: monthText(state.months.first), last: monthText(state.months.last) });
  }
  return "";
}

function monthText(ym) {
  const [y, m] = ym.split("-");
  return `${m}.${y}`;
}

function selectedEngineers() {
  return [...document.querySelectorAll("#engineer-list input:checked")].map((i) => i.value);
}

function renderEngineerChoice() {
  const box = $("engineer-list");
  box.replaceChildren(...state.engineers.map((e) => el("label", {},
    el("input", { type: "checkbox", value: e.id, checked: true, name: "engineer" }), ` ${e.name}`)));
}

async function loadReference() {
  state.months = (await api("GET", "/rosters/months")).data;
  state.engineers = await listAll("/engineers");
  state.templates = await listAll("/shift-templates");
  renderEngineerChoice();
  const job = new URLSearchParams(location.search).get("job");
  if (job) await showMonth(job);
}

async function plan(withEdits) {
  const month = $("month").value.trim();
  const problem = monthProblem(month);
  fieldError("month", problem);
  if (problem) return;
  const ids = selectedEngineers();
  if (!ids.length) { say(t("roster.no_engineers")); return; }
  const limit = Number($("time-limit").value);
  const body = { month, engineer_ids: ids, time_limit_s: limit };
  if (withEdits) {
    body.pins = [];
    body.days_off = [];
    for (const [key, edit] of state.edits) {
      const [engineer_id, date] = key.split("|");
      if (edit.kind === "pin") body.pins.push({ engineer_id, date, template_id: edit.template_id });
      else body.days_off.push({ engineer_id, date });
    }
    // a re-plan starts from the roster on screen: the answer is never worse than it
    if (state.jobId && state.view && state.view.month === month) body.start_from_job = state.jobId;
  } else {
    state.edits.clear();
  }
  let job;
  try {
    job = (await api("POST", "/rosters/month", body)).data;
  } catch (err) {
    if (err instanceof ApiError && err.problem.field === "month") {
      fieldError("month", monthProblem("0000-00"));
      return;
    }
    throw err;
  }
  await runJob(job.id, limit);
}

async function runJob(id, limit) {
  const controller = new AbortController();
  state.running = id;
  $("cancel").hidden = false;
  $("plan").disabled = $("resolve").disabled = true;
  const bar = $("progress");
  bar.hidden = false;
  bar.value = 0;
  say("");
  try {
    await follow(id, ({ job, elapsed }) => {
      bar.value = job.status === "done" ? 1 : Math.min(0.99, elapsed / limit);
      $("job-status").textContent = t("roster.status", {
        status: t(`job.${job.status}`), elapsed: Math.round(elapsed), limit,
      });
    }, controller.signal);
    await showMonth(id);
    say(t("roster.found"), true);
  } finally {
    state.running = null;
    bar.hidden = true;
    $("cancel").hidden = true;
    $("plan").disabled = $("resolve").disabled = false;
    $("job-status").textContent = "";
  }
}

// -- the month -------------------------------------------------------------------------------

async function showMonth(id) {
  const view = (await api("GET", `/rosters/${id}/month?lang=${LANG}`)).data;
  state.jobId = id;
  state.view = view;
  state.edits.clear();
  for (const p of view.pins) state.edits.set(`${p.engineer_id}|${p.date}`, { kind: "pin", template_id: p.template_id });
  for (const d of view.days_off) state.edits.set(`${d.engineer_id}|${d.date}`, { kind: "off" });
  const url = new URL(location.href);
  url.searchParams.set("job", id);
  history.replaceState(null, "", url);
  $("month").value = view.month;
  $("result").hidden = false;
  $("month-title").textContent = `${monthName(view.month)} · ${solverText(view.status)}`;
  $("accepted-mark").hidden = !view.accepted;
  $("accept").disabled = Boolean(view.accepted);
  renderGrid(view);
  renderLegend(view);
  renderEdits();
  renderCost(view.cost);
  renderShortfall(view);
  const select = $("ics-engineer");
  select.replaceChildren(...view.engineers.map((e) => el("option", { value: e.id }, e.name)));
}

function monthName(ym) {
  const [y, m] = ym.split("-").map(Number);
  const name = new Intl.DateTimeFormat(LANG === "ru" ? "ru-RU" : "en-GB", { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, 1)));
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function solverText(status) {
  if (status === "OPTIMAL") return t("roster.solver_optimal");
  if (status === "FEASIBLE") return t("roster.solver_feasible");
  return t("roster.solver_other");
}

function renderGrid(view) {
  const head = el("tr", {}, el("th", { class: "name" }, t("roster.col_name")),
    view.days.map((d) => el("th", { class: d.mark, title: d.note || null },
      String(Number(d.date.slice(8))), el("span", { class: "wd" }, d.weekday))),
    el("th", {}, t("roster.col_hours")), el("th", {}, t("roster.col_norm")),
    el("th", {}, t("roster.col_dayoff")), el("th", {}, t("roster.col_deficit")),
    el("th", {}, t("roster.col_overtime")));
  document.querySelector("#grid thead").replaceChildren(head);
  const rows = view.engineers.map((e) => el("tr", {},
    el("td", { class: "name" }, e.name),
    e.cells.map((c, i) => gridCell(e, c, view.days[i])),
    el("td", { class: "num" }, num(e.hours)),
    el("td", { class: "num" }, num(e.norm_hours)),
    el("td", { class: `num${e.day_off_hours > 0 ? " flag" : ""}` }, num(e.day_off_hours)),
    el("td", { class: "num" }, num(e.norm_deficit_hours)),
    el("td", { class: `num${e.overtime_hours > 0 ? " flag" : ""}` }, num(e.overtime_hours))));
  document.querySelector("#grid tbody").replaceChildren(...rows);
}

function gridCell(engineer, cell, day) {
  const key = `${engineer.id}|${cell.date}`;
  const edit = state.edits.get(key);
  const classes = ["shift", day.mark];
  let code = cell.code;
  if (cell.absence) classes.push("absence");
  if (cell.day_off_work) classes.push("dayoffwork");
  if (cell.car_out) classes.push("car");
  if (edit) {
    classes.push("edited");
    code = edit.kind === "off" ? "В" : templateCode(edit.template_id);
  }
  const title = [`${engineer.name}, ${dayText(day)}`, day.note,
    cell.start ? `${hmOf(cell.start)}–${hmOf(cell.end)}` : "",
    cell.absence ? t(`absence.${cell.absence}`) : "", cell.car_out ? t("absence.car_unavailable") : ""]
    .filter(Boolean).join(" · ");
  return el("td", { class: classes.join(" "), title, dataset: { engineer: engineer.id, date: cell.date } }, code);
}

function hmOf(iso) {
  return iso.slice(11, 16);
}

function dayText(day) {
  return day.label;
}

function templateCode(id) {
  const item = state.view.legend.find((l) => l.template_id === id);
  return item ? item.code : "?";
}

function templateName(id) {
  const item = state.view.legend.find((l) => l.template_id === id);
  if (item) return item.text;
  const tpl = state.templates.find((x) => x.id === id);
  return tpl ? tpl.name : "?";
}

function renderLegend(view) {
  const items = view.legend.map((l) => el("span", {}, el("strong", {}, l.code), ` — ${l.text}`));
  items.push(el("span", {}, el("strong", {}, "В"), ` — ${t("roster.choice_off")}`));
  for (const mark of ["weekend", "holiday", "pre_holiday", "working_weekend"]) {
    items.push(el("span", {}, el("span", { class: `swatch grid-${mark}` }), t(`roster.legend_${mark}`)));
  }
  items.push(el("span", {}, el("span", { class: "swatch grid-dayoffwork" }), t("roster.legend_dayoffwork")));
  items.push(el("span", {}, el("span", { class: "swatch grid-edited" }), t("roster.legend_pinned")));
  $("legend").replaceChildren(...items);
}

function renderEdits() {
  if (!state.edits.size) { $("edits").textContent = ""; return; }
  const names = new Map(state.view.engineers.map((e) => [e.id, e.name]));
  const days = new Map(state.view.days.map((d) => [d.date, d.label]));
  const parts = [...state.edits].map(([key, edit]) => {
    const [eid, date] = key.split("|");
    const vars = { who: names.get(eid) || eid, day: days.get(date) || date };
    return edit.kind === "off" ? t("roster.edit_off", vars)
      : t("roster.edit_pin", { ...vars, code: templateName(edit.template_id) });
  });
  $("edits").textContent = `${t("roster.edits", { n: state.edits.size })}: ${parts.join("; ")}`;
}

function openEditor(td) {
  const eid = td.dataset.engineer;
  const date = td.dataset.date;
  const engineer = state.view.engineers.find((e) => e.id === eid);
  const day = state.view.days.find((d) => d.date === date);
  state.cell = { eid, date };
  $("editor-title").textContent = `${engineer.name}, ${day.label}`;
  const weekday = (new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7;
  const fits = state.templates.filter((x) => (x.weekdays || []).includes(weekday) || day.mark === "holiday" || day.mark === "working_weekend");
  const options = [el("option", { value: "" }, t("roster.choice_free")), el("option", { value: "off" }, t("roster.choice_off")),
    ...fits.map((x) => el("option", { value: `pin:${x.id}` }, t("roster.choice_shift", { name: x.name })))];
  const select = $("editor-choice");
  select.replaceChildren(...options);
  const edit = state.edits.get(`${eid}|${date}`);
  select.value = !edit ? "" : edit.kind === "off" ? "off" : `pin:${edit.template_id}`;
  $("editor").hidden = false;
  select.focus();
}

function applyEdit() {
  const { eid, date } = state.cell;
  const key = `${eid}|${date}`;
  const value = $("editor-choice").value;
  if (!value) state.edits.delete(key);
  else if (value === "off") state.edits.set(key, { kind: "off" });
  else state.edits.set(key, { kind: "pin", template_id: value.slice(4) });
  $("editor").hidden = true;
  renderGrid(state.view);
  renderEdits();
}

function renderCost(cost) {
  const rows = [["roster.cost_normal", cost.normal_rub], ["roster.cost_overtime", cost.overtime_rub],
    ["roster.cost_dayoff", cost.day_off_rub], ["roster.cost_total", cost.total_rub]];
  document.querySelector("#cost tbody").replaceChildren(...rows.map(([k, v]) =>
    el("tr", {}, el("th", {}, t(k)), el("td", { class: "num" }, rub(v)))));
}

function heatClass(ph) {
  if (!ph) return "h0";
  if (ph <= 1) return "h1";
  if (ph <= 2) return "h2";
  if (ph <= 4) return "h3";
  return "h4";
}

function renderShortfall(view) {
  $("shortfall-total").textContent = view.shortfall_total > 0
    ? t("roster.shortfall_total", { n: num(view.shortfall_total) }) : t("roster.shortfall_none");
  const cells = new Map(view.heat.map((c) => [`${c.date}|${c.hour}`, c]));
  const head = el("tr", {}, el("th", {}, ""), view.hours.map((h) => el("th", {}, `${h}`)));
  document.querySelector("#heat thead").replaceChildren(head);
  const rows = view.days.filter((d) => view.heat.some((c) => c.date === d.date)).map((d) => el("tr", {},
    el("th", { class: d.mark }, d.label),
    view.hours.map((h) => {
      const c = cells.get(`${d.date}|${h}`);
      const ph = c ? c.person_hours : 0;
      return el("td", { class: heatClass(ph), title: c ? `${d.label} ${h}:00 — ${c.groups.join(", ")}` : null },
        c ? num(ph) : "");
    })));
  document.querySelector("#heat tbody").replaceChildren(...rows);
  $("heat").hidden = rows.length === 0;
  document.querySelector("#groups tbody").replaceChildren(...view.by_group.map((g) => el("tr", {},
    el("td", {}, g.label), el("td", {}, t(`roster.kind_${g.kind}`)), el("td", { class: "num" }, num(g.person_hours)))));
  renderRecommendations(view.recommendations);
}

function renderRecommendations(recs) {
  const list = $("recommendations");
  if (!recs.length) { list.replaceChildren(el("li", { class: "muted" }, t("roster.recommendations_none"))); return; }
  list.replaceChildren(...recs.map((r) => el("li", {}, r.text, " ",
    el("span", { class: r.verified ? "verified" : "estimate" },
      `(${t(r.verified ? "roster.verified" : "roster.estimate", { n: num(r.gain_person_hours) })})`))));
}

/** Measure the recommendations: a job that re-solves the month once per recommendation, its
 *  progress shown beside the button; each recommendation then shows its measured effect. */
async function verify() {
  const jobId = state.jobId;
  $("verify").disabled = true;
  const bar = $("verify-progress");
  bar.hidden = false;
  bar.value = 0;
  $("verify-status").textContent = t("roster.verifying");
  try {
    const job = (await api("POST", `/rosters/${jobId}/recommendations?lang=${LANG}`)).data;
    state.verifying = job.id;
    $("verify-cancel").hidden = false;
    const r = await follow(job.id, ({ job: j }) => {
      bar.value = j.progress;
      $("verify-status").textContent = t("roster.verifying_progress", { pct: num(100 * j.progress) });
    });
    if (state.jobId === jobId) {
      renderRecommendations(r.recommendations);
      say(t("roster.verified_done", { n: r.recommendations.filter((x) => x.verified).length }), true);
    }
  } finally {
    state.verifying = null;
    $("verify").disabled = false;
    $("verify-cancel").hidden = true;
    bar.hidden = true;
    $("verify-status").textContent = "";
  }
}

async function accept() {
  await api("POST", `/jobs/${state.jobId}/accept`);
  $("accepted-mark").hidden = false;
  $("accept").disabled = true;
  say(t("roster.accepted_ok"), true);
}

async function download(format, engineerId) {
  const query = new URLSearchParams({ format, lang: LANG });
  if (engineerId) query.set("engineer_id", engineerId);
  const r = await api("GET", `/rosters/${state.jobId}/export?${query}`);
  const disposition = r.headers.get("content-disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const a = el("a", { href: URL.createObjectURL(r.data), download: match ? match[1] : `roster.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
}

// -- wiring ----------------------------------------------------------------------------------

$("month-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(plan)(false); });
$("month").addEventListener("change", () => fieldError("month", monthProblem($("month").value)));
$("resolve").addEventListener("click", guarded(() => plan(true)));
$("cancel").addEventListener("click", guarded(async () => { if (state.running) await cancel(state.running); }));
$("accept").addEventListener("click", guarded(accept));
$("verify").addEventListener("click", guarded(verify));
$("verify-cancel").addEventListener("click", guarded(async () => { if (state.verifying) await cancel(state.verifying); }));
$("editor-apply").addEventListener("click", guarded(applyEdit));
$("editor-close").addEventListener("click", () => { $("editor").hidden = true; });
$("ics-one").addEventListener("click", guarded(() => download("ics", $("ics-engineer").value)));
for (const b of document.querySelectorAll(".downloads button[data-format]")) {
  b.addEventListener("click", guarded(() => download(b.dataset.format)));
}
document.querySelector("#grid tbody").addEventListener("click", (ev) => {
  const td = ev.target.closest("td.shift");
  if (td) openEditor(td);
});
setupKey(loadReference);
