// The dispatcher board: the day's plan per engineer, the queue with SLA countdowns, the map,
// KPIs, planning as a job with progress and cancel, accept / reject, events that propose a
// re-plan, and manual assign / pin / unpin checked by the server.
//
// The page keeps no state of its own that matters: the plan on screen is the server's latest
// plan or proposal (`GET /board` → `latest_plan`), so a reload finds it again.

import {
  LANG, api, cityText, dayLabel, duration, el, fromLocalInput, guarded, hm, listAll, num, pct,
  rub, say, sayError, setupKey, skillsText, t, toLocalInput, tOr, when,
} from "./lib/core.js";
import { cancel as cancelJob, follow } from "./lib/jobs.js";
import { drawTimeline, moveNowLine } from "./timeline.js";
import { createMap } from "./map.js";

const UNDER_WAY = new Set(["en_route", "in_progress"]);
const DAY_FROM_H = 8;
const DAY_TO_H = 19;
const TICK_MS = 15000;

const state = {
  asOf: null, // ISO of the board's moment
  openedAt: Date.now(), // the board's clock runs from asOf at the wall clock's pace
  board: null,
  sites: new Map(),
  tickets: new Map(),
  engineers: new Map(),
  colours: new Map(),
  shown: null, // {job_id, status, plan, proposal, event} — the plan on screen, or null
  running: null, // job id being solved
  busy: false,
  selected: null,
  map: null,
};

const $ = (id) => document.getElementById(id);

// -- the board's clock ----------------------------------------------------------------------

function clock() {
  return Date.parse(state.asOf) + (Date.now() - state.openedAt);
}

function setAsOf(iso) {
  state.asOf = iso;
  state.openedAt = Date.now();
  $("as-of").value = toLocalInput(iso);
  const url = new URL(location.href);
  url.searchParams.set("at", toLocalInput(iso));
  history.replaceState(null, "", url);
  const sw = $("lang-switch");
  if (sw) {
    const other = new URL(sw.href, location.href);
    other.searchParams.set("at", toLocalInput(iso));
    sw.href = other.pathname + other.search;
  }
}

// -- loading --------------------------------------------------------------------------------

/** The sites, for the urgent-ticket form only (the board describes its own tickets). */
async function loadSites() {
  if (!state.sites.size) {
    for (const x of await listAll("/sites")) state.sites.set(x.id, x);
  }
}

/** Tickets a plan names that the board does not describe (rare: one changed meanwhile). */
async function loadTickets(ids) {
  const known = new Set([...state.board.assignments.map((a) => a.ticket_id), ...state.board.queue.map((q) => q.ticket_id)]);
  const missing = [...ids].filter((id) => !known.has(id) && !state.tickets.has(id));
  await Promise.all(missing.map(async (id) => {
    try { state.tickets.set(id, (await api("GET", `/tickets/${encodeURIComponent(id)}`)).data); } catch { /* gone */ }
  }));
}

async function loadBoard() {
  const query = state.asOf ? `?as_of=${encodeURIComponent(state.asOf)}` : "";
  const board = (await api("GET", `/board${query}`)).data;
  if (!state.asOf) {
    const wanted = new URL(location.href).searchParams.get("at");
    const latest = board.latest_plan;
    const pending = latest && latest.status === "proposed" ? latest.as_of : null;
    setAsOf(wanted ? fromLocalInput(wanted) : pending || board.suggested_as_of || board.as_of);
    return loadBoard();
  }
  state.board = board;
  state.engineers = new Map(board.engineers.map((e, i) => [e.id, e]));
  board.engineers.forEach((e, i) => state.colours.set(e.id, i % 8));
  state.byTicket = new Map([...board.queue.map((q) => [q.ticket_id, q]), ...board.assignments.map((a) => [a.ticket_id, a])]);
}

/** The latest plan of the store: a running one is followed, a finished one shown. */
async function loadLatestPlan() {
  const latest = state.board.latest_plan;
  if (!latest) { state.shown = null; return; }
  const job = (await api("GET", `/jobs/${latest.job_id}`)).data;
  if (["queued", "running"].includes(job.status)) {
    state.shown = null;
    runJob(latest.job_id); // not awaited: the board stays usable while it runs
    return;
  }
  if (job.status !== "done" || latest.status === "rejected" || latest.status === "superseded") {
    state.shown = null;
    return;
  }
  const plan = (await api("GET", `/jobs/${latest.job_id}/result`)).data;
  state.shown = { job_id: latest.job_id, status: latest.status, plan, accepted: job.accepted, created: job.created };
  await loadTickets(new Set(plan.assignments.map((a) => a.ticket_id)));
}

async function refresh() {
  await loadBoard();
  await loadLatestPlan();
  render();
}

