// Master data: engineers, the skills catalogue, shift templates, customer sites and SLA
// contracts, each a table and a form; every value is checked at its field (in the page's
// language) before it is sent, and what the service refuses is shown at the field it names.

import { api, ApiError, cityText, el, guarded, LANG, listAll, say, setupKey, t, tOr } from "./lib/core.js";

const $ = (id) => document.getElementById(id);
const ID = /^[A-Za-z0-9_.-]{1,100}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const state = { tab: "engineers", items: [], editing: null, skills: [], policies: [] };

const text = (name, opts = {}) => ({ name, type: "text", ...opts });
const number = (name, min, max, opts = {}) => ({ name, type: "number", min, max, ...opts });
const check = (name) => ({ name, type: "check" });
const weekdays = () => [0, 1, 2, 3, 4, 5, 6].map((d) => [String(d), t(`weekday.${d}`)]);

const CITIES = ["Saratov", "Engels", "Balakovo", "Marks", "Volsk", "Pugachev", "Balashov", "Rtishchevo"];

/** The bank of the Volga as the service computed it from the coordinates (visited cities only). */
function bankText(bank) {
  return bank === "right" || bank === "left" ? t(`master.bank.${bank}`) : t("master.bank.none");
}

/** "Саратов, правый (Саратов)": the city and bank of a site, or of an address just located. */
function placeText(city, bank) {
  return city ? `${cityText(city)}, ${bankText(bank)}` : t("master.city_unknown");
}

/** The cities a site may be in: the usual ones, those of the stored sites, and `extra`. */
function cityOptions(extra) {
  const cities = [...CITIES];
  for (const c of [...state.items.map((s) => s.city), extra]) if (c && !cities.includes(c)) cities.push(c);
  return cities.map((c) => [c, cityText(c)]);
}

