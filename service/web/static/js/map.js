// The map of the day: each engineer's route and visits in Saratov and Engels. With a tile
// server configured (setting `map_tile_url`) it draws on its tiles; without one (the default,
// and offline) it draws the bundled outline of the two cities, the Volga and the bridge.

import { LANG, hm, t } from "./lib/core.js";

const CENTRE = [51.525, 46.04];
const OUTLINE_URL = "/web/static/geo/saratov-engels.geojson";

let outline = null;

async function loadOutline() {
  if (!outline) outline = (await fetch(OUTLINE_URL)).json();
  return outline;
}

/** A Leaflet map in `host`; returns {draw(routes)}. */
export async function createMap(host, tileUrl) {
  const L = window.L;
  let home = null;
  const map = L.map(host, { zoomControl: true, attributionControl: Boolean(tileUrl), preferCanvas: false })
    .setView(CENTRE, 12);
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
  } else {
    host.classList.add("outline");
    const data = await loadOutline();
    const name = (f) => (LANG === "ru" ? f.properties.name_ru : f.properties.name_en);
    const shapes = L.geoJSON(data, {
      filter: (f) => f.properties.kind !== "label",
      style: (f) => ({ className: `geo-${f.properties.kind}` }),
      onEachFeature: (f, layer) => { if (f.properties.kind === "bridge") layer.bindTooltip(name(f)); },
    }).addTo(map);
    home = L.latLngBounds([]);
    shapes.eachLayer((l) => { if (l.feature.properties.kind === "city") home.extend(l.getBounds()); });
    map.fitBounds(home, { padding: [4, 4] });
    for (const f of data.features.filter((g) => g.properties.kind === "label")) {
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], {
        icon: L.divIcon({ className: "geo-label", html: "", iconSize: null }),
        interactive: false, keyboard: false,
      }).addTo(map).getElement().textContent = name(f);
    }
    document.getElementById("map-note")?.removeAttribute("hidden");
  }
  const layer = L.layerGroup().addTo(map);
  const recentre = () => (home ? map.fitBounds(home, { padding: [4, 4] }) : map.setView(CENTRE, 12));
  return {
    /**
     * routes: [{engineer, colour, base: {lat, lon}, stops: [{lat, lon, label, at, late}]}]
     * Only routes with at least one visit are drawn.
     */
    draw(routes, onSelect) {
      layer.clearLayers();
      const bounds = [];
      for (const r of routes) {
        const cls = `route c${r.colour}`;
        if (r.base) {
          L.circleMarker([r.base.lat, r.base.lon], { radius: 4, className: `base c${r.colour}` })
            .bindTooltip(t("map.base", { name: r.engineer })).addTo(layer);
        }
        const line = r.stops.map((s) => [s.lat, s.lon]);
        if (r.base) line.unshift([r.base.lat, r.base.lon]);
        if (line.length > 1) L.polyline(line, { className: cls, weight: 3 }).addTo(layer);
        r.stops.forEach((s, i) => {
          const marker = L.circleMarker([s.lat, s.lon], { radius: 7, className: `visit c${r.colour}${s.late ? " late" : ""}` })
            .bindTooltip(`${i + 1}. ${hm(s.at)} ${s.label} — ${r.engineer}`)
            .addTo(layer);
          if (onSelect) marker.on("click", () => onSelect(s.key));
          bounds.push([s.lat, s.lon]);
        });
      }
      if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
      else recentre();
    },
    resize() { map.invalidateSize(); },
  };
}