// -- what the board shows ------------------------------------------------------------------

function ticketInfo(id) {
  // The board describes every ticket it shows (queue and commitments); a ticket a plan names
  // that the board does not (changed meanwhile) was fetched by id.
  const b = state.byTicket?.get(id) || {};
  const tk = state.tickets.get(id) || {};
  const site = state.sites.get(tk.site_id) || {};
  return {
    id,
    title: b.title || tk.title || "",
    customer: b.customer || site.customer || "",
    address: b.address || site.address || "",
    city: b.city || site.city || "",
    location: b.location || tk.location || site.location || null,
    mode: b.mode || tk.mode,
    priority: b.priority || tk.priority,
    kind: b.kind || tk.kind,
    skills: b.required_skills || tk.required_skills || [],
    duration: b.duration_min || tk.duration_min,
    deadline: b.sla_deadline || b.deadline || tk.sla_deadline,
    created: b.created_at || tk.created_at,
    status: b.status || tk.status,
    external: tk.external_id,
    pinned: b.pinned || tk.pinned || null,
  };
}

/** A short human name of a ticket: its customer, else its title; never an internal id. */
function ticketName(id) {
  const info = ticketInfo(id);
  return info.customer || info.title || (info.external ? `№ ${info.external}` : "—");
}

function engineerName(id) {
  return state.engineers.get(id)?.name || "—";
}

const isPending = () => state.shown && state.shown.status === "proposed";

/** Work items of the timeline: the proposal's plan (with work under way kept), else the
 *  current commitments. */
function timelineItems() {
  const board = state.board;
  const current = new Map(board.assignments.map((a) => [a.ticket_id, a]));
  let rows;
  if (isPending()) {
    const plan = state.shown.plan;
    const planned = new Set(plan.assignments.map((a) => a.ticket_id));
    // where each drive is in the plan's routes (it may end before the visit starts)
    const drives = new Map();
    for (const route of plan.routes || []) {
      for (const stop of route.stops) {
        if (stop.ticket_id && stop.travel_min > 0) drives.set(stop.ticket_id, new Date(Date.parse(stop.arrive) - stop.travel_min * 60000).toISOString());
      }
    }
    rows = [
      ...board.assignments.filter((a) => !planned.has(a.ticket_id) && (UNDER_WAY.has(a.status) || a.status === "done")),
      ...plan.assignments.map((a) => {
        const before = current.get(a.ticket_id);
        const lateMin = a.on_time ? 0 : Math.max(1, Math.round((Date.parse(a.start) - Date.parse(a.deadline)) / 60000));
        return { ...a, late_min: lateMin, status: a.in_progress ? "in_progress" : null, drive_start: drives.get(a.ticket_id) || null,
          changed: Boolean(before) && (before.engineer_id !== a.engineer_id || Date.parse(before.start) !== Date.parse(a.start)), job_id: state.shown.job_id };
      }),
    ];
  } else {
    rows = board.assignments.map((a) => ({ ...a }));
  }
  return rows.map((a) => {
    const info = ticketInfo(a.ticket_id);
    const name = ticketName(a.ticket_id);
    const pinned = a.pinned || Boolean(info.pinned);
    return {
      ...a,
      key: a.ticket_id,
      pinned,
      priority: a.priority || info.priority,
      label: name,
      title: [`${hm(a.start)}–${hm(a.end)} ${name}`, info.title, info.address,
        `${t("timeline.deadline")} ${hm(a.deadline || info.deadline)}`,
        a.late_min > 0 ? t("timeline.late", { n: a.late_min }) : "",
        a.status ? tOr(`status.${a.status}`, "") : ""].filter(Boolean).join("\n"),
      deadline: a.deadline || info.deadline,
    };
  });
}

function breaksOf(engineerId) {
  const plan = state.shown?.plan;
  const route = plan?.routes?.find((r) => r.engineer_id === engineerId);
  return route ? route.breaks : [];
}

function dayRange() {
  const start = Date.parse(state.board.day_start);
  let from = start + DAY_FROM_H * 3.6e6;
  let to = start + DAY_TO_H * 3.6e6;
  for (const it of timelineItems()) {
    from = Math.min(from, Date.parse(it.start) - (it.travel_min || 0) * 60000);
    to = Math.max(to, Date.parse(it.end));
  }
  const hour = 3.6e6;
  return [Math.floor(from / hour) * hour, Math.ceil(to / hour) * hour];
}

function render() {
  renderControls();
  renderKpis();
  renderTimeline();
  renderQueue();
  renderMap();
  renderDetail();
}

