// The owner's what-if: a sample scenario, a form, or the sweep "how many engineers for N % on
// time"; the run is a job with its progress; results as percentages with the difference
// against the base, its interval and whether it is significant; charts drawn as SVG.

import { api, ApiError, el, guarded, LANG, listAll, num, rub, say, setupKey, svg, t, tOr } from "./lib/core.js";
import { cancel, follow } from "./lib/jobs.js";

const $ = (id) => document.getElementById(id);
const state = { samples: [], engineers: [], names: new Map(), running: null, mode: "sample" };
const SHARES = new Set(["sla_attainment", "utilisation", "phone_within_target"]);
const pctFormat = new Intl.NumberFormat(LANG === "ru" ? "ru-RU" : "en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A share 0..1 as "82,4 %", kept inside what is possible. */
function share(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  return `${pctFormat.format(100 * Math.min(1, Math.max(0, x)))} %`;
}

function signed(text, x) {
  return x > 0 ? `+${text}` : text;
}

function fieldError(id, text) {
  const box = $(`${id}-error`);
  if (box) box.textContent = text || "";
  const input = $(id);
  if (input) input.setAttribute("aria-invalid", text ? "true" : "false");
}

function parseDay(text) {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec((text || "").trim());
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

// -- the form ----------------------------------------------------------------------------------

function setMode(mode) {
  state.mode = mode;
  $("sample-box").hidden = mode !== "sample";
  $("form-box").hidden = mode !== "form";
  $("sweep-box").hidden = mode !== "sweep";
}

function replications() {
  const value = Number($("replications").value);
  const ok = Number.isInteger(value) && value >= 1 && value <= 200;
  fieldError("replications", ok ? "" : t("whatif.replications_error"));
  return ok ? value : null;
}

function span(prefix, errorId) {
  const who = $(prefix).value;
  if (!who) return null;
  const first = parseDay($(`${prefix}-first`).value);
  const last = parseDay($(`${prefix}-last`).value);
  if (!first || !last) { fieldError(errorId, t("whatif.dates_needed")); throw new Error(t("whatif.dates_needed")); }
  fieldError(errorId, "");
  return { engineer_id: who, first, last };
}

function formBody() {
  const start = parseDay($("f-start").value);
  fieldError("f-start", start ? "" : t("whatif.date_error"));
  const days = Number($("f-days").value);
  fieldError("f-days", days >= 7 && days <= 366 ? "" : t("whatif.days_error"));
  if (!start || !(days >= 7 && days <= 366)) return null;
  const body = { start, horizon_days: days, weekend_on_call: $("f-oncall").checked, optimal_dispatcher: $("f-optimal").checked };
  const clients = Number($("f-clients").value);
  if (clients > 0) body.add_clients = [{ city: $("f-city").value, count: clients }];
  const away = span("f-away", "f-away");
  if (away) body.away = [away];
  const car = span("f-car", "f-car");
  if (car) body.cars_out = [car];
  const skills = [...document.querySelectorAll("#f-skills input:checked")].map((i) => i.value);
  if (skills.length) body.hire = { skills, car: $("f-hire-car").checked };
  return body;
}

async function run() {
  const reps = replications();
  if (reps === null) return;
  let path;
  let body;
  if (state.mode === "sample") {
    path = `/whatif/samples/${encodeURIComponent($("sample").value)}?lang=${LANG}`;
    body = { replications: reps };
  } else if (state.mode === "form") {
    body = formBody();
    if (!body) return;
    body.replications = reps;
    path = `/whatif/form?lang=${LANG}`;
  } else {
    const target = Number($("s-target").value);
    fieldError("s-target", target >= 1 && target < 100 ? "" : t("whatif.target_error"));
    if (!(target >= 1 && target < 100)) return;
    body = { replications: reps, target_pct: target, max_extra: Number($("s-max").value), like: $("s-like").value, start: "2027-07-01", horizon_days: 31 };
    path = `/whatif/sweep?lang=${LANG}`;
  }
  let job;
  try {
    job = (await api("POST", path, body)).data;
  } catch (err) {
    if (err instanceof ApiError && String(err.problem.field || "").endsWith("replications")) {
      fieldError("replications", t("whatif.replications_error"));
      return;
    }
    throw err;
  }
  const report = await follow_(job.id);
  let answer = null;
  if (state.mode === "sweep") {
    answer = (await api("GET", `/whatif/${job.id}/sweep?target_pct=${body.target_pct}`)).data;
  }
  const sample = state.samples.find((x) => x.id === $("sample").value);
  const heading = state.mode === "sample" && sample ? sample.title
    : state.mode === "sweep" ? t("whatif.sweep") : t("whatif.form");
  show(report, answer, body.max_extra, heading);
  say(t("whatif.done", { n: report.scenarios.length, r: report.scenarios[0].replications }), true);
}

async function follow_(id) {
  state.running = id;
  $("cancel").hidden = false;
  $("run").disabled = true;
  const bar = $("progress");
  bar.hidden = false;
  bar.value = 0;
  say("");
  try {
    return await follow(id, ({ job }) => {
      bar.value = job.progress;
      $("job-status").textContent = t("whatif.status", { status: t(`job.${job.status}`), pct: share(job.progress) });
    });
  } finally {
    state.running = null;
    bar.hidden = true;
    $("cancel").hidden = true;
    $("run").disabled = false;
    $("job-status").textContent = "";
  }
}

// -- results -----------------------------------------------------------------------------------

function title(s) {
  return s.description || s.name;
}

function show(report, answer, maxExtra, heading) {
  $("results").hidden = false;
  $("results-title").textContent = t("whatif.results", { name: heading });
  const warnings = [];
  if (report.few_replications) warnings.push(t("whatif.few"));
  for (const s of report.scenarios) for (const w of s.warnings) if (!/прогон|replication/i.test(w)) warnings.push(`${title(s)}: ${w}`);
  $("warnings").replaceChildren(...warnings.map((w) => el("li", {}, w)));
  $("sweep-answer").hidden = !answer;
  if (answer) {
    const word = (v) => (v === null ? t("whatif.sweep_none", { n: maxExtra }) : `+${v}`);
    $("sweep-answer").textContent = t("whatif.sweep_answer", { target: num(answer.target_pct), mean: word(answer.by_mean), low: word(answer.by_ci_low) });
  }
  document.querySelector("#scenarios thead").replaceChildren(el("tr", {},
    ["col_scenario", "col_sla", "col_wait", "col_urgent", "col_util", "col_cost", "col_revenue"].map((k) => el("th", {}, t(`whatif.${k}`)))));
  document.querySelector("#scenarios tbody").replaceChildren(...report.scenarios.map((s) => el("tr", {},
    el("td", {}, title(s)),
    el("td", {}, `${share(s.sla_attainment.mean)} [${share(s.sla_attainment.ci_low)}; ${share(s.sla_attainment.ci_high)}]`),
    el("td", {}, `${num(s.wait_min.p50)} / ${num(s.wait_min.p90)}`),
    el("td", {}, num(s.urgent_response_min.mean)),
    el("td", {}, share(s.utilisation.mean)),
    el("td", {}, rub(s.costs.total_rub.mean)),
    el("td", {}, rub(s.extra_work_revenue_rub.mean)))));
  renderComparison(report);
  chartSla(report);
  chartWait(report);
  chartUtil(report);
  chartEngineers(report);
  chartShortfall(report.scenarios[report.scenarios.length - 1]);
}

function valueText(metric, x) {
  if (x === null || x === undefined) return "—";
  if (SHARES.has(metric)) return share(x);
  if (metric.endsWith("_rub")) return rub(x);
  return num(x);
}

function diffText(metric, x) {
  if (x === null || x === undefined) return "—";
  if (SHARES.has(metric)) return `${signed(pctFormat.format(100 * x), x)} ${t("whatif.pp")}`;
  if (metric.endsWith("_rub")) return signed(rub(x), x);
  return signed(num(x), x);
}

function renderComparison(report) {
  const names = new Map(report.scenarios.map((s) => [s.name, title(s)]));
  document.querySelector("#comparison thead").replaceChildren(el("tr", {},
    ["col_scenario", "col_measure", "col_base", "col_value", "col_diff", "col_ci", "col_sig"].map((k) => el("th", {}, t(`whatif.${k}`)))));
  document.querySelector("#comparison tbody").replaceChildren(...report.comparison.map((c) => el("tr", {},
    el("td", {}, names.get(c.scenario) || c.scenario),
    el("td", {}, tOr(`whatif.metric.${c.metric}`, c.label)),
    el("td", {}, valueText(c.metric, c.baseline_value)),
    el("td", {}, valueText(c.metric, c.value)),
    el("td", {}, diffText(c.metric, c.difference)),
    el("td", {}, c.ci_low === null ? "—" : `[${diffText(c.metric, c.ci_low)}; ${diffText(c.metric, c.ci_high)}]`),
    el("td", { class: c.significant ? "sig" : "nosig" }, t(c.significant ? "whatif.sig_yes" : "whatif.sig_no")))));
}

// -- charts (SVG, no library) --------------------------------------------------------------------

/** Grouped bars: one group per x label, one bar per series; whiskers when lo/hi are given.
 *  The value axis runs from `min` (default 0) to `max`; a bar below `min` is not drawn. */
function bars(target, groups, series, { min = 0, max, format, goal, legend = true } = {}) {
  // groups: [{label, values: [v per series], lo?: [..], hi?: [..], title?: [..]}]
  const barW = groups.length * series.length > 40 ? 9 : 18;
  const gap = barW + 4;
  const labelW = Math.min(120, 8 + 6.5 * Math.max(0, ...groups.map((g) => g.label.length)));
  const step = Math.max(series.length * gap + 10, labelW, groups.length <= 4 ? 130 : 0);
  const legendW = legend && series.length > 1 ? 48 + series.reduce((w, name) => w + 32 + name.length * 6.5, 0) : 0;
  const width = Math.max(320, 60 + groups.length * step, legendW);
  const height = legend && series.length > 1 ? 220 : 195;
  const top = 16;
  const bottom = 170;
  const scaleMax = max ?? Math.max(1e-9, ...groups.flatMap((g) => [...g.values, ...(g.hi || [])].filter((v) => v !== null && v !== undefined)));
  const y = (v) => bottom - (bottom - top) * Math.max(0, Math.min(1, (v - min) / (scaleMax - min)));
  const nodes = [svg("line", { x1: 40, y1: bottom, x2: width - 5, y2: bottom, class: "axis" })];
  for (const tick of [0, 0.5, 1]) {
    const v = min + tick * (scaleMax - min);
    nodes.push(svg("text", { x: 2, y: y(v) + 4 }, format(v)));
  }
  if (goal !== undefined && goal !== null) nodes.push(svg("line", { x1: 40, x2: width - 5, y1: y(goal), y2: y(goal), class: "goal" }));
  const chars = Math.max(4, Math.floor((step - 8) / 6.5));
  groups.forEach((g, i) => {
    const x0 = 48 + i * step;
    g.values.forEach((v, k) => {
      if (v === null || v === undefined) return;
      const x = x0 + k * gap;
      const tip = (g.title && g.title[k]) || `${series[k] ? `${series[k]}, ` : ""}${g.label}: ${format(v)}`;
      nodes.push(svg("rect", { x, y: y(v), width: barW, height: Math.max(0, bottom - y(v)), class: `bar${k % 6}`, dataset: { value: v } }, svg("title", {}, tip)));
      if (g.lo && g.hi && g.lo[k] !== null && g.lo[k] !== undefined) {
        nodes.push(svg("line", { x1: x + barW / 2, x2: x + barW / 2, y1: y(g.lo[k]), y2: y(g.hi[k]), class: "whisker" }));
      }
    });
    nodes.push(svg("text", { x: x0, y: bottom + 14 }, g.label.length > chars ? `${g.label.slice(0, chars - 1)}…` : g.label));
  });
  if (legend && series.length > 1) {
    let lx = 48;
    series.forEach((name, k) => {
      nodes.push(svg("rect", { x: lx, y: bottom + 28, width: 10, height: 10, class: `bar${k % 6} key` }));
      nodes.push(svg("text", { x: lx + 14, y: bottom + 37 }, name));
      lx += 14 + name.length * 6.5 + 18;
    });
  }
  $(target).replaceChildren(svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" }, nodes));
}

/** The lower end of a share axis: a tenth below the lowest value shown, never below 0. */
function shareFloor(values) {
  const low = Math.min(1, ...values.filter((v) => v !== null && v !== undefined));
  return Math.max(0, Math.floor((low - 0.05) * 10) / 10);
}

function dayMonth(iso) {
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}`;
}

/** SLA week by week: a bar per scenario with its interval, weeks on the axis. */
function chartSla(report) {
  const weeks = report.scenarios[0].sla_by_week || [];
  const groups = weeks.map((w, k) => {
    const rows = report.scenarios.map((s) => (s.sla_by_week || [])[k]?.sla_attainment || null);
    return {
      label: t("whatif.week_label", { date: dayMonth(w.start) }),
      values: rows.map((e) => (e ? e.mean : null)),
      lo: rows.map((e) => (e ? e.ci_low : null)),
      hi: rows.map((e) => (e ? e.ci_high : null)),
      title: report.scenarios.map((s, i) => (rows[i]
        ? `${title(s)}, ${t("whatif.week_label", { date: dayMonth(w.start) })}: ${share(rows[i].mean)} [${share(rows[i].ci_low)}; ${share(rows[i].ci_high)}], ${t("whatif.tickets_n", { n: num((s.sla_by_week || [])[k].judged) })}`
        : "")),
    };
  });
  const min = shareFloor(groups.flatMap((g) => g.lo));
  bars("chart-sla", groups, report.scenarios.map(title), { min, max: 1, format: share });
}

function binLabel(b) {
  return b.high_min === null ? `≥ ${num(b.low_min)}` : `${num(b.low_min)}–${num(b.high_min)}`;
}

/** The waiting-time distribution: the share of tickets in each bin of minutes. */
function chartWait(report) {
  const bins = report.scenarios[0].wait_histogram || [];
  bars("chart-wait", bins.map((b, j) => ({
    label: binLabel(b),
    values: report.scenarios.map((s) => (s.wait_histogram || [])[j]?.share ?? null),
    title: report.scenarios.map((s) => {
      const x = (s.wait_histogram || [])[j];
      return x ? `${title(s)}, ${binLabel(b)} ${t("word.min")}: ${share(x.share)} (${t("whatif.tickets_n", { n: num(x.tickets.mean) })})` : "";
    }),
  })), report.scenarios.map(title), { format: share });
}

/** Utilisation by hour of the day, the hours someone works in any scenario. */
function chartUtil(report) {
  const hours = [...Array(24).keys()].filter((h) => report.scenarios.some((s) => (s.utilisation_by_hour || [])[h]?.available_hours > 0));
  bars("chart-util", hours.map((h) => {
    const rows = report.scenarios.map((s) => (s.utilisation_by_hour || [])[h]?.utilisation || null);
    return {
      label: `${h}`,
      values: rows.map((e) => (e ? e.mean : null)),
      lo: rows.map((e) => (e ? e.ci_low : null)),
      hi: rows.map((e) => (e ? e.ci_high : null)),
      title: report.scenarios.map((s, i) => (rows[i] ? `${title(s)}, ${h}:00–${h + 1}:00: ${share(rows[i].mean)}` : "")),
    };
  }), report.scenarios.map(title), { max: 1, format: share });
}

/** Utilisation of each engineer over the whole period. */
function chartEngineers(report) {
  const ids = [...new Set(report.scenarios.flatMap((s) => Object.keys(s.utilisation_by_engineer)))];
  bars("chart-eng", ids.map((id) => ({
    label: (state.names.get(id) || t("whatif.new_engineer")).split(" ").slice(-1)[0],
    values: report.scenarios.map((s) => (id in s.utilisation_by_engineer ? s.utilisation_by_engineer[id] : null)),
  })), report.scenarios.map(title), { max: 1, format: share });
}

function chartShortfall(s) {
  const grid = s.overdue_by_hour || [];
  const max = Math.max(1e-9, ...grid.flat());
  const nodes = [];
  const cls = (v) => (v <= 0 ? "h0" : v / max < 0.25 ? "h1" : v / max < 0.5 ? "h2" : v / max < 0.75 ? "h3" : "h4");
  grid.forEach((row, d) => {
    nodes.push(svg("text", { x: 0, y: 28 + d * 18 }, t(`weekday.${d}`)));
    row.forEach((v, h) => nodes.push(svg("rect", { x: 26 + h * 16, y: 16 + d * 18, width: 15, height: 17, class: cls(v) },
      svg("title", {}, `${t(`weekday.${d}`)} ${h}:00 — ${num(v)}`))));
  });
  for (let h = 0; h < 24; h += 3) nodes.push(svg("text", { x: 26 + h * 16, y: 12 }, `${h}`));
  $("chart-short-title").textContent = `${t("whatif.chart_short")} — ${title(s)}`;
  $("chart-short").replaceChildren(svg("svg", { width: 420, height: 150, viewBox: "0 0 420 150", role: "img" }, nodes));
}

// -- start -------------------------------------------------------------------------------------

async function init() {
  state.samples = (await api("GET", `/whatif/samples?lang=${LANG}`)).data;
  $("sample").replaceChildren(...state.samples.map((s) => el("option", { value: s.id }, s.title)));
  const showSample = () => {
    const s = state.samples.find((x) => x.id === $("sample").value);
    $("sample-text").textContent = s ? s.scenarios.map((x) => x.title).join(" · ") : "";
  };
  $("sample").addEventListener("change", showSample);
  showSample();
  state.engineers = await listAll("/engineers");
  state.names = new Map(state.engineers.map((e) => [e.id, e.name]));
  const options = () => [el("option", { value: "" }, t("whatif.nobody")), ...state.engineers.map((e) => el("option", { value: e.id }, e.name))];
  $("f-away").replaceChildren(...options());
  $("f-car").replaceChildren(...options());
  $("s-like").replaceChildren(...state.engineers.map((e) => el("option", { value: e.id }, e.name)));
  const skills = [...new Set(state.engineers.flatMap((e) => e.skills))].sort();
  $("f-skills").replaceChildren(...skills.map((s) => el("label", {}, el("input", { type: "checkbox", value: s }), ` ${tOr(`skill.${s}`, s)}`)));
}

for (const r of document.querySelectorAll("input[name='mode']")) r.addEventListener("change", () => setMode(r.value));
$("replications").addEventListener("change", replications);
$("whatif-form").addEventListener("submit", (ev) => { ev.preventDefault(); guarded(run)(); });
$("cancel").addEventListener("click", guarded(async () => { if (state.running) await cancel(state.running); }));
setupKey(init);
