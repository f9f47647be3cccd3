// What every page shares: the texts of the page's language, formatting in Saratov time,
// the API client (the key lives in localStorage), messages, and small DOM helpers.

const TEXTS = JSON.parse(document.getElementById("texts").textContent);
export const LANG = document.body.dataset.lang || "ru";
const LOCALE = LANG === "ru" ? "ru-RU" : "en-GB";
export const TZ = "Europe/Saratov";
// Saratov keeps UTC+4 all year (no daylight saving since 2016): a local time typed into a
// form is sent with this offset, as the API requires an offset on every datetime.
export const TZ_OFFSET = "+04:00";

/** The text of `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars) {
  let text = TEXTS[key];
  if (text === undefined) {
    console.warn("missing text", key);
    text = key;
  }
  if (vars) for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

/** A text of the catalogue when it exists, else `fallback` (for values the catalogue may lack). */
export function tOr(key, fallback) {
  return TEXTS[key] === undefined ? fallback : TEXTS[key];
}

// -- formatting (Saratov time, Russian conventions) -------------------------------------------

const hmFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const partsFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", weekday: "short", hourCycle: "h23",
});
const WEEKDAYS = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Local parts of an instant: {year, month, day, hour, minute, weekday 0=Mon}. */
export function localParts(value) {
  const parts = {};
  for (const p of partsFormat.formatToParts(toDate(value))) parts[p.type] = p.value;
  return {
    year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour % 24,
    minute: +parts.minute, weekday: WEEKDAYS[parts.weekday],
  };
}

export function toDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** "09:30" */
export function hm(value) {
  return value ? hmFormat.format(toDate(value)) : "";
}

/** "пн 30.11" */
export function dayLabel(value) {
  const p = localParts(value);
  return `${t(`weekday.${p.weekday}`)} ${String(p.day).padStart(2, "0")}.${String(p.month).padStart(2, "0")}`;
}

/** "пн 30.11 09:30" */
export function when(value) {
  return value ? `${dayLabel(value)} ${hm(value)}` : "";
}

/** The value of a datetime-local input for an instant: "2026-11-30T09:30" (Saratov). */
export function toLocalInput(value) {
  const p = localParts(value);
  const two = (n) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

/** An ISO datetime with the Saratov offset from a datetime-local value. */
export function fromLocalInput(text) {
  return text ? `${text.length === 16 ? `${text}:00` : text}${TZ_OFFSET}` : null;
}

/** "1 ч 05 мин", "25 мин" */
export function duration(minutes) {
  const m = Math.round(Math.abs(minutes));
  if (m < 60) return `${m} ${t("word.min")}`;
  return `${Math.floor(m / 60)} ${t("word.h")} ${String(m % 60).padStart(2, "0")} ${t("word.min")}`;
}

const numberFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const moneyFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

export function num(x) {
  return x === null || x === undefined ? "—" : numberFormat.format(x);
}

/** "1 234 ₽" */
export function rub(x) {
  return x === null || x === undefined ? "—" : `${moneyFormat.format(x)} ${t("word.rub")}`;
}

/** "82,4 %" — one decimal, as the department reads shares. */
export function pct(part, whole) {
  if (!whole) return "—";
  return `${new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format((100 * part) / whole)} %`;
}

export function skillsText(skills) {
  return skills && skills.length ? skills.map((s) => tOr(`skill.${s}`, s)).join(", ") : t("skill.any");
}

export function cityText(city) {
  return tOr(`city.${city}`, t("city.other"));
}

// -- API --------------------------------------------------------------------------------------

const KEY_STORAGE = "wfm-key";

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

/** An answer of the API that is not 2xx: the problem+json's detail, field and value. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
    this.problem = problem || {};
  }
}

function problemText(status, problem) {
  if (status === 401) return t("key.invalid");
  if (status === 403) return t("key.forbidden");
  const p = problem || {};
  const detail = p.detail || p.title || String(status);
  return p.field && !detail.includes(p.field) ? `${detail} (${p.field})` : detail;
}

/** Call the API: `api("GET", "/board?as_of=…")` → {status, data, headers}; throws ApiError. */
export async function api(method, path, body) {
  const headers = { "X-API-Key": apiKey() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, { detail: t("msg.offline") });
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.blob();
  if (!response.ok) throw new ApiError(response.status, type.includes("json") ? data : null);
  return { status: response.status, data, headers: response.headers };
}

/** Every item of a paged list (`{data, count}`), up to `max`. */
export async function listAll(path, max = 5000) {
  const out = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let offset = 0; offset < max; offset += 1000) {
    const page = (await api("GET", `${path}${sep}limit=1000&offset=${offset}`)).data;
    out.push(...page.data);
    if (out.length >= page.count || page.data.length === 0) break;
  }
  return out;
}

// -- messages and the key form ------------------------------------------------------------------

export function say(text, ok = false) {
  const m = document.getElementById("message");
  if (!m) return;
  m.textContent = text || "";
  m.className = ok ? "ok" : "";
}

export function sayError(err) {
  say(`${t("msg.failed")}: ${err.message}`);
}

/** Run `fn` and show any failure in the message line instead of losing it in the console. */
export function guarded(fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch(sayError);
}

/** Wire the key form; `onKey` runs at once when a key is stored, and after each save. */
export function setupKey(onKey) {
  const form = document.getElementById("key-form");
  const input = document.getElementById("key");
  if (!form || !input) return;
  input.value = apiKey();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    localStorage.setItem(KEY_STORAGE, input.value.trim());
    say("");
    guarded(onKey)();
  });
  if (apiKey()) guarded(onKey)();
  else say(t("key.missing"));
}

// -- DOM ----------------------------------------------------------------------------------------

/** `el("td", {class: "x", dataset: {id: 1}}, "text", child)` */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (presentation attributes, not `style`: the CSP holds). */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}