function renderControls() {
  const running = Boolean(state.running);
  $("plan").disabled = running || state.busy;
  $("accept").disabled = running || state.busy || !isPending();
  $("reject").hidden = !isPending();
  $("reject").disabled = running || state.busy;
  for (const b of document.querySelectorAll("[data-event]")) b.disabled = running || state.busy;
  const s = state.shown;
  let text = t("board.plan_none");
  if (s) {
    text = t("board.plan_made", { at: when(s.plan.now), made: when(s.created || s.plan.now) });
    text += `, ${s.status === "accepted" ? t("board.plan_accepted", { when: when(s.accepted) }) : t("board.plan_not_accepted")}`;
    if (s.event) text = `${t("board.plan_proposal", { event: eventName(s.event) })} ${text}`;
    if (isPending() && Math.abs(Date.parse(s.plan.now) - Date.parse(state.asOf)) > 60000) {
      text += `. ${t("board.stale_plan", { at: when(s.plan.now) })}`;
    }
  }
  $("plan-state").textContent = text;
}

function eventName(ev) {
  const map = { urgent_ticket: "event.urgent", sick: "event.sick", overrun: "event.overrun", car_breakdown: "event.car" };
  return t(map[ev.kind] || "board.events");
}

function setKpi(name, value, bad) {
  const box = document.querySelector(`[data-kpi="${name}"]`);
  box.querySelector(".value").textContent = value;
  box.classList.toggle("bad", Boolean(bad));
}

function renderKpis() {
  const k = state.shown?.plan?.kpis;
  if (k) {
    setKpi("on_time", `${k.on_time} ${t("word.of")} ${k.assigned} (${pct(k.on_time, k.assigned)})`);
    setKpi("breaches", String(k.breaches), k.breaches > 0);
    setKpi("urgent_wait", `${k.urgent_wait_min_max} ${t("word.min")}`, k.urgent_wait_min_max > 30);
    setKpi("km", `${num(k.travel_km)} ${t("word.km")}`);
    setKpi("car_cost", rub(k.car_cost_rub));
    setKpi("unassigned", String(k.unassigned), k.unassigned > 0);
    return;
  }
  // No plan on screen: what the current commitments say (the board's KPIs).
  const c = state.board.kpis;
  if (!c) return;
  setKpi("on_time", `${c.on_time} ${t("word.of")} ${c.assigned} (${pct(c.on_time, c.assigned)})`);
  setKpi("breaches", String(c.breaches), c.breaches > 0);
  setKpi("urgent_wait", `${c.urgent_wait_min_max} ${t("word.min")}`, c.urgent_wait_min_max > 30);
  setKpi("km", `${num(c.travel_km)} ${t("word.km")}`);
  setKpi("car_cost", rub(c.car_cost_rub));
  setKpi("unassigned", String(c.unassigned), c.unassigned > 0);
}

function engineerNote(e) {
  const parts = [e.can_visit ? t("timeline.car") : t("timeline.no_car")];
  const absent = (e.absences || []).map((a) => tOr(`absence.${a.kind}`, a.kind));
  return [...parts, ...absent].join(" · ");
}

function renderTimeline() {
  const [from, to] = dayRange();
  const rows = state.board.engineers.map((e) => ({
    id: e.id,
    name: e.name,
    note: engineerNote(e),
    availability: e.availability || [],
    absences: (e.absences || []).map((a) => ({ ...a, label: tOr(`absence.${a.kind}`, a.kind) })),
    breaks: breaksOf(e.id),
  }));
  drawTimeline($("timeline"), rows, timelineItems(), {
    from, to, now: clock(), selected: state.selected,
    onSelect: (item) => select(item.ticket_id),
    onDrop: (item, engineerId, start) => guarded(manualAssign)(item.ticket_id, engineerId, start, Boolean(item.pinned), null),
  });
}

// -- the queue ------------------------------------------------------------------------------

function queueRows() {
  const q = state.board.queue.map((x) => x.ticket_id);
  if (!isPending()) return q;
  const plan = state.shown.plan;
  const out = new Set(q);
  for (const u of plan.unassigned) out.add(u.ticket_id);
  return [...out];
}

function planState(id) {
  const plan = isPending() ? state.shown.plan : null;
  const a = plan?.assignments.find((x) => x.ticket_id === id);
  if (a) return { text: t("queue.planned", { who: engineerName(a.engineer_id), start: hm(a.start) }), cls: a.on_time ? "" : "late" };
  const u = plan?.unassigned.find((x) => x.ticket_id === id);
  const q = state.board.queue.find((x) => x.ticket_id === id);
  const codes = u ? u.reasons : q?.reason?.codes;
  if (codes && codes.length) return { text: t("queue.unassigned", { reason: reasonsText(codes, id) }), cls: "late" };
  return { text: q ? tOr(`status.${q.status}`, t("queue.not_planned")) : "", cls: "" };
}