const RESOURCES = {
  engineers: {
    path: "/engineers",
    fields: () => [text("id", { id: true }), text("name"),
      { name: "skills", type: "multi", options: state.skills.map((s) => [s.id, skillName(s)]) },
      check("licence_b"), check("has_car"), number("base_lat", 40, 70, { step: "any" }),
      number("base_lon", 20, 80, { step: "any" }), number("weekly_hours", 1, 40),
      number("cost_per_hour_rub", 0, 100000), check("holiday_work_consent")],
    from: (e) => ({ ...e, base_lat: e.base.lat, base_lon: e.base.lon }),
    to: (v, orig) => ({ ...(orig || {}), id: v.id, name: v.name, skills: v.skills, licence_b: v.licence_b, has_car: v.has_car,
      base: { lat: v.base_lat, lon: v.base_lon }, weekly_hours: v.weekly_hours, cost_per_hour_rub: v.cost_per_hour_rub,
      holiday_work_consent: v.holiday_work_consent }),
    columns: ["name", "skills", "licence_b", "has_car", "weekly_hours", "cost_per_hour_rub"],
    cell: (e, c) => (c === "skills" ? e.skills.map((s) => skillName(state.skills.find((x) => x.id === s) || { id: s })).join(", ")
      : typeof e[c] === "boolean" ? t(e[c] ? "word.yes" : "word.no") : e[c]),
    errorField: (f) => (f.startsWith("base.") ? `base_${f.slice(5)}` : f.split(/[.[]/)[0]),
  },
  skills: {
    path: "/skills",
    fields: () => [text("id", { id: true }), text("name_ru"), text("name_en")],
    from: (s) => s, to: (v, orig) => ({ ...(orig || {}), ...v }),
    columns: ["name_ru", "name_en"], cell: (s, c) => s[c],
    errorField: (f) => f.split(/[.[]/)[0],
  },
  templates: {
    path: "/shift-templates",
    fields: () => [text("id", { id: true }), text("name"), text("start", { time: true }), text("end", { time: true }),
      number("break_min", 0, 180), { name: "kind", type: "select", options: [["day", t("master.kind.day")], ["on_call", t("master.kind.on_call")]] },
      { name: "weekdays", type: "multi", options: weekdays() }],
    from: (x) => ({ ...x, start: x.start.slice(0, 5), end: x.end.slice(0, 5), weekdays: x.weekdays.map(String) }),
    to: (v, orig) => ({ ...(orig || {}), ...v, weekdays: v.weekdays.map(Number) }),
    check: (v) => (TIME.test(v.start) && TIME.test(v.end) && v.end <= v.start ? { end: t("master.end_before_start") } : {}),
    columns: ["name", "start", "end", "break_min", "kind", "weekdays"],
    cell: (x, c) => (c === "kind" ? t(`master.kind.${x.kind}`) : c === "weekdays" ? x.weekdays.map((d) => t(`weekday.${d}`)).join(" ")
      : c === "start" || c === "end" ? x[c].slice(0, 5) : x[c]),
    errorField: (f) => (f === "(body)" ? "end" : f.split(/[.[]/)[0]),
  },
  sites: {
    path: "/sites",
    fields: () => [text("id", { id: true }), text("customer"),
      text("address", { optional: true, wide: true, action: ["locate", t("master.locate"), locate] }),
      { name: "city", type: "select", options: cityOptions() },
      number("lat", 40, 70, { step: "any", optional: true }), number("lon", 20, 80, { step: "any", optional: true }),
      { name: "place", type: "info" },
      { name: "sla_policy", type: "select", options: state.policies.map((p) => [p.id, p.name || p.id]) }],
    from: (s) => ({ ...s, lat: s.location.lat, lon: s.location.lon, place: placeText(s.city, s.bank) }),
    // Without coordinates the service locates the address itself (and refuses one it does not know).
    to: (v) => ({ id: v.id, customer: v.customer, address: v.address, city: v.city,
      ...(v.lat === null ? {} : { location: { lat: v.lat, lon: v.lon } }), sla_policy: v.sla_policy }),
    check: (v) => ((v.lat === null) !== (v.lon === null) ? { [v.lat === null ? "lat" : "lon"]: t("master.both_coordinates") }
      : v.lat === null && !v.address ? { lat: t("master.address_or_coordinates") } : {}),
    columns: ["customer", "address", "city", "bank", "sla_policy"],
    cell: (s, c) => (c === "city" ? cityText(s.city) : c === "bank" ? bankText(s.bank)
      : c === "sla_policy" ? (state.policies.find((p) => p.id === s.sla_policy) || { name: s.sla_policy }).name : s[c]),
    errorField: (f) => (f.startsWith("location") ? (f === "location" ? "lat" : f.slice(9)) : f.split(/[.[]/)[0]),
    problem: (p) => (p.field === "address" ? t(p.status === 503 ? "master.geocoder_down" : "master.address_unknown") : null),
  },
  policies: {
    path: "/sla-policies",
    fields: () => [text("id", { id: true }), text("name"),
      { name: "clock", type: "select", options: [["business", t("master.clock.business")], ["24x7", t("master.clock.24x7")]] },
      number("urgent", 1, 43200), number("normal", 1, 43200), number("low", 1, 43200)],
    from: (p) => ({ ...p, ...p.response_min }),
    to: (v, orig) => ({ ...(orig || {}), id: v.id, name: v.name, clock: v.clock, response_min: { urgent: v.urgent, normal: v.normal, low: v.low } }),
    columns: ["name", "clock", "urgent", "normal", "low"],
    cell: (p, c) => (c === "clock" ? t(`master.clock.${p.clock}`) : c in p.response_min ? p.response_min[c] : p[c]),
    errorField: (f) => (f.startsWith("response_min.") ? f.slice(13) : f.split(/[.[]/)[0]),
  },
};

function skillName(s) {
  return s.name_ru ? (document.body.dataset.lang === "en" ? s.name_en || s.id : s.name_ru) : tOr(`skill.${s.id}`, s.id);
}

function label(name) {
  return tOr(`master.f.${name}`, name);
}

// -- the form -----------------------------------------------------------------------------------

function renderForm(res) {
  const form = $("item-form");
  form.replaceChildren(...res.fields().map((f) => {
    let input;
    if (f.type === "check") {
      input = el("input", { id: `f-${f.name}`, type: "checkbox" });
      return el("div", { class: "field" }, el("label", {}, input, ` ${label(f.name)}`), el("div", { class: "field-error", id: `f-${f.name}-error` }));
    }
    if (f.type === "multi") {
      input = el("div", { id: `f-${f.name}`, class: "checks" },
        f.options.map(([v, l]) => el("label", {}, el("input", { type: "checkbox", value: v }), ` ${l}`)));
      return el("div", { class: "field" }, el("span", {}, label(f.name)), input, el("div", { class: "field-error", id: `f-${f.name}-error` }));
    }
    if (f.type === "info") {
      return el("div", { class: "field" }, el("span", {}, label(f.name)), el("output", { id: `f-${f.name}` }),
        el("div", { class: "field-error", id: `f-${f.name}-error` }));
    }
    if (f.type === "select") {
      input = el("select", { id: `f-${f.name}` }, f.options.map(([v, l]) => el("option", { value: v }, l)));
    } else {
      input = el("input", { id: `f-${f.name}`, type: f.type === "number" ? "number" : "text", min: f.min, max: f.max,
        step: f.step, size: f.time ? 6 : f.id ? 14 : f.wide ? 40 : 24, placeholder: f.time ? "09:00" : null, autocomplete: "off" });
    }
    const action = f.action
      ? el("button", { type: "button", id: `f-${f.name}-${f.action[0]}`, onclick: guarded(f.action[2]) }, f.action[1]) : null;
    return el("div", { class: "field" }, el("label", { for: `f-${f.name}` }, label(f.name)), input, action,
      el("div", { class: "field-error", id: `f-${f.name}-error` }));
  }));
}

function fillForm(res, values) {
  for (const f of res.fields()) {
    const node = $(`f-${f.name}`);
    const v = values ? values[f.name] : undefined;
    if (f.type === "info") node.textContent = v || "";
    else if (f.type === "check") node.checked = Boolean(v);
    else if (f.type === "multi") for (const box of node.querySelectorAll("input")) box.checked = (v || []).map(String).includes(box.value);
    else if (f.type === "select") node.value = v === undefined || v === null ? f.options[0][0] : String(v);
    else node.value = v === undefined || v === null ? "" : String(v);
    if (f.id) node.disabled = Boolean(values);
  }
  clearErrors(res);
}

function clearErrors(res) {
  for (const f of res.fields()) setError(f.name, "");
}

function setError(name, message) {
  const box = $(`f-${name}-error`);
  if (box) box.textContent = message || "";
  const node = $(`f-${name}`);
  if (node) node.setAttribute("aria-invalid", message ? "true" : "false");
}

/** The form's values, or null with the problems shown at their fields. */
function readForm(res) {
  const values = {};
  const errors = {};
  for (const f of res.fields()) {
    const node = $(`f-${f.name}`);
    if (f.type === "info") continue;
    if (f.type === "check") values[f.name] = node.checked;
    else if (f.type === "multi") {
      values[f.name] = [...node.querySelectorAll("input:checked")].map((i) => i.value);
      if (!values[f.name].length) errors[f.name] = t("master.pick_one");
    } else if (f.type === "number") {
      const raw = node.value.trim();
      const x = Number(raw.replace(",", "."));
      if (!raw && f.optional) values[f.name] = null;
      else {
        if (!raw || Number.isNaN(x) || x < f.min || x > f.max) errors[f.name] = t("master.number", { min: f.min, max: f.max });
        values[f.name] = x;
      }
    } else {
      values[f.name] = node.value.trim();
      if (!values[f.name] && !f.optional) errors[f.name] = t("master.required");
      else if (f.id && !ID.test(values[f.name])) errors[f.name] = t("master.id_format");
      else if (f.time && !TIME.test(values[f.name])) errors[f.name] = t("master.time");
    }
  }
  Object.assign(errors, res.check ? res.check(values) : {});
  clearErrors(res);
  for (const [k, m] of Object.entries(errors)) setError(k, m);
  return Object.keys(errors).length ? null : values;
}

async function save() {
  const res = RESOURCES[state.tab];
  const values = readForm(res);
  if (!values) return;
  const original = state.editing ? state.items.find((x) => x.id === state.editing) : null;
  const body = res.to(values, original);
  try {
    if (original) await api("PUT", `${res.path}/${encodeURIComponent(original.id)}`, body);
    else await api("POST", res.path, body);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 422 || err.status === 409 || err.status === 503)) {
      const p = err.problem;
      const name = err.status === 409 ? "id" : res.errorField(String(p.field || ""));
      const msg = err.status === 409 ? t("master.exists") : (res.problem && res.problem({ ...p, status: err.status }))
        || (name === "end" && state.tab === "templates" ? t("master.end_before_start") : t("master.rejected", { value: JSON.stringify(p.value ?? "") }));
      setError($(`f-${name}-error`) ? name : res.fields()[0].name, msg);
      return;
    }
    throw err;
  }
  say(t("master.saved", { name: body.name || body.customer || body.name_ru || body.id }), true);
  await showTab(state.tab, body.id);
}

/** «Найти на карте»: the site's address located by the service (its known addresses, then the
 * geocoding cache); the coordinates, city and bank are filled in, or the address field says
 * to enter the coordinates. */
async function locate() {
  const address = $("f-address").value.trim();
  if (!address) {
    setError("address", t("master.required"));
    return;
  }
  let place;
  try {
    place = (await api("GET", `/geocode?address=${encodeURIComponent(address)}&lang=${LANG}`)).data;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 422 || err.status === 503)) {
      setError("address", t(err.status === 503 ? "master.geocoder_down" : "master.address_unknown"));
      $("f-place").textContent = "";
      return;
    }
    throw err;
  }
  setError("address", "");
  $("f-lat").value = String(place.lat);
  $("f-lon").value = String(place.lon);
  setError("lat", "");
  setError("lon", "");
  if (place.city) {
    const select = $("f-city");
    if (![...select.options].some((o) => o.value === place.city)) select.append(el("option", { value: place.city }, cityText(place.city)));
    select.value = place.city;
  }
  $("f-place").textContent = placeText(place.city, place.bank);
}

// -- tabs and the table ---------------------------------------------------------------------------

async function showTab(tab, keep) {
  state.tab = tab;
  for (const b of document.querySelectorAll(".tabs .tab")) b.setAttribute("aria-pressed", String(b.dataset.tab === tab));
  const res = RESOURCES[tab];
  state.skills = await listAll("/skills");
  state.policies = await listAll("/sla-policies");
  state.items = await listAll(res.path);
  $("section-title").textContent = t(`master.${tab}`);
  renderForm(res);
  edit(keep ? state.items.find((x) => x.id === keep) : null);
  document.querySelector("#items thead").replaceChildren(el("tr", {}, res.columns.map((c) => el("th", {}, label(c)))));
  document.querySelector("#items tbody").replaceChildren(...state.items.map((item) => el("tr", { dataset: { id: item.id } },
    res.columns.map((c) => el("td", {}, res.cell(item, c) ?? "")))));
}

function edit(item) {
  const res = RESOURCES[state.tab];
  state.editing = item ? item.id : null;
  fillForm(res, item ? res.from(item) : null);
  $("editing").textContent = item ? t("master.editing", { id: item.name || item.customer || item.name_ru || item.id }) : t("master.creating");
}

for (const b of document.querySelectorAll(".tabs .tab")) b.addEventListener("click", guarded(() => showTab(b.dataset.tab)));
$("save").addEventListener("click", guarded(save));
$("new").addEventListener("click", () => edit(null));
$("item-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(save)(); });
document.querySelector("#items tbody").addEventListener("click", (ev) => {
  const tr = ev.target.closest("tr");
  if (tr) edit(state.items.find((x) => x.id === tr.dataset.id));
});
setupKey(() => showTab(new URLSearchParams(location.search).get("tab") || "engineers"));
