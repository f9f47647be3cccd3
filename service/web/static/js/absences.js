// Vacations and absences: a year calendar per engineer; entering one shows the Labour Code
// check (art. 115, 120, 125) and the weeks it leaves short at once; an overlap is refused at
// the field, nothing stored.

import { api, ApiError, el, guarded, LANG, listAll, num, say, setupKey, t } from "./lib/core.js";
import { follow } from "./lib/jobs.js";

const $ = (id) => document.getElementById(id);
const state = { engineers: [], names: new Map(), timer: null, months: [] };
const IMPACT_LIMIT_S = 10;

function fieldError(id, text) {
  $(`${id}-error`).textContent = text || "";
  $(id).setAttribute("aria-invalid", text ? "true" : "false");
}

/** "07.06.2027" -> "2027-06-07", or null. */
function parseDay(text) {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec((text || "").trim());
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

function nextDay(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function dm(iso) {
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}`;
}

function span(startIso, endIso) {
  // stored absences end at the next midnight (exclusive)
  const last = new Date(Date.parse(endIso) - 1000);
  const lastIso = new Date(last.getTime() + 4 * 3600 * 1000).toISOString().slice(0, 10);
  const firstIso = new Date(Date.parse(startIso) + 4 * 3600 * 1000).toISOString().slice(0, 10);
  return `${dm(firstIso)}–${dm(lastIso)}.${lastIso.slice(0, 4)}`;
}

/** The form as an Absence, or null with the errors shown at the fields. */
function formAbsence() {
  const first = parseDay($("first").value);
  const last = parseDay($("last").value);
  fieldError("first", $("first").value && !first ? t("absences.date_format") : "");
  fieldError("last", $("last").value && !last ? t("absences.date_format") : "");
  if (!first || !last) return null;
  if (last < first) { fieldError("last", t("absences.last_before_first")); return null; }
  const body = {
    engineer_id: $("engineer").value, kind: $("kind").value,
    start: `${first}T00:00:00+04:00`, end: `${nextDay(last)}T00:00:00+04:00`,
  };
  if ($("note").value.trim()) body.note = $("note").value.trim();
  return body;
}

function showProblem(err) {
  const p = err instanceof ApiError ? err.problem : {};
  if (p.overlaps) {
    fieldError("first", t("absences.overlap", { kind: t(`absence.${p.overlaps.kind}`), span: span(p.overlaps.start, p.overlaps.end) }));
    return true;
  }
  if (p.field === "start" || p.field === "end") {
    fieldError(p.field === "start" ? "first" : "last", t("absences.outside_years"));
    return true;
  }
  if (p.field === "engineer_id") { fieldError("engineer", err.message); return true; }
  return false;
}

async function check() {
  $("check").hidden = true;
  const body = formAbsence();
  if (!body) return;
  let r;
  try {
    r = (await api("POST", `/absences/check?lang=${LANG}`, body)).data;
  } catch (err) {
    if (showProblem(err)) return;
    throw err;
  }
  const items = [el("li", {}, t("absences.days", { days: r.calendar_days, counted: r.counted_days }))];
  if (r.kind === "vacation") {
    if (r.holidays_inside.length) {
      for (const h of r.holidays_inside) items.push(el("li", { class: "art120" }, t("absences.holiday_inside", { day: dm(h.date), name: h.name })));
    } else items.push(el("li", { class: "art120" }, t("absences.no_holiday")));
  }
  for (const y of r.vacation) {
    const year = y.parts.length ? y.parts[0].start.slice(0, 4) : r.first.slice(0, 4);
    items.push(y.ok
      ? el("li", { class: "ok" }, t("absences.year_ok", { who: r.name, year, counted: y.counted_days, longest: y.longest_part_days }))
      : el("li", { class: "bad" }, t("absences.year_issues", { who: r.name, year, counted: y.counted_days, issues: y.issues.join("; ") })));
  }
  for (const w of r.weeks) {
    const who = w.away.map((id) => state.names.get(id) || id).join(", ");
    const label = (g) => r.group_labels[g] || g;
    const short = Object.entries(w.short_groups).map(([g, n]) => `${label(g)} −${n}`).join(", ");
    if (short) items.push(el("li", { class: "bad" }, t("absences.week_short", { day: dm(w.week_start), who, groups: short })));
    else if (w.tight_groups.length) items.push(el("li", {}, t("absences.week_tight", { day: dm(w.week_start), who, groups: w.tight_groups.map(label).join(", ") })));
    else items.push(el("li", {}, t("absences.week_ok", { day: dm(w.week_start), who })));
  }
  items.push(el("li", { class: "muted" }, t("absences.months", { months: r.months.map((m) => `${m.slice(5)}.${m.slice(0, 4)}`).join(", ") })));
  $("check-list").replaceChildren(...items);
  state.months = r.months;
  $("impact-list").replaceChildren();
  $("check").hidden = false;
}

function scheduleCheck() {
  clearTimeout(state.timer);
  state.timer = setTimeout(guarded(check), 250);
}

async function save() {
  const body = formAbsence();
  if (!body) {
    if (!$("first").value) fieldError("first", t("absences.date_format"));
    if (!$("last").value) fieldError("last", t("absences.date_format"));
    return;
  }
  try {
    await api("POST", "/absences", body);
  } catch (err) {
    if (showProblem(err)) return;
    throw err;
  }
  await loadYear();
  say(t("absences.saved", { who: state.names.get(body.engineer_id), kind: t(`absence.${body.kind}`), span: span(body.start, body.end) }), true);
}

/** Plan a month (with the form's absence added or not) and return its shortfall. */
async function monthShortfall(month, extra) {
  const body = { month, time_limit_s: IMPACT_LIMIT_S };
  if (extra) body.extra_absences = [extra];
  const job = (await api("POST", "/rosters/month", body)).data;
  await follow(job.id, ({ elapsed }) => { $("progress").value = Math.min(0.99, elapsed / IMPACT_LIMIT_S); });
  return (await api("GET", `/rosters/${job.id}/month?lang=${LANG}`)).data.shortfall_total;
}

async function impact() {
  const body = formAbsence();
  if (!body) return;
  $("impact").disabled = true;
  $("progress").hidden = false;
  const rows = [];
  try {
    for (const month of state.months) {
      const label = `${month.slice(5)}.${month.slice(0, 4)}`;
      $("impact-status").textContent = t("absences.impact_running", { month: label });
      const before = await monthShortfall(month, null);
      const after = await monthShortfall(month, body);
      const diff = after - before;
      rows.push(el("li", { class: diff > 0 ? "bad" : "" }, t("absences.impact_row", {
        month: label, before: num(before), after: num(after), diff: `${diff > 0 ? "+" : ""}${num(diff)}`,
      })));
      $("impact-list").replaceChildren(...rows);
    }
  } finally {
    $("impact").disabled = false;
    $("progress").hidden = true;
    $("impact-status").textContent = "";
  }
}

async function loadYear() {
  const year = Number($("year").value);
  $("year-title").textContent = t("absences.year_title", { year });
  const list = await listAll(`/absences?overlaps_from=${year}-01-01T00:00:00%2B04:00&overlaps_to=${year + 1}-01-01T00:00:00%2B04:00`);
  const months = Array.from({ length: 12 }, (_, i) => i + 1);
  document.querySelector("#calendar thead").replaceChildren(el("tr", {}, el("th", {}, t("absences.engineer")),
    months.map((m) => el("th", {}, t(`absences.month_${m}`)))));
  const rows = state.engineers.map((e) => el("tr", {}, el("td", { class: "name" }, e.name), months.map((m) => {
    const lo = `${year}-${String(m).padStart(2, "0")}-01`;
    const hi = m === 12 ? `${year + 1}-01-01` : `${year}-${String(m + 1).padStart(2, "0")}-01`;
    const items = list.filter((a) => a.engineer_id === e.id && a.start.slice(0, 10) < hi && a.end.slice(0, 10) > lo);
    return el("td", {}, items.map((a) => el("span", { class: `item ab-${a.kind}`, title: a.note || null },
      `${t(`absence.${a.kind}`)} ${span(a.start, a.end)}`)));
  })));
  document.querySelector("#calendar tbody").replaceChildren(...rows);
}

async function init() {
  state.engineers = await listAll("/engineers");
  state.names = new Map(state.engineers.map((e) => [e.id, e.name]));
  $("engineer").replaceChildren(...state.engineers.map((e) => el("option", { value: e.id }, e.name)));
  const years = (await api("GET", "/rosters/months")).data;
  const first = Number(years.first.slice(0, 4));
  const last = Number(years.last.slice(0, 4));
  $("year").replaceChildren(...Array.from({ length: last - first + 1 }, (_, i) => el("option", { value: first + i }, first + i)));
  $("year").value = String(last);
  await loadYear();
}

for (const id of ["engineer", "kind", "first", "last"]) $(id).addEventListener("change", scheduleCheck);
for (const id of ["first", "last"]) $(id).addEventListener("input", scheduleCheck);
$("absence-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(save)(); });
$("year").addEventListener("change", guarded(loadYear));
$("impact").addEventListener("click", guarded(impact));
setupKey(init);