function reasonsText(codes, ticketId) {
  const info = ticketInfo(ticketId);
  return codes.map((c) => t(`reason.${c}`, { skills: skillsText(info.skills), deadline: hm(info.deadline) })).join("; ");
}

function countdown(deadline) {
  const left = (Date.parse(deadline) - clock()) / 60000;
  return left >= 0 ? { text: t("queue.due_in", { t: duration(left) }), cls: left < 30 ? "soon" : "" }
    : { text: t("queue.overdue", { t: duration(-left) }), cls: "overdue" };
}

function engineerSelect(current) {
  const select = el("select", { name: "engineer_id", "aria-label": t("assign.engineer") });
  for (const e of state.board.engineers) select.append(el("option", { value: e.id, selected: e.id === current }, e.name));
  return select;
}

function renderQueue() {
  const body = document.querySelector("#queue tbody");
  body.replaceChildren();
  const ids = queueRows().sort((a, b) => Date.parse(ticketInfo(a).deadline) - Date.parse(ticketInfo(b).deadline));
  if (!ids.length) {
    body.append(el("tr", {}, el("td", { colspan: 10, class: "muted" }, t("queue.empty"))));
    return;
  }
  for (const id of ids) {
    const info = ticketInfo(id);
    const due = countdown(info.deadline);
    const st = planState(id);
    const start = el("input", { type: "time", name: "start", step: 300, value: hm(Math.ceil(clock() / 300000) * 300000), "aria-label": t("assign.start") });
    const select = engineerSelect(null);
    const err = el("div", { class: "error small", role: "alert" });
    const assign = el("button", { type: "button", class: "assign" }, t("assign.submit"));
    assign.addEventListener("click", guarded(async () => {
      err.textContent = "";
      try {
        await manualAssign(id, select.value, dayTime(start.value), false, err);
      } catch (e) { err.textContent = e.message; }
    }));
    const tr = el("tr", { class: [info.priority === "urgent" ? "urgent" : "", state.selected === id ? "selected" : ""].join(" "), dataset: { ticket: id } },
      el("td", {}, el("a", { href: "#", class: "ticket-link" }, info.title || "—"), info.external ? el("div", { class: "muted small" }, `№ ${info.external}`) : null),
      el("td", {}, info.customer),
      el("td", {}, info.address),
      el("td", {}, cityText(info.city)),
      el("td", {}, tOr(`mode.${info.mode}`, "")),
      el("td", { class: `prio ${info.priority}` }, tOr(`priority.${info.priority}`, "")),
      el("td", {}, skillsText(info.skills)),
      el("td", { class: `due ${due.cls}`, dataset: { deadline: info.deadline } }, due.text),
      el("td", { class: st.cls }, st.text),
      el("td", { class: "assign-cell" }, select, start, assign, err));
    tr.querySelector(".ticket-link").addEventListener("click", (ev) => { ev.preventDefault(); select_(id); });
    body.append(tr);
  }
}

const select_ = (id) => select(id);

/** "10:30" on the board's day → ISO with the Saratov offset. */
function dayTime(hhmm) {
  if (!hhmm) return null;
  const day = toLocalInput(state.asOf).slice(0, 10);
  return fromLocalInput(`${day}T${hhmm}`);
}

function tickCountdowns() {
  for (const td of document.querySelectorAll("#queue td.due")) {
    const due = countdown(td.dataset.deadline);
    td.textContent = due.text;
    td.className = `due ${due.cls}`;
  }
}

// -- the map --------------------------------------------------------------------------------

function renderMap() {
  if (!state.map) return;
  const byEngineer = new Map();
  for (const it of timelineItems().sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const info = ticketInfo(it.ticket_id);
    if (info.mode !== "onsite" || !info.location || info.location.lat === undefined) continue;
    if (!byEngineer.has(it.engineer_id)) byEngineer.set(it.engineer_id, []);
    byEngineer.get(it.engineer_id).push({ lat: info.location.lat, lon: info.location.lon, label: ticketName(it.ticket_id), at: it.start, late: it.late_min > 0, key: it.ticket_id });
  }
  const routes = [...byEngineer].map(([id, stops]) => {
    const e = state.engineers.get(id) || {};
    return { engineer: engineerName(id), colour: state.colours.get(id) ?? 0, base: e.base && e.base.lat !== undefined ? e.base : null, stops };
  });
  state.map.draw(routes, (key) => select(key));
}

// -- details, explanation and manual changes --------------------------------------------------

function select(id) {
  state.selected = id;
  renderTimeline();
  for (const tr of document.querySelectorAll("#queue tbody tr")) tr.classList.toggle("selected", tr.dataset.ticket === id);
  renderDetail();
}

