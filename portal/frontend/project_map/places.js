// Badges, labels and pick lists of the project map (see map.js; data from portal/mapplaces.py).
//
// A project known only by its county or prefecture is counted on one badge per unit: the
// count inside a ring coloured by stage (most advanced first, clockwise from the top), a red
// rim when any is overdue, and for a prefecture its name ("全达州市"), so it is never read
// as the county it happens to sit in. Hovering a badge outlines its unit and gives the count
// by layer and stage; a click lists the projects, and a name in the list picks it. Badges
// are few (one per unit), so they are DOM markers; a badge whose point is out of view moves
// to a point of its unit inside the view, so the projects of 达州市 stay reachable while
// the map shows 宣汉县.
//
// Labels: prefecture names at low zoom, county names from a middle zoom, and in
// presentation mode the drawn projects' names. They are placed greedily after every move,
// in the order Python gave, each at the first of a few positions around its point whose box
// overlaps nothing placed before (badges included); a label that fits nowhere is skipped,
// and project labels stop at a few dozen per view.
(function () {
  "use strict";

  const NS = window.ProjectMap;
  const BADGE = 34; // the ring's size, px
  const PREFECTURE_LABELS_UP_TO = 8; // zoom
  const COUNTY_LABELS_FROM = 8; // zoom
  const LABEL_FONTS = { // px, [normal, presentation]
    city: [15, 20], county: [12, 15], project: [12, 15], end: [12, 15],
  };
  const LEVEL_RANK = { county: 0, area: 1, city: 2 };

  function overlaps(a, b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }

  const measureCanvas = document.createElement("canvas").getContext("2d");
  const widths = new Map();
  function textWidth(text, font) {
    const key = `${font}|${text}`;
    if (!widths.has(key)) {
      measureCanvas.font = font;
      widths.set(key, measureCanvas.measureText(NS.plain(text)).width);
    }
    return widths.get(key);
  }

  // Escaped text back to plain text (for attributes and measuring); nothing is executed.
  NS.plain = function (escaped) {
    const area = document.createElement("textarea");
    area.innerHTML = escaped;
    return area.value;
  };

  // The ring of a badge: one arc per stage, most advanced first, clockwise from the top.
  function ringSvg(parts, total, late, lateColor) {
    const r = 12.5, length = 2 * Math.PI * r;
    let start = 0;
    const arcs = parts.map(([color, n]) => {
      const arc = length * n / total;
      const svg = `<circle cx="17" cy="17" r="${r}" fill="none" stroke="${color}" ` +
        `stroke-width="5" stroke-dasharray="${arc} ${length - arc}" ` +
        `stroke-dashoffset="${-start}" transform="rotate(-90 17 17)"/>`;
      start += arc;
      return svg;
    });
    const label = total > 999 ? "999+" : String(total);
    const size = label.length > 2 ? 10 : 13;
    return `<svg width="${BADGE}" height="${BADGE}" viewBox="0 0 34 34" aria-hidden="true">` +
      `<circle cx="17" cy="17" r="16" fill="#fff" stroke="${late ? lateColor : "#4a5568"}" ` +
      `stroke-width="${late ? 2.5 : 1}"/>${arcs.join("")}` +
      `<text x="17" y="${17 + size * 0.36}" text-anchor="middle" font-size="${size}" ` +
      `font-weight="700" fill="#1a202c" font-family="sans-serif">${label}</text></svg>`;
  }

  NS.PlaceLayer = L.Layer.extend({
    initialize: function (canvas) {
      this._canvas = canvas;
      this._units = [];
      this._places = [];
      this._shapes = {};
      this._drawnRows = [];
    },

    onAdd: function (map) {
      this._labels = L.DomUtil.create("div", "map-labels", map.getPane("labels"));
      map.on("moveend resize", this._schedule, this);
      map.on("zoomstart", this._hideLabels, this);
      this._canvas.on("shown", this._refresh, this);
      this._schedule();
    },

    onRemove: function (map) {
      map.off("moveend resize", this._schedule, this);
      map.off("zoomstart", this._hideLabels, this);
      this._canvas.off("shown", this._refresh, this);
      for (const unit of this._units) map.removeLayer(unit.marker);
      L.DomUtil.remove(this._labels);
    },

    // The project ids counted on the badges placed in view (for the tests and the benchmark).
    drawnProjects: function () {
      return this._drawnRows.map((i) => this._canvas._rows.id[i]);
    },

    target: function () { return null; }, // a badge lists; it does not pick

    // The places (names, label points, level), their label order, and the base outlines.
    setPlaces: function (args, base) {
      this._places = (args.places || []).map(([name, level, x, y]) => ({
        name: name, level: level, latlng: L.latLng(y, x),
      }));
      this._order = args.place_order || [];
      this._base = base;
      this._shapes = {};
      this._schedule();
    },

    // The badges of a new selection: [place, [feature rows]] each.
    setUnits: function (args, unitShapes) {
      const map = this._map;
      for (const unit of this._units) map.removeLayer(unit.marker);
      this._args = args;
      this._unitShapes = unitShapes;
      this._units = (args.units || []).map(([place, rows]) => this._unit(place, rows))
        .filter((u) => u);
      this._units.sort((a, b) => LEVEL_RANK[a.place.level] - LEVEL_RANK[b.place.level]);
      this._late = new Set(args.late || []);
      this._refresh();
    },

    _unit: function (index, rows) {
      const place = this._places[index];
      if (!place) return null;
      const unit = { index: index, place: place, rows: rows, key: null };
      unit.marker = L.marker(place.latlng, {
        pane: "badges", keyboard: true, riseOnHover: true,
        icon: L.divIcon({ className: "unit-badge", html: "", iconSize: [BADGE, BADGE] }),
      });
      unit.marker.on("click", () => this._list(unit));
      unit.marker.on("mouseover", () => this._outline(unit, true));
      unit.marker.on("mouseout", () => this._outline(unit, false));
      unit.marker.bindTooltip("", { direction: "top", offset: [0, -BADGE / 2], className: "unit-tip" });
      return unit;
    },

    // A unit's outline as a projected shape (for finding a point inside it in view).
    _shape: function (index) {
      if (!(index in this._shapes)) {
        const geometry = index < (this._base || []).length ? this._base[index] :
          (this._unitShapes || {})[index];
        this._shapes[index] = geometry ? NS.project(geometry) : null;
      }
      return this._shapes[index];
    },

    _outlineLayer: function (unit) {
      const geometry = unit.index < (this._base || []).length ? this._base[unit.index] :
        (this._unitShapes || {})[unit.index];
      if (!geometry) return null;
      return NS.toLayer(NS.geoJSON(geometry), Object.assign({}, this._args.unit_style, {
        interactive: false, pane: "highlight", renderer: this._canvas._highlightRenderer,
      }));
    },

    // Hovering or listing a unit outlines it (thin, neutral, no fill).
    _outline: function (unit, on) {
      const map = this._map;
      if (this._hoverOutline) map.removeLayer(this._hoverOutline);
      this._hoverOutline = null;
      if (on) {
        this._hoverOutline = this._outlineLayer(unit);
        if (this._hoverOutline) this._hoverOutline.addTo(map);
      }
    },

    _visibleRows: function (unit) {
      const rows = this._canvas._rows, shown = this._canvas._shown;
      return unit.rows.filter((i) => shown[rows.layer[i]]);
    },

    // Badge contents follow the layer switches at once (before Python answers).
    _refresh: function () {
      if (!this._map || !this._args) return;
      const args = this._args, rows = this._canvas._rows;
      for (const unit of this._units) {
        const visible = this._visibleRows(unit);
        unit.visible = visible;
        const key = visible.join(",");
        if (key === unit.key) continue;
        unit.key = key;
        if (!visible.length) continue;
        const byStage = new Map();
        for (const i of visible) byStage.set(rows.stage[i], (byStage.get(rows.stage[i]) || 0) + 1);
        const parts = [...byStage.entries()]
          .sort((a, b) => args.stages[b[0]].rank - args.stages[a[0]].rank)
          .map(([s, n]) => [args.stages[s].color, n]);
        const late = visible.some((i) => this._late.has(i));
        const tag = unit.place.level === "city" ?
          NS.fill(args.texts.map_unit_tag, { name: unit.place.name }) : "";
        const font = "600 12px sans-serif";
        unit.width = BADGE + (tag ? 10 + textWidth(tag, font) : 0);
        const html = ringSvg(parts, visible.length, late, args.overdue_color) +
          (tag ? `<span class="badge-tag">${tag}</span>` : "");
        unit.marker.setIcon(L.divIcon({
          className: `unit-badge unit-${unit.place.level}`, html: html,
          iconSize: [unit.width, BADGE], iconAnchor: [BADGE / 2, BADGE / 2],
        }));
        unit.marker.setTooltipContent(this._summary(unit, visible));
        unit.title = this._title(unit, visible.length);
      }
      this._schedule();
    },

    _title: function (unit, n) {
      const texts = this._args.texts;
      const key = { county: "map_unit_county", city: "map_unit_city" }[unit.place.level] ||
        "map_unit_area";
      return NS.count(texts, key, { name: unit.place.name, n: n });
    },

    // The hover: the unit, then its projects by layer (rows) and stage (columns), in words.
    _summary: function (unit, visible) {
      const args = this._args, rows = this._canvas._rows;
      const stages = [...new Set(visible.map((i) => rows.stage[i]))]
        .sort((a, b) => args.stages[a].rank - args.stages[b].rank);
      const layers = [...new Set(visible.map((i) => rows.layer[i]))].sort((a, b) => a - b);
      const count = (layer, stage) => visible.filter((i) => rows.layer[i] === layer &&
        (stage === null || rows.stage[i] === stage)).length;
      const dot = (s) => `<span class="dot" style="background:${args.stages[s].color}"></span>`;
      const head = stages.map((s) => `<th>${dot(s)}${args.stages[s].name}</th>`).join("");
      const body = layers.map((l) => `<tr><th>${args.layers[l]}</th>` +
        stages.map((s) => `<td>${count(l, s) || ""}</td>`).join("") +
        `<td><b>${count(l, null)}</b></td></tr>`).join("");
      return `<div class="tip-head">${this._title(unit, visible.length)}</div>` +
        `<table><tr><th></th>${head}<th>${args.texts.map_total}</th></tr>${body}</table>` +
        `<div class="tip-hint">${args.texts.map_list_hint}</div>`;
    },

    _list: function (unit) {
      const visible = this._visibleRows(unit);
      if (!visible.length) return;
      this._outline(unit, true);
      const popup = NS.showList(this._map, unit.marker.getLatLng(), visible,
        this._title(unit, visible.length));
      popup.once("remove", () => this._outline(unit, false));
    },

    // Mark the badges carrying the chosen project.
    setSelected: function (projectId) {
      this._selectedId = projectId || "";
      this._markSelected();
    },

    _markSelected: function () {
      const rows = this._canvas._rows;
      for (const unit of this._units) {
        const el = unit.marker.getElement();
        if (!el) continue;
        const chosen = this._selectedId && unit.rows.some((i) => rows.id[i] === this._selectedId);
        el.classList.toggle("is-selected", Boolean(chosen));
      }
    },

    _hideLabels: function () {
      if (this._labels) this._labels.style.visibility = "hidden";
    },

    _schedule: function () {
      if (!this._map || this._placeRequest) return;
      this._placeRequest = L.Util.requestAnimFrame(() => {
        this._placeRequest = null;
        this._place();
      });
    },

    // A point of the unit inside the view (the unit's own point if it is in view), or null.
    _pointInView: function (unit, size, margin) {
      const map = this._map;
      const at = map.latLngToContainerPoint(unit.place.latlng);
      const blocked = this._blocked || [];
      const within = (p) => p.x >= margin && p.y >= margin && p.x <= size.x - margin &&
        p.y <= size.y - margin && !blocked.some((b) => p.x > b[0] - margin &&
          p.x < b[2] + margin && p.y > b[1] - margin && p.y < b[3] + margin);
      if (within(at)) return at;
      const shape = this._shape(unit.index);
      const open = at.x >= 0 && at.y >= 0 && at.x <= size.x && at.y <= size.y ? at : null;
      if (!shape) return open;
      // Sample the part of the unit's box that is in view for a point inside the unit.
      const k = map.getZoomScale(map.getZoom(), 0), origin = map.getPixelOrigin();
      const corner = (x, y) => map.layerPointToContainerPoint([x * k - origin.x, y * k - origin.y]);
      const low = corner(shape.box[0], shape.box[1]), high = corner(shape.box[2], shape.box[3]);
      const x0 = Math.max(margin, low.x), x1 = Math.min(size.x - margin, high.x);
      const y0 = Math.max(margin, low.y), y1 = Math.min(size.y - margin, high.y);
      if (x0 > x1 || y0 > y1) return open;
      let best = null, bestDistance = Infinity;
      for (let gx = 0; gx <= 10; gx++) {
        for (let gy = 0; gy <= 10; gy++) {
          const p = L.point(x0 + (x1 - x0) * gx / 10, y0 + (y1 - y0) * gy / 10);
          if (!within(p)) continue;
          const layer = map.containerPointToLayerPoint(p);
          if (!NS.inside(shape, (layer.x + origin.x) / k, (layer.y + origin.y) / k)) continue;
          const d = p.distanceTo(at);
          if (d < bestDistance) { best = p; bestDistance = d; }
        }
      }
      return best || open;
    },

    // Badges first (counties, then prefecture names, then the prefectures' and other areas'
    // badges around them), then labels. Every badge is placed: at its point if free, else at
    // the nearest free spot around it, else where it overlaps least; labels may be skipped.
    _place: function () {
      const map = this._map;
      if (!map || !this._canvas._rows) return;
      const size = map.getSize();
      // The legend and the controls are obstacles: nothing is placed under them.
      const rect = map.getContainer().getBoundingClientRect();
      this._blocked = [...document.querySelectorAll("#map-legend, .leaflet-control")]
        .map((el) => el.getBoundingClientRect())
        .filter((r) => r.width && r.height)
        .map((r) => [r.left - rect.left - 2, r.top - rect.top - 2, r.right - rect.left + 2,
          r.bottom - rect.top + 2]);
      const placed = this._blocked.slice();
      const drawn = [];
      const step = BADGE + 4;
      const nudges = [[0, 0]];
      for (const ring of [1, 2]) {
        for (let a = 0; a < 8 * ring; a++) {
          const angle = -Math.PI / 2 + 2 * Math.PI * a / (8 * ring);
          nudges.push([Math.round(ring * step * Math.cos(angle)),
            Math.round(ring * step * Math.sin(angle))]);
        }
      }
      const overlap = (b) => placed.reduce((sum, o) => sum +
        Math.max(0, Math.min(b[2], o[2]) - Math.max(b[0], o[0])) *
        Math.max(0, Math.min(b[3], o[3]) - Math.max(b[1], o[1])), 0);
      const inView = (b) => b[0] >= 0 && b[1] >= 0 && b[2] <= size.x && b[3] <= size.y;
      const placeBadge = (unit) => {
        const visible = unit.visible || [];
        const at = visible.length ? this._pointInView(unit, size, BADGE / 2) : null;
        if (!at) {
          if (map.hasLayer(unit.marker)) map.removeLayer(unit.marker);
          return;
        }
        const box = (p) => [p.x - BADGE / 2, p.y - BADGE / 2, p.x - BADGE / 2 + unit.width,
          p.y + BADGE / 2];
        let spot = at, least = Infinity;
        for (const [dx, dy] of nudges) {
          const p = at.add([dx, dy]);
          if (!inView(box(p))) continue;
          const covered = overlap(box(p));
          if (covered < least) { spot = p; least = covered; }
          if (covered === 0) break;
        }
        placed.push(box(spot));
        unit.marker.setLatLng(map.containerPointToLatLng(spot));
        if (!map.hasLayer(unit.marker)) unit.marker.addTo(map);
        const element = unit.marker.getElement();
        if (element) {
          element.dataset.place = NS.plain(unit.place.name);
          element.setAttribute("aria-label", NS.plain(unit.title || ""));
          element.setAttribute("role", "button");
        }
        drawn.push(...visible);
      };
      const counties = this._units.filter((u) => u.place.level === "county");
      const others = this._units.filter((u) => u.place.level !== "county");
      counties.forEach(placeBadge);
      const labels = this._labelPlacer(placed, size);
      if (map.getZoom() <= PREFECTURE_LABELS_UP_TO) labels.places("city");
      others.forEach(placeBadge);
      this._drawnRows = drawn;
      this._markSelected();
      labels.projects();
      labels.ends();
      if (map.getZoom() >= COUNTY_LABELS_FROM) labels.places("county");
      labels.finish();
    },

    // The middle of the part of line ``i`` inside the view (its label's point when the
    // middle of the whole line is out of view), or null.
    _lineInView: function (i, size) {
      const canvas = this._canvas, map = this._map;
      const shape = canvas._shapes[canvas._rows.geom[i]];
      if (!shape || shape.kind !== 1) return null;
      const pieces = [];
      let total = 0;
      const toView = (x, y) => map.layerPointToContainerPoint(canvas._layerPoint(x, y));
      for (const xy of shape.runs) {
        for (let j = 0; j + 3 < xy.length; j += 2) {
          const a = toView(xy[j], xy[j + 1]), b = toView(xy[j + 2], xy[j + 3]);
          // Liang-Barsky: the part of a-b inside the view, as t0..t1.
          let t0 = 0, t1 = 1;
          const d = b.subtract(a);
          const sides = [[-d.x, a.x], [d.x, size.x - a.x], [-d.y, a.y], [d.y, size.y - a.y]];
          for (const [p, q] of sides) {
            if (p === 0) {
              if (q < 0) t1 = -1;
              continue;
            }
            if (p < 0) t0 = Math.max(t0, q / p); else t1 = Math.min(t1, q / p);
          }
          if (t1 <= t0) continue;
          const length = (t1 - t0) * Math.hypot(d.x, d.y);
          pieces.push([a.add(d.multiplyBy(t0)), d.multiplyBy(t1 - t0), length]);
          total += length;
        }
      }
      let half = total / 2;
      for (const [start, step, length] of pieces) {
        if (half <= length) return start.add(step.multiplyBy(length ? half / length : 0));
        half -= length;
      }
      return null;
    },

    // Greedy label placement into ``placed`` (boxes already taken): places(level) and
    // projects() add labels in priority order, finish() draws them.
    _labelPlacer: function (placed, size) {
      const map = this._map, args = this._args || {};
      const big = args.presentation ? 1 : 0;
      const out = [];
      const tryPlace = (text, kind, at, candidates, extra) => {
        const px = LABEL_FONTS[kind][big];
        const weight = kind === "city" ? "700" : kind === "county" ? "500" : "600";
        const font = `${weight} ${px}px sans-serif`;
        const w = textWidth(text, font) + (kind === "project" ? 12 : 4);
        const h = Math.round(px * 1.3) + (kind === "project" ? 2 : 0);
        for (const make of candidates) {
          const [cx, cy] = make(w, h);
          const b = [at.x + cx - w / 2, at.y + cy - h / 2, at.x + cx + w / 2, at.y + cy + h / 2];
          if (b[0] < 0 || b[1] < 0 || b[2] > size.x || b[3] > size.y) continue;
          if (placed.some((o) => overlaps(o, b))) continue;
          placed.push(b);
          out.push({ text: text, kind: kind, box: b, font: font, extra: extra || "" });
          return true;
        }
        return false;
      };
      const centred = [() => [0, 0], (w, h) => [0, BADGE / 2 + h / 2 + 2],
        (w, h) => [0, -(BADGE / 2 + h / 2 + 2)], (w) => [BADGE / 2 + w / 2 + 2, 0],
        (w) => [-(BADGE / 2 + w / 2 + 2), 0]];
      // A prefecture's name may move further: it names a region, not a point.
      const wide = centred.slice();
      for (const r of [45, 80]) {
        for (let a = 0; a < 8; a++) {
          const angle = -Math.PI / 2 + Math.PI * a / 4;
          wide.push(() => [r * Math.cos(angle), r * Math.sin(angle)]);
        }
      }
      const around = [(w) => [w / 2 + 10, 0], (w) => [-(w / 2 + 10), 0],
        (w, h) => [0, -(h / 2 + 10)], (w, h) => [0, h / 2 + 10]];
      return {
        places: (level) => {
          for (const index of this._order) {
            const place = this._places[index];
            if (!place || place.level !== level) continue;
            tryPlace(place.name, level, map.latLngToContainerPoint(place.latlng),
              level === "city" ? wide : centred);
          }
        },
        // In presentation mode, the drawn projects' names, a few dozen per view at most.
        projects: () => {
          if (!args.presentation || !args.labels || !this._canvas._drawnFlags) return;
          const rows = this._canvas._rows, drawn = this._canvas._drawnFlags;
          const spread = this._canvas._spread, shown = this._canvas._shown;
          const cap = Math.max(8, Math.min(40, Math.floor(size.x * size.y / 30000)));
          let count = 0;
          for (const [i, x, y] of args.labels) {
            if (count >= cap) break;
            if (!drawn[i] || !shown[rows.layer[i]]) continue;
            let at = map.latLngToContainerPoint([y, x]).add([spread[2 * i], spread[2 * i + 1]]);
            if (at.x < 0 || at.y < 0 || at.x > size.x || at.y > size.y) {
              at = this._lineInView(i, size);
            }
            if (!at) continue;
            const color = args.stages[rows.stage[i]].color;
            if (tryPlace(rows.name[i], "project", at, around, color)) count++;
          }
        },
        // Where lines leave the basemap: the places they end at (成都, 西安), beside the end.
        ends: () => {
          for (const [name, x, y] of args.ends || []) {
            tryPlace(name, "end", map.latLngToContainerPoint([y, x]), around);
          }
        },
        finish: () => {
          const html = out.map((l) => {
            const origin = map.containerPointToLayerPoint([l.box[0], l.box[1]]);
            const bar = l.kind === "project" ? `border-left:3px solid ${l.extra};` : "";
            return `<div class="map-label map-label-${l.kind}" style="transform:translate(` +
              `${Math.round(origin.x)}px,${Math.round(origin.y)}px);font:${l.font};${bar}">` +
              `${l.text}</div>`;
          });
          this._labels.innerHTML = html.join("");
          this._labels.style.visibility = "";
        },
      };
    },
  });

  // A list of projects in a popup: grouped by layer, each name with its stage; a click on a
  // name picks it (the details open) and the list stays open for the next one.
  NS.showList = function (map, latlng, indices, title) {
    const canvas = NS.state.canvas, args = canvas._args, rows = canvas._rows;
    const byLayer = new Map();
    for (const i of indices) {
      if (!byLayer.has(rows.layer[i])) byLayer.set(rows.layer[i], []);
      byLayer.get(rows.layer[i]).push(i);
    }
    const chosen = NS.state.selectedId;
    const groups = [...byLayer.entries()].sort((a, b) => a[0] - b[0]).map(([layer, items]) => {
      items.sort((a, b) => args.stages[rows.stage[b]].rank - args.stages[rows.stage[a]].rank ||
        (rows.name[a] < rows.name[b] ? -1 : 1));
      const buttons = items.map((i) => {
        const color = args.stages[rows.stage[i]].color;
        const active = rows.id[i] === chosen ? " is-active" : "";
        return `<button type="button" class="pick${active}" data-row="${i}">` +
          `<span class="dot" style="background:${color}"></span>` +
          `<span class="pick-name">${rows.name[i]}</span>` +
          `<span class="pick-stage">${args.status_labels[rows.status[i]]}</span></button>`;
      });
      return `<div class="pick-layer">${args.layers[layer]} · ${items.length}</div>` +
        buttons.join("");
    });
    const content = L.DomUtil.create("div", "pick-list");
    content.innerHTML = `<div class="pick-title">${title}</div>` +
      `<div class="pick-hint">${args.texts.map_pick_hint}</div>` +
      `<div class="pick-items">${groups.join("")}</div>`;
    L.DomEvent.on(content, "click", (e) => {
      const button = e.target.closest("button.pick");
      if (!button) return;
      const i = Number(button.dataset.row);
      content.querySelectorAll("button.pick").forEach((b) => b.classList.remove("is-active"));
      button.classList.add("is-active");
      NS.pick(rows.id[i]);
    });
    L.DomEvent.disableScrollPropagation(content);
    const big = args.presentation;
    return L.popup({ maxWidth: big ? 520 : 380, minWidth: 220, autoPanPadding: [20, 20],
      className: "pick-popup" })
      .setLatLng(latlng).setContent(content).openOn(map);
  };
})();
