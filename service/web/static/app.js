// The web pages: fetch the API with the key kept in localStorage; no framework.
"use strict";
const T = JSON.parse(document.getElementById("texts").textContent);
const page = document.body.dataset.page;
const keyInput = document.getElementById("key");
keyInput.value = localStorage.getItem("wfm-key") || "";
document.getElementById("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  localStorage.setItem("wfm-key", keyInput.value.trim());
  start();
});

function say(text, ok) {
  const m = document.getElementById("message");
  m.textContent = text || "";
  m.className = ok ? "ok" : "";
}

async function api(method, path, body) {
  const headers = { "X-API-Key": localStorage.getItem("wfm-key") || "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch("/api/v1" + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : await r.blob();
  if (!r.ok) {
    const detail = data && data.detail ? data.detail : r.statusText;
    throw new Error(`${r.status}: ${detail}`);
  }
  return { status: r.status, data, headers: r.headers };
}

// "2026-11-30T09:00:00+04:00" → "30.11 09:00" (the API answers in Saratov time).
function hm(iso) {
  if (!iso) return "";
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)} ${iso.slice(11, 16)}`;
}

function fill(tableId, rows, cells, rowClass) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement("tr");
    if (rowClass) tr.className = rowClass(row);
    for (const value of cells(row)) {
      const td = document.createElement("td");
      td.textContent = value === undefined || value === null ? "" : String(value);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

async function waitFor(response) {
  // 200: the result itself; 202: poll the job until it ends.
  if (response.status === 200) return { id: response.headers.get("x-job-id"), result: response.data };
  const bar = document.getElementById("progress");
  bar.hidden = false;
  const id = response.data.id;
  for (;;) {
    const job = (await api("GET", `/jobs/${id}`)).data;
    bar.value = job.progress;
    if (job.status === "done") break;
    if (["failed", "interrupted", "cancelled"].includes(job.status)) {
      bar.hidden = true;
      throw new Error(job.error ? job.error.detail : job.status);
    }
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  bar.hidden = true;
  return { id, result: (await api("GET", `/jobs/${id}/result`)).data };
}

async function download(jobId, format) {
  const r = await api("GET", `/jobs/${jobId}/result?format=${format}`);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(r.data);
  a.download = `${jobId.slice(0, 8)}.${format}`;
  a.click();
}

// -- dispatcher board --------------------------------------------------------------------

let planJob = null;

async function loadTickets() {
  const r = await api("GET", "/tickets?status=open&status=assigned&status=in_progress&order=sla_deadline&limit=200");
  fill("tickets", r.data.data,
    (t) => [t.id, t.site_id || "", t.priority, hm(t.created_at), hm(t.sla_deadline), t.status, t.engineer_id],
    (t) => (t.priority === "urgent" ? "urgent" : ""));
}

async function plan() {
  say(T.working, true);
  const body = { now: new Date().toISOString(), options: { time_limit_s: 10 } };
  const { id, result } = await waitFor(await api("POST", "/dispatch/from-store?wait=20", body));
  planJob = id;
  fill("assignments", result.assignments,
    (a) => [a.ticket_id, a.engineer_id, hm(a.start), hm(a.end), a.travel_min, hm(a.deadline), a.on_time ? T.yes : T.no],
    (a) => (a.on_time ? "" : "late"));
  fill("unassigned", result.unassigned, (u) => [u.ticket_id, u.message || (u.reasons || []).join(", ")]);
  document.getElementById("plan-actions").hidden = false;
  say(T.done, true);
}

// -- roster ------------------------------------------------------------------------------

let rosterJob = null;

function showRoster(id, roster) {
  rosterJob = id;
  const dates = [...new Set(roster.assignments.map((a) => a.date))].sort();
  const people = [...new Set(roster.assignments.map((a) => a.engineer_id))].sort();
  const head = document.querySelector("#grid thead");
  head.replaceChildren();
  const tr = document.createElement("tr");
  for (const h of ["", ...dates]) {
    const th = document.createElement("th");
    th.textContent = h.slice(5);
    tr.appendChild(th);
  }
  head.appendChild(tr);
  const cell = {};
  for (const a of roster.assignments) cell[`${a.engineer_id}|${a.date}`] = `${a.template_id} ${a.start.slice(11, 16)}–${a.end.slice(11, 16)}`;
  fill("grid", people, (p) => [p, ...dates.map((d) => cell[`${p}|${d}`] || "")]);
  fill("shortfall", roster.shortfall || [], (s) => [hm(s.start), hm(s.end), s.group, s.short_by]);
  document.getElementById("roster-actions").hidden = false;
}

async function loadAccepted() {
  const r = await api("GET", "/assignments?kind=roster&limit=500");
  fill("accepted", r.data.data, (a) => [a.engineer_id, hm(a.start), hm(a.end), a.template_id]);
}

// -- what-if -----------------------------------------------------------------------------

function pct(x) { return x === null || x === undefined ? "" : `${(100 * x).toFixed(1)}%`; }
function num(x) { return x === null || x === undefined ? "" : Number(x).toFixed(1); }

async function simulate() {
  say(T.working, true);
  const spec = JSON.parse(document.getElementById("scenario").value);
  const { result } = await waitFor(await api("POST", "/whatif?wait=5", spec));
  fill("scenarios", result.scenarios, (s) => [
    s.name,
    `${pct(s.sla_attainment.mean)} [${pct(s.sla_attainment.ci_low)}; ${pct(s.sla_attainment.ci_high)}]`,
    `${num(s.wait_min.p50)} / ${num(s.wait_min.p90)}`,
    num(s.urgent_response_min && s.urgent_response_min.p90),
    pct(s.utilisation.mean),
  ]);
  fill("comparison", result.comparison || [], (c) => [c.scenario, c.label, num(c.baseline_value), num(c.value)]);
  say(T.done, true);
}

// -- wiring ------------------------------------------------------------------------------

function guarded(fn) {
  return () => fn().catch((err) => say(`${T.failed}: ${err.message}`));
}

function start() {
  if (page === "dispatch") guarded(loadTickets)();
  if (page === "roster") guarded(loadAccepted)();
}

if (page === "dispatch") {
  document.getElementById("refresh").onclick = guarded(loadTickets);
  document.getElementById("plan").onclick = guarded(plan);
  document.getElementById("accept").onclick = guarded(async () => {
    await api("POST", `/jobs/${planJob}/accept`);
    say(T.done, true);
    await loadTickets();
  });
  document.getElementById("csv").onclick = guarded(() => download(planJob, "csv"));
}
if (page === "roster") {
  document.getElementById("solve-roster").onclick = guarded(async () => {
    say(T.working, true);
    const body = JSON.parse(document.getElementById("roster-request").value);
    const { id, result } = await waitFor(await api("POST", "/rosters?wait=5", body));
    showRoster(id, result);
    say(T.done, true);
  });
  document.getElementById("load-roster").onclick = guarded(async () => {
    const id = document.getElementById("roster-job").value.trim();
    showRoster(id, (await api("GET", `/jobs/${id}/result`)).data);
  });
  document.getElementById("accept-roster").onclick = guarded(async () => {
    await api("POST", `/jobs/${rosterJob}/accept`);
    say(T.done, true);
    await loadAccepted();
  });
  for (const b of document.querySelectorAll("#roster-actions [data-format]")) {
    b.onclick = guarded(() => download(rosterJob, b.dataset.format));
  }
}
if (page === "whatif") document.getElementById("simulate").onclick = guarded(simulate);
start();
