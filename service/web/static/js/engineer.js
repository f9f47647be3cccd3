// The engineer's own view at phone width: the day's work in order, a navigation link to each
// site, and the status buttons (en route, on site / started, done, needs a second visit).

import {
  api, cityText, dayLabel, el, fromLocalInput, guarded, hm, listAll, say, setupKey, t, toLocalInput, tOr,
} from "./lib/core.js";

const $ = (id) => document.getElementById(id);
const params = new URL(location.href).searchParams;
const state = {
  board: null, sites: new Map(), engineer: params.get("engineer") || "", day: params.get("day") || "",
  asOf: null, openedAt: Date.now(),
};

/** Buttons a commitment in each status offers, and the status each one sends. */
const BUTTONS = {
  assigned: (visit) => (visit ? [["eng.en_route", "en_route"], ["eng.on_site", "in_progress"]] : [["eng.start_remote", "in_progress"]]),
  en_route: () => [["eng.on_site", "in_progress"]],
  in_progress: (visit) => [["eng.done", "done"], ...(visit ? [["eng.second_visit", "second_visit"]] : [])],
  done: () => [],
};

function navLinks(loc) {
  if (!loc || loc.lat === undefined) return [];
  const yandex = `https://yandex.ru/maps/?rtext=~${loc.lat},${loc.lon}&rtt=auto`;
  return [
    el("a", { class: "nav", href: yandex, target: "_blank", rel: "noopener" }, t("eng.navigate")),
    el("a", { class: "nav", href: `geo:${loc.lat},${loc.lon}` }, t("eng.geo")),
  ];
}

async function ticket(id) {
  return (await api("GET", `/tickets/${encodeURIComponent(id)}`)).data;
}

async function setStatus(id, status, errBox) {
  try {
    await api("POST", `/tickets/${encodeURIComponent(id)}/status`, { status, at: clock() });
  } catch (err) {
    errBox.textContent = err.message;
    return;
  }
  say(t("eng.saved", { status: tOr(`status.${status}`, t("eng.second_visit")) }), true);
  await load();
}

async function card(a) {
  const tk = await ticket(a.ticket_id);
  const site = state.sites.get(tk.site_id) || {};
  const visit = tk.mode === "onsite";
  const late = Math.round((Date.parse(a.start) - Date.parse(a.deadline || tk.sla_deadline)) / 60000);
  const err = el("div", { class: "error", role: "alert" });
  const buttons = (BUTTONS[a.status] || (() => []))(visit).map(([label, status]) =>
    el("button", { type: "button", class: status === "done" ? "primary" : "", dataset: { status } , onclick: guarded(() => setStatus(a.ticket_id, status, err)) }, t(label)));
  return el("li", { class: `card ${tk.priority === "urgent" ? "urgent" : ""} st-${a.status}`, dataset: { ticket: a.ticket_id } },
    el("span", { class: "status" }, tOr(`status.${a.status}`, "")),
    el("div", { class: "time" }, `${hm(a.start)}–${hm(a.end)}`),
    el("div", { class: "customer" }, site.customer || tk.title),
    el("div", {}, tk.title),
    el("div", { class: "addr" }, visit ? site.address || cityText(site.city) : t("eng.remote")),
    late > 0 ? el("div", { class: "late-text" }, t("timeline.late", { n: late })) : null,
    el("div", { class: "meta" }, `${tOr(`priority.${tk.priority}`, "")} · ${t("eng.deadline", { t: hm(tk.sla_deadline) })} · ${t("eng.duration", { n: tk.duration_min })}`),
    visit ? el("div", {}, ...navLinks(tk.location || site.location)) : null,
    buttons.length ? el("div", { class: "buttons" }, ...buttons) : null,
    err);
}

/** The page's clock: the moment of the day shown, running at the wall clock's pace (on the
 *  sample day a status is recorded at the sample day's time, not at today's). */
function clock() {
  return new Date(Date.parse(state.asOf) + (Date.now() - state.openedAt)).toISOString();
}

function setDay(day, asOf) {
  state.day = day;
  state.asOf = asOf;
  state.openedAt = Date.now();
}

async function load() {
  if (!state.sites.size) for (const s of await listAll("/sites")) state.sites.set(s.id, s);
  if (!state.asOf) {
    const first = (await api("GET", "/board")).data;
    const suggested = first.suggested_as_of || first.as_of;
    const day = state.day || toLocalInput(suggested).slice(0, 10);
    setDay(day, day === toLocalInput(suggested).slice(0, 10) ? suggested : fromLocalInput(`${day}T09:00`));
  }
  const board = (await api("GET", `/board?as_of=${encodeURIComponent(state.asOf)}`)).data;
  state.board = board;
  $("day").value = state.day;
  const select = $("engineer");
  if (!select.options.length) {
    for (const e of board.engineers) select.append(el("option", { value: e.id }, e.name));
  }
  if (!state.engineer && board.engineers.length) state.engineer = board.engineers[0].id;
  select.value = state.engineer;
  const mine = board.assignments.filter((a) => a.engineer_id === state.engineer)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const cards = await Promise.all(mine.map(card));
  const visits = cards.filter((c) => c.querySelector(".nav")).length;
  $("summary").textContent = mine.length ? `${dayLabel(board.as_of)}. ${t("eng.summary", { n: mine.length, visits })}` : t("eng.none");
  $("work").replaceChildren(...cards);
  const url = new URL(location.href);
  url.searchParams.set("engineer", state.engineer);
  url.searchParams.set("day", state.day);
  history.replaceState(null, "", url);
}

$("engineer").addEventListener("change", guarded(async () => { state.engineer = $("engineer").value; await load(); }));
$("day").addEventListener("change", guarded(async () => {
  const day = $("day").value;
  if (!day) return;
  const today = toLocalInput(new Date()).slice(0, 10);
  setDay(day, day === today ? new Date().toISOString() : fromLocalInput(`${day}T09:00`));
  await load();
}));
setupKey(load);
