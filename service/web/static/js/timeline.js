// The per-engineer timeline (Gantt) of one day, drawn as SVG: work, drives, lunch, off-shift
// and absence shading, the now-line and SLA deadline marks. Late work is red and says by
// how much. A click selects a work item; dragging it onto another row (or along its row)
// asks to reassign it there.

import { hm, svg, t } from "./lib/core.js";

const LABEL_W = 180;
const ROW_H = 36;
const AXIS_H = 34;
const MIN_PX_PER_H = 70;
const SNAP_MIN = 5;

const ms = (v) => (typeof v === "number" ? v : v instanceof Date ? v.getTime() : Date.parse(v));

/** Parts of [from, to] not covered by `windows` ({start, end}). */
function gaps(from, to, windows) {
  const out = [];
  let cursor = from;
  for (const w of [...windows].sort((a, b) => ms(a.start) - ms(b.start))) {
    const s = Math.max(ms(w.start), from);
    const e = Math.min(ms(w.end), to);
    if (e <= s) continue;
    if (s > cursor) out.push([cursor, s]);
    cursor = Math.max(cursor, e);
  }
  if (cursor < to) out.push([cursor, to]);
  return out;
}

function clip(text, px) {
  const fit = Math.floor(px / 6.6);
  if (fit < 2) return "";
  return text.length <= fit ? text : `${text.slice(0, Math.max(1, fit - 1))}…`;
}

/**
 * Draw into `host`.
 * rows: [{id, name, note, availability, absences, breaks}]
 * items: [{key, ticket_id, engineer_id, start, end, travel_min, drive_start?, deadline, late_min, priority,
 *          status, pinned, label, title}]
 * opts: {from, to, now, selected, onSelect(item), onDrop(item, engineerId, startIso)}
 */
export function drawTimeline(host, rows, items, opts) {
  host.replaceChildren();
  if (!rows.length) {
    host.append(Object.assign(document.createElement("p"), { className: "muted", textContent: t("timeline.empty") }));
    return;
  }
  const from = ms(opts.from);
  const to = ms(opts.to);
  const hours = (to - from) / 3.6e6;
  const width = Math.max(host.clientWidth || 900, LABEL_W + hours * MIN_PX_PER_H);
  const pxPerMs = (width - LABEL_W - 36) / (to - from);
  const x = (v) => LABEL_W + (Math.min(Math.max(ms(v), from), to) - from) * pxPerMs;
  const height = AXIS_H + rows.length * ROW_H + 4;
  const root = svg("svg", {
    class: "gantt", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": t("timeline.title"),
  });

  // Hour grid and axis.
  const firstHour = Math.ceil(from / 3.6e6) * 3.6e6;
  for (let h = firstHour; h <= to; h += 3.6e6) {
    const hx = x(h);
    root.append(svg("line", { class: "grid", x1: hx, x2: hx, y1: 16, y2: height }));
    root.append(svg("text", { class: "axis", x: hx + 3, y: 13, text: hm(h) }));
  }

  const rowIndex = new Map(rows.map((r, i) => [r.id, i]));
  rows.forEach((r, i) => {
    const y = AXIS_H + i * ROW_H;
    const g = svg("g", { class: "row", dataset: { engineer: r.id } });
    g.append(svg("rect", { class: i % 2 ? "row-bg odd" : "row-bg", x: 0, y, width, height: ROW_H }));
    g.append(svg("text", { class: "name", x: 6, y: y + 15, text: clip(r.name, LABEL_W - 10) }, svg("title", { text: r.name })));
    if (r.note) g.append(svg("text", { class: "note", x: 6, y: y + 29, text: clip(r.note, LABEL_W - 4) }, svg("title", { text: r.note })));
    for (const [s, e] of gaps(from, to, r.availability || [])) {
      g.append(svg("rect", { class: "off", x: x(s), y: y + 1, width: x(e) - x(s), height: ROW_H - 2 },
        svg("title", { text: t("timeline.off") })));
    }
    for (const a of r.absences || []) {
      if (ms(a.end) <= from || ms(a.start) >= to) continue;
      const w = x(a.end) - x(a.start);
      if (a.kind === "car_unavailable") {
        // The engineer works, only without the car: a strip, not a shaded row.
        g.append(svg("rect", { class: "absence car_unavailable", x: x(a.start), y: y + ROW_H - 6, width: w, height: 4 },
          svg("title", { text: a.label || a.kind })));
        continue;
      }
      g.append(svg("rect", { class: `absence ${a.kind}`, x: x(a.start), y: y + 1, width: w, height: ROW_H - 2 },
        svg("title", { text: a.label || a.kind })));
      if (w > 60) g.append(svg("text", { class: "absence-label", x: x(a.start) + 4, y: y + 22, text: clip(a.label || "", w - 8) }));
    }
    for (const b of r.breaks || []) {
      const w = x(b.end) - x(b.start);
      g.append(svg("rect", { class: "lunch", x: x(b.start), y: y + 8, width: w, height: ROW_H - 16 },
        svg("title", { text: `${t("timeline.lunch")} ${hm(b.start)}–${hm(b.end)}` })));
      if (w > 34) g.append(svg("text", { class: "lunch-label", x: x(b.start) + 3, y: y + 22, text: t("timeline.lunch") }));
    }
    root.append(g);
  });

  // Work items and their drives and deadlines.
  const layer = svg("g", { class: "items" });
  for (const item of items) {
    const i = rowIndex.get(item.engineer_id);
    if (i === undefined) continue;
    const y = AXIS_H + i * ROW_H;
    if (item.travel_min > 0) {
      // The drive may end before the start (remote work done at the site while waiting).
      const driveStart = item.drive_start ? ms(item.drive_start) : ms(item.start) - item.travel_min * 60000;
      const driveEnd = driveStart + item.travel_min * 60000;
      layer.append(svg("rect", { class: "travel", x: x(driveStart), y: y + 12, width: Math.max(1, x(driveEnd) - x(driveStart)), height: ROW_H - 24 },
        svg("title", { text: t("timeline.travel", { n: Math.round(item.travel_min) }) })));
    }
    const w = Math.max(3, x(item.end) - x(item.start));
    const classes = ["work", item.priority === "urgent" ? "urgent" : "", item.late_min > 0 ? "late" : "",
      item.status ? `st-${item.status}` : "", item.pinned ? "pinned" : "", item.changed ? "changed" : "",
      opts.selected === item.key ? "selected" : ""].filter(Boolean).join(" ");
    const label = item.late_min > 0 ? t("timeline.late", { n: item.late_min }) : item.label;
    const block = svg("g", { class: classes, tabindex: 0, role: "button", dataset: { ticket: item.ticket_id, key: item.key } },
      svg("rect", { x: x(item.start), y: y + 4, width: w, height: ROW_H - 8, rx: 3 }),
      svg("text", { x: x(item.start) + 3, y: y + 22, text: clip(label, w - 6) }),
      svg("title", { text: item.title }));
    wireItem(block, item, root, { x, from, pxPerMs, rows, opts });
    layer.append(block);
    if (item.deadline && ms(item.deadline) >= from && ms(item.deadline) <= to) {
      const dx = x(item.deadline);
      layer.append(svg("path", { class: item.late_min > 0 ? "deadline missed" : "deadline", d: `M${dx - 4} ${y + 1} L${dx + 4} ${y + 1} L${dx} ${y + 7} Z` },
        svg("title", { text: `${t("timeline.deadline")} ${hm(item.deadline)}: ${item.label}` })));
    }
  }
  root.append(layer);

  const line = svg("line", { class: "now", x1: 0, x2: 0, y1: AXIS_H - 2, y2: height });
  const label = svg("text", { class: "now-label", x: 0, y: AXIS_H - 6 });
  root.append(line, label);
  host.append(root);
  const moveNow = (now) => {
    const shown = Boolean(now) && ms(now) >= from && ms(now) <= to;
    for (const part of [line, label]) part.setAttribute("visibility", shown ? "visible" : "hidden");
    if (!shown) return;
    const nx = x(now);
    line.setAttribute("x1", nx);
    line.setAttribute("x2", nx);
    label.setAttribute("x", nx + 3);
    label.textContent = `${t("timeline.now")} ${hm(now)}`;
  };
  moveNow(opts.now);
  root.moveNow = moveNow;
}