function fixText(fix, info) {
  if (!fix) return t("detail.no_fix");
  if (fix.kind === "extend_shift") return t("fix.extend_shift", { engineer: engineerName(fix.engineer_id), minutes: fix.minutes });
  if (fix.kind === "add_engineer") return t(fix.visit ? "fix.add_engineer_visit" : "fix.add_engineer", { skills: skillsText(fix.skills) });
  if (fix.kind === "move_pin") return t("fix.move_pin", { ticket: fix.ticket_id ? ticketName(fix.ticket_id) : info.customer });
  return fix.message || "";
}

function checkText(check) {
  if (!check) return t("detail.fix_unverified");
  if (check.holds) return t("detail.fix_verified");
  return t("detail.fix_partial", { what: t("fix.breaches", { before: check.breaches_before, after: check.breaches_after }) });
}

function currentAssignment(id) {
  return timelineItems().find((a) => a.ticket_id === id) || null;
}

function dl(pairs) {
  const list = el("dl", { class: "facts" });
  for (const [k, v] of pairs) if (v) list.append(el("dt", {}, k), el("dd", {}, v));
  return list;
}

function renderDetail() {
  const host = $("detail");
  const id = state.selected;
  if (!id) { host.replaceChildren(el("p", { class: "muted" }, t("detail.hint"))); return; }
  const info = ticketInfo(id);
  const a = currentAssignment(id);
  const lateMin = a ? a.late_min : 0;
  const status = a && a.status ? tOr(`status.${a.status}`, "") : tOr(`status.${info.status}`, "");
  const parts = [
    el("h3", {}, info.title || ticketName(id)),
    el("p", { class: "tags" },
      el("span", { class: `tag prio ${info.priority}` }, tOr(`priority.${info.priority}`, "")),
      el("span", { class: "tag" }, tOr(`mode.${info.mode}`, "")),
      status ? el("span", { class: "tag" }, status) : null,
      info.pinned || a?.pinned ? el("span", { class: "tag pin" }, t("detail.pinned")) : null),
    dl([
      [t("detail.customer"), info.customer],
      [t("detail.address"), info.address],
      [t("queue.col_city"), info.city ? cityText(info.city) : ""],
      [t("queue.col_skills"), skillsText(info.skills)],
      [t("detail.engineer"), a ? engineerName(a.engineer_id) : ""],
      [t("detail.time"), a ? `${hm(a.start)}–${hm(a.end)}` : ""],
      [t("detail.travel"), a && a.travel_min > 0 ? `${Math.round(a.travel_min)} ${t("word.min")}, ${num(a.travel_km)} ${t("word.km")}` : ""],
      [t("detail.deadline"), when(info.deadline)],
    ]),
  ];
  if (a) parts.push(el("p", { class: lateMin > 0 ? "late-text" : "ok-text" }, lateMin > 0 ? t("timeline.late", { n: lateMin }) : t("detail.on_time", { n: Math.max(0, Math.round((Date.parse(info.deadline) - Date.parse(a.start)) / 60000)) })));
  const planJob = a?.job_id || (isPending() ? state.shown.job_id : state.board.latest_plan?.job_id);
  const expl = state.shown?.plan?.explanations?.find((x) => x.ticket_id === id);
  const unassignedCodes = planState(id).cls === "late" && !a ? (state.shown?.plan?.unassigned.find((u) => u.ticket_id === id)?.reasons || state.board.queue.find((q) => q.ticket_id === id)?.reason?.codes) : null;
  if (expl || lateMin > 0 || unassignedCodes) {
    const reasons = reasonsText(expl ? expl.reasons : unassignedCodes || [], id);
    const why = el("div", { class: "why" },
      reasons ? el("h4", {}, t("detail.why")) : null,
      reasons ? el("p", {}, reasons) : null,
      expl ? el("h4", {}, t("detail.fix")) : null,
      expl ? el("p", { class: "fix" }, fixText(expl.fix, info)) : null,
      el("p", { class: "check muted small" }, expl?.fix ? "…" : ""));
    if (reasons || expl) parts.push(why);
    if (planJob && expl?.fix) verifyFix(planJob, id, why);
  }
  parts.push(assignForm(id, a));
  host.replaceChildren(...parts);
}