/** Move the now-line of the timeline drawn in `host` to `now` (the board's clock runs on). */
export function moveNowLine(host, now) {
  const root = host.querySelector("svg.gantt");
  if (root && root.moveNow) root.moveNow(now);
}

/** Click selects; a drag of more than a few pixels moves the item to a row and a time. */
function wireItem(block, item, root, ctx) {
  block.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ctx.opts.onSelect?.(item); }
  });
  block.addEventListener("pointerdown", (down) => {
    if (down.button !== 0) return;
    const rect = block.querySelector("rect");
    const x0 = +rect.getAttribute("x");
    const y0 = +rect.getAttribute("y");
    let moved = false;
    block.setPointerCapture(down.pointerId);
    const move = (ev) => {
      const dx = ev.clientX - down.clientX;
      const dy = ev.clientY - down.clientY;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 6) return;
      moved = true;
      block.classList.add("dragging");
      block.setAttribute("transform", `translate(${dx} ${dy})`);
    };
    const up = (ev) => {
      block.removeEventListener("pointermove", move);
      block.removeEventListener("pointerup", up);
      block.removeAttribute("transform");
      block.classList.remove("dragging");
      if (!moved) { ctx.opts.onSelect?.(item); return; }
      const box = root.getBoundingClientRect();
      const scale = box.width / +root.getAttribute("width");
      const rowY = (y0 + (ev.clientY - down.clientY) / scale) - AXIS_H + ROW_H / 2 - 4;
      const row = ctx.rows[Math.floor(rowY / ROW_H)];
      if (!row || !ctx.opts.onDrop) return;
      const newX = x0 + (ev.clientX - down.clientX) / scale;
      let startMs = ctx.from + (newX - LABEL_W) / ctx.pxPerMs;
      const snap = SNAP_MIN * 60000;
      startMs = Math.round(startMs / snap) * snap;
      ctx.opts.onDrop(item, row.id, new Date(startMs).toISOString());
    };
    block.addEventListener("pointermove", move);
    block.addEventListener("pointerup", up);
  });
}