async function verifyFix(jobId, ticketId, box) {
  try {
    const r = (await api("GET", `/board/plans/${jobId}/explanations/${encodeURIComponent(ticketId)}?lang=${LANG}&time_limit_s=2`)).data;
    if (state.selected !== ticketId) return;
    box.querySelector(".fix").textContent = fixText(r.fix, ticketInfo(ticketId));
    box.querySelector(".check").textContent = r.fix ? checkText(r.check) : "";
    box.querySelector(".check").classList.toggle("verified", Boolean(r.check && r.check.holds));
  } catch (err) {
    if (state.selected !== ticketId) return;
    const check = box.querySelector(".check");
    if (err.status === 404) { check.textContent = ""; if (box.querySelector(".fix").textContent === "…") box.querySelector(".fix").textContent = t("detail.no_fix"); }
    else check.textContent = `${t("detail.fix_unverified")}: ${err.message}`;
  }
}

function assignForm(id, a) {
  const select = engineerSelect(a ? a.engineer_id : null);
  const start = el("input", { type: "time", name: "start", step: 300, value: a ? hm(a.start) : hm(Math.ceil(clock() / 300000) * 300000) });
  const pin = el("input", { type: "checkbox", name: "pinned", checked: Boolean(a?.pinned) });
  const err = el("div", { class: "error", role: "alert", id: "assign-error" });
  const submit = el("button", { type: "submit", class: "primary" }, t("assign.submit"));
  const form = el("form", { class: "assign-form", id: "assign-form" },
    el("label", {}, `${t("assign.engineer")} `, select),
    el("label", {}, `${t("assign.start")} `, start),
    el("label", {}, pin, ` ${t("assign.pin")}`),
    submit, err);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    err.textContent = "";
    guarded(async () => {
      try { await manualAssign(id, select.value, dayTime(start.value), pin.checked, err); } catch (e) { err.textContent = e.message; }
    })();
  });
  if (a && !isPending()) {
    const pinned = Boolean(a.pinned);
    const toggle = el("button", { type: "button", class: "pin-toggle" }, pinned ? t("assign.unpin") : t("assign.pin_now"));
    toggle.addEventListener("click", () => guarded(async () => {
      try {
        await api(pinned ? "DELETE" : "POST", `/tickets/${encodeURIComponent(id)}/pin`);
        say(pinned ? t("assign.unpinned_ok") : t("assign.pinned_ok"), true);
        await refresh();
      } catch (e) { err.textContent = e.message; }
    })());
    form.append(toggle);
  }
  return form;
}

/** The server's objection to a manual change, in the page's words and with names: each
 *  violation by its rule from the catalogue (the server's own message is technical). */
function violationsText(err, ticketId, engineerId, start) {
  const list = err.problem?.violations;
  if (!list || !list.length) return err.message;
  const vars = { engineer: engineerName(engineerId), skills: skillsText(ticketInfo(ticketId).skills), start: hm(start) };
  // The server words each broken rule in the page's language, naming people and customers.
  const texts = list.map((v) => v.message || tOr(`violation.${v.rule}`, t("violation.other")));
  return [...new Set(texts)].map((x) => x.replaceAll(/\{(\w+)\}/g, (_, k) => vars[k] ?? "")).join("; ");
}

/** Give a ticket to an engineer at a time; the server checks it (validate_plan) first and
 *  answers 422 with the violations, shown at the item. */
async function manualAssign(ticketId, engineerId, start, pinned, errBox) {
  const body = { engineer_id: engineerId, start, pinned, as_of: new Date(clock()).toISOString() };
  try {
    await api("POST", `/tickets/${encodeURIComponent(ticketId)}/assignment?lang=${LANG}`, body);
  } catch (err) {
    const text = err.status === 404 && !err.problem?.field ? t("assign.unavailable") : violationsText(err, ticketId, engineerId, start);
    if (errBox) errBox.textContent = text;
    else { state.selected = ticketId; renderDetail(); const box = $("assign-error"); if (box) box.textContent = text; }
    return;
  }
  say(t("assign.ok", { ticket: ticketName(ticketId), who: engineerName(engineerId) }), true);
  await refresh();
}

// -- planning, accepting, rejecting ----------------------------------------------------------

/** The solve's budget as the user set it: the search, then the explanations' own budget. */
function budget() {
  const limit = Math.max(1, Math.min(300, Number($("time-limit").value) || 10));
  return { limit, explain: Math.min(3, limit), total: limit + Math.min(3, limit) };
}

function showProgress(job, elapsed) {
  const limit = budget().total;
  $("job-progress").hidden = false;
  $("job-bar").value = Math.min(1, elapsed / limit);
  $("job-text").textContent = job.status === "queued" ? t("board.queued") : t("board.progress", { elapsed: Math.round(elapsed), limit });
}

async function runJob(id) {
  state.running = id;
  renderControls();
  try {
    await follow(id, ({ job, elapsed }) => showProgress(job, elapsed));
    say(t("msg.done"), true);
  } catch (err) {
    if (err.problem?.job_status === "cancelled") say(t("board.cancelled_ok"), true);
    else sayError(err);
  } finally {
    state.running = null;
    $("job-progress").hidden = true;
  }
  await refresh();
}

async function plan() {
  if (state.busy || state.running) return;
  state.busy = true;
  renderControls();
  try {
    const { limit, explain } = budget();
    const body = {
      now: state.asOf, statuses: ["open", "assigned"],
      options: { time_limit_s: limit, explain_time_s: explain, lang: LANG },
    };
    const r = await api("POST", "/dispatch/from-store", body);
    say(t("msg.working"), true);
    state.busy = false;
    await runJob(r.data.id);
  } finally {
    state.busy = false;
    renderControls();
  }
}

async function accept() {
  if (!isPending() || state.busy) return;
  state.busy = true;
  renderControls();
  try {
    const r = (await api("POST", `/jobs/${state.shown.job_id}/accept`)).data;
    say(t("board.accepted_ok", { n: r.tickets_assigned }), true);
  } catch (err) {
    say(acceptErrorText(err));
  } finally {
    state.busy = false;
  }
  await refresh();
}

/** Why a plan was not accepted, in the page's words (the server's detail is technical). */
function acceptErrorText(err) {
  const p = err.problem || {};
  if (err.status === 409 && p.what_changed) return t("accept_error.stale", { n: p.what_changed.length });
  if (err.status === 409 && p.tickets) return t("accept_error.double_booking", { engineer: engineerName(p.value) });
  if (err.status === 409) return t("accept_error.conflict");
  if (err.status === 422) return t("accept_error.other");
  return `${t("msg.failed")}: ${err.message}`;
}

async function reject() {
  if (!isPending() || state.busy) return;
  state.busy = true;
  try {
    await api("POST", `/board/proposals/${state.shown.job_id}/reject`);
    say(t("board.rejected_ok"), true);
  } finally {
    state.busy = false;
  }
  await refresh();
}

// -- events ---------------------------------------------------------------------------------

function field(label, input) {
  return el("label", { class: "field" }, el("span", {}, label), input);
}

function nowInput(name) {
  return el("input", { type: "time", name, step: 300, value: hm(Math.ceil(clock() / 300000) * 300000), required: true });
}

const EVENT_FORMS = {
  urgent: {
    path: "/events/urgent-ticket",
    fields() {
      const sites = el("select", { name: "site_id", required: true });
      const sorted = [...state.sites.values()].sort((a, b) => a.customer.localeCompare(b.customer, "ru"));
      for (const s of sorted) sites.append(el("option", { value: s.id }, `${s.customer} — ${s.address}`));
      const mode = el("select", { name: "mode" }, el("option", { value: "remote" }, t("mode.remote")), el("option", { value: "onsite" }, t("mode.onsite")));
      const prio = el("select", { name: "priority" }, ...["urgent", "normal", "low"].map((p) => el("option", { value: p }, t(`priority.${p}`))));
      const skills = el("fieldset", { class: "skills", name: "required_skills" }, el("legend", {}, t("event.skills")),
        ...["asterisk_dialplan", "sip_trunks", "gateways", "ip_phones", "network_vpn", "linux_server", "crm_integration", "call_center"]
          .map((s) => el("label", {}, el("input", { type: "checkbox", value: s, checked: s === "sip_trunks" }), ` ${t(`skill.${s}`)}`)));
      return [
        field(t("event.site"), sites),
        field(t("event.title"), el("input", { name: "title", value: t("event.default_title"), maxlength: 200, required: true })),
        field(t("queue.col_priority"), prio),
        field(t("event.mode"), mode),
        field(t("event.duration"), el("input", { name: "duration_min", type: "number", min: 5, max: 480, value: 45, required: true })),
        skills,
      ];
    },
    body(form) {
      const at = new Date(clock()).toISOString();
      const id = `u${Date.now().toString(36)}`;
      return {
        as_of: at,
        ticket: {
          id, site_id: form.site_id.value, created_at: at, priority: form.priority.value,
          kind: "maintenance", mode: form.mode.value, title: form.title.value.trim(),
          duration_min: Number(form.duration_min.value),
          required_skills: [...form.querySelectorAll(".skills input:checked")].map((c) => c.value),
        },
        options: { lang: LANG },
      };
    },
  },
  sick: {
    path: "/events/sick",
    fields: () => [field(t("event.engineer"), engineerSelect(null)), field(t("event.from"), nowInput("at"))],
    body: (form) => ({ engineer_id: form.engineer_id.value, at: dayTime(form.at.value), options: { lang: LANG } }),
  },
  car: {
    path: "/events/car-breakdown",
    fields: () => [field(t("event.engineer"), engineerSelect(null)), field(t("event.from"), nowInput("at"))],
    body: (form) => ({ engineer_id: form.engineer_id.value, at: dayTime(form.at.value), options: { lang: LANG } }),
  },
  overrun: {
    path: "/events/overrun",
    fields() {
      const select = el("select", { name: "ticket_id", required: true });
      const items = timelineItems().filter((a) => a.status === "in_progress" || a.status === "en_route" || !isPending());
      for (const a of items) select.append(el("option", { value: a.ticket_id, dataset: { end: a.end } }, `${hm(a.start)}–${hm(a.end)} ${engineerName(a.engineer_id)}: ${ticketName(a.ticket_id)}`));
      return [field(t("event.ticket"), select), field(t("event.extra_min"), el("input", { name: "extra", type: "number", min: 5, max: 480, value: 30, required: true }))];
    },
    body(form) {
      const opt = form.ticket_id.selectedOptions[0];
      const end = Date.parse(opt.dataset.end) + Number(form.extra.value) * 60000;
      return { ticket_id: form.ticket_id.value, new_end: new Date(end).toISOString(), options: { lang: LANG } };
    },
  },
};

let openEvent = null;

async function openEventDialog(kind) {
  openEvent = kind;
  if (kind === "urgent") await loadSites();
  const spec = EVENT_FORMS[kind];
  $("event-title").textContent = t({ urgent: "event.urgent", sick: "event.sick", overrun: "event.overrun", car: "event.car" }[kind]);
  $("event-fields").replaceChildren(...spec.fields());
  $("event-error").textContent = "";
  $("event-dialog").showModal();
}

async function submitEvent(ev) {
  ev.preventDefault();
  const form = $("event-form");
  const spec = EVENT_FORMS[openEvent];
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  for (const bad of form.querySelectorAll(".invalid")) bad.classList.remove("invalid");
  try {
    const r = (await api("POST", spec.path, spec.body(form))).data;
    $("event-dialog").close();
    say(t("msg.done"), true);
    state.shown = null;
    await refresh();
    if (!isPending() && r.plan) {
      state.shown = { job_id: r.job_id, status: "proposed", plan: r.plan, event: r.event, created: r.as_of };
      render();
    } else if (state.shown) {
      state.shown.event = r.event;
      renderControls();
    }
  } catch (err) {
    $("event-error").textContent = eventErrorText(err, form);
  } finally {
    submit.disabled = false;
  }
}

/** An event's refusal at its field, in the page's words: the field named by the problem
 *  (`ticket.duration_min` → the duration input) is marked and explained from the catalogue. */
function eventErrorText(err, form) {
  const p = err.problem || {};
  if (err.status === 404 && !p.field) return t("event.unavailable");
  if (err.status === 0 || err.status === 401 || err.status === 403) return err.message;
  const parts = String(p.field || "").split(".").filter((x) => x && !/^\d+$/.test(x));
  let name = parts.pop() || "";
  if (name === "new_end") name = form.querySelector('[name="extra"]') ? "extra" : name;
  if (name === "id" && err.status !== 409) name = "";
  const input = name && form.querySelector(`[name="${name}"]`);
  if (input) input.classList.add("invalid");
  if (err.status === 409 && parts.concat(name).includes("id")) return t("event_error.id");
  return tOr(`event_error.${name}`, t("event_error.other"));
}

// -- wiring ---------------------------------------------------------------------------------

async function start() {
  if (!state.map && window.L) {
    try { state.map = await createMap($("map"), document.body.dataset.tileUrl || ""); } catch (err) { console.warn(err); }
  }
  await refresh();
}

$("plan").addEventListener("click", guarded(plan));
$("accept").addEventListener("click", guarded(accept));
$("reject").addEventListener("click", guarded(reject));
$("job-cancel").addEventListener("click", guarded(async () => { if (state.running) await cancelJob(state.running); }));
$("as-of").addEventListener("change", guarded(async () => {
  const v = $("as-of").value;
  if (!v) return;
  setAsOf(fromLocalInput(v));
  await refresh();
}));
$("as-of-now").addEventListener("click", guarded(async () => {
  setAsOf(new Date().toISOString());
  await refresh();
}));
for (const b of document.querySelectorAll("[data-event]")) b.addEventListener("click", guarded(() => openEventDialog(b.dataset.event)));
$("event-form").addEventListener("submit", (ev) => guarded(submitEvent)(ev));
$("event-cancel").addEventListener("click", () => $("event-dialog").close());
/** The board's clock runs on: the now-line and the SLA countdowns move every 15 s. */
function tick() {
  if (!state.board) return;
  tickCountdowns();
  moveNowLine($("timeline"), clock());
}
setInterval(tick, TICK_MS);
window.addEventListener("resize", () => { if (state.board) renderTimeline(); });

setupKey(start);
