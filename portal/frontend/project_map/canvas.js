// The projects' canvas (see map.js for the whole component, portal/projectmap.py for the data).
//
// One Leaflet layer per project cost seconds at 100,000 projects (creating the layers,
// then a canvas redraw that sets the style for every one), so the projects are drawn by
// one canvas renderer of our own (FeatureCanvas, built on Leaflet's L.Canvas, which keeps
// its placement, padding and zoom animation): lines in one path per style, points stamped
// from one small pre-drawn canvas per style, outlines one by one, and clicks and tooltips
// found by a scan of what was drawn.
//
// Projects known only by a county or prefecture are not drawn here (their unit's badge
// counts them, see places.js). Lines sharing a stretch are drawn a few pixels to the side,
// points sharing a spot around it (the shifts come from portal/mapoverlaps.py), and a
// click where several projects meet lists them all instead of answering with the top one.
//
// Document text (names) arrives HTML-escaped from Python, as do all labels, so the
// strings below may be inserted as markup.
(function () {
  "use strict";

  const POINT = 0, LINE = 1, AREA = 2;
  const HIT_TOLERANCE_PX = 3;
  const NS = (window.ProjectMap = window.ProjectMap || {});

  NS.post = function (type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  };

  NS.text = function (value) {
    if (value === undefined || value === null) return "";
    return typeof value === "string" ? value : new TextDecoder().decode(value);
  };

  // A geometry as sent: GeoJSON, or a bare [x, y] pair for a point (see geojson_texts).
  const geoJSON = (NS.geoJSON = function (geometry) {
    return Array.isArray(geometry) ? { type: "Point", coordinates: geometry } : geometry;
  });

  // A Leaflet layer for one geometry (the highlighted project, a unit's outline).
  const toLayer = (NS.toLayer = function (geometry, style) {
    const c = geometry.coordinates;
    switch (geometry.type) {
      case "Point":
        return L.circleMarker([c[1], c[0]], style);
      case "MultiPoint":
        return L.featureGroup(c.map((p) => L.circleMarker([p[1], p[0]], style)));
      case "LineString":
      case "MultiLineString":
        return L.polyline(L.GeoJSON.coordsToLatLngs(c, geometry.type === "LineString" ? 0 : 1),
          style);
      case "Polygon":
      case "MultiPolygon":
        return L.polygon(L.GeoJSON.coordsToLatLngs(c, geometry.type === "Polygon" ? 1 : 2), style);
      case "GeometryCollection":
        return L.featureGroup(geometry.geometries.map((g) => toLayer(g, style)));
      default:
        return null;
    }
  });

  // Leaflet's Web Mercator (EPSG:3857) at zoom 0, inlined: a call through L.CRS per vertex
  // was a good part of the time to take in 100,000 projects.
  const MAX_LAT = 85.0511287798;
  function projectRun(coords) {
    const xy = new Float64Array(coords.length * 2);
    for (let i = 0; i < coords.length; i++) {
      const lat = Math.max(Math.min(MAX_LAT, coords[i][1]), -MAX_LAT);
      const sin = Math.sin(lat * Math.PI / 180);
      xy[2 * i] = 256 * (0.5 + coords[i][0] / 360);
      xy[2 * i + 1] = 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
    }
    return xy;
  }

  // A geometry as flat runs of projected (zoom 0) pixel coordinates, with its kind and box.
  const project = (NS.project = function (geometry) {
    const runs = [];
    let kind = POINT;
    const walk = (g, top) => {
      const c = g.coordinates;
      switch (g.type) {
        case "Point": runs.push(projectRun([c])); break;
        case "MultiPoint": c.forEach((p) => runs.push(projectRun([p]))); break;
        case "LineString": kind = top ? LINE : kind; runs.push(projectRun(c)); break;
        case "MultiLineString":
          kind = top ? LINE : kind;
          c.forEach((line) => runs.push(projectRun(line)));
          break;
        case "Polygon":
          kind = top ? AREA : kind;
          c.forEach((ring) => runs.push(projectRun(ring)));
          break;
        case "MultiPolygon":
          kind = top ? AREA : kind;
          c.forEach((p) => p.forEach((ring) => runs.push(projectRun(ring))));
          break;
        case "GeometryCollection": // drawn as the kind of its first member
          g.geometries.forEach((m, i) => walk(m, top && i === 0));
          break;
        default: break;
      }
    };
    walk(geoJSON(geometry), true);
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    for (const xy of runs) {
      for (let i = 0; i < xy.length; i += 2) {
        box[0] = Math.min(box[0], xy[i]); box[1] = Math.min(box[1], xy[i + 1]);
        box[2] = Math.max(box[2], xy[i]); box[3] = Math.max(box[3], xy[i + 1]);
      }
    }
    return { kind: kind, runs: runs, box: box };
  });

  // Whether the zoom-0 point (x, y) is inside a projected area (even-odd over its rings).
  NS.inside = function (shape, x, y) {
    if (x < shape.box[0] || x > shape.box[2] || y < shape.box[1] || y > shape.box[3]) return false;
    let inside = false;
    for (const xy of shape.runs) {
      for (let j = 0, n = xy.length, m = n - 2; j < n; m = j, j += 2) {
        if ((xy[j + 1] > y) !== (xy[m + 1] > y) &&
          x < (xy[m] - xy[j]) * (y - xy[j + 1]) / (xy[m + 1] - xy[j + 1]) + xy[j]) {
          inside = !inside;
        }
      }
    }
    return inside;
  };

  // Fill and stroke the current path of ctx as Leaflet would a path in this style.
  function paintPath(ctx, style, fill, fillRule) {
    if (fill) {
      ctx.globalAlpha = style.fillOpacity === undefined ? 0.2 : style.fillOpacity;
      ctx.fillStyle = style.fillColor || style.color;
      ctx.fill(fillRule);
    }
    if (style.stroke !== false && style.weight !== 0) {
      ctx.setLineDash(style.dashes);
      ctx.globalAlpha = style.opacity === undefined ? 1 : style.opacity;
      ctx.lineWidth = style.weight === undefined ? 3 : style.weight;
      ctx.strokeStyle = style.color;
      ctx.stroke();
    }
  }

  function dashes(style) {
    return style.dashArray ? style.dashArray.split(/[, ]+/).map(Number) : [];
  }

  function segmentDistance(px, py, ax, ay, bx, by) {
    const dx = bx - ax, dy = by - ay;
    const t = dx || dy ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) /
      (dx * dx + dy * dy))) : 0;
    return Math.hypot(px - ax - t * dx, py - ay - t * dy);
  }

  // Draws shapes on one canvas (built on L.Canvas, which keeps its placement, padding and
  // zoom animation): row i is geometry rows.geom[i] in style rows.style[i], in category
  // rows.layer[i]. Areas are drawn under lines under points. Takes no mouse events.
  // ``shifts`` (optional) are [row, line offset px, point dx px, point dy px]; rows in
  // ``skip`` are not drawn at all (projects counted on a unit's badge instead).
  const ShapeCanvas = (NS.ShapeCanvas = L.Canvas.extend({
    setData: function (styles, rows, geometries, layers, shifts, skip) {
      this._rows = rows;
      this._geometries = geometries;
      this._shapes = geometries.map(project);
      this._styles = styles.map((s) => Object.assign({ dashes: dashes(s) }, s));
      this._sprites = {};
      this._shown = new Array(layers).fill(true);
      this._drawnFlags = new Uint8Array(rows.geom.length);
      this._offset = new Float64Array(rows.geom.length);
      this._spread = new Float64Array(rows.geom.length * 2);
      for (const [i, offset, dx, dy] of shifts || []) {
        this._offset[i] = offset;
        this._spread[2 * i] = dx;
        this._spread[2 * i + 1] = dy;
      }
      this._skip = skip || new Uint8Array(rows.geom.length);
      // Row indices by kind and style, drawn kind by kind.
      this._batches = [[], [], []].map(() => this._styles.map(() => []));
      for (let i = 0; i < rows.geom.length; i++) {
        if (this._skip[i]) continue;
        this._batches[this._shapes[rows.geom[i]].kind][rows.style[i]].push(i);
      }
      this._redraw();
    },

    show: function (layer, shown) {
      if (!this._shown || this._shown[layer] === shown) return;
      this._shown[layer] = shown;
      this._redraw();
      this.fire("shown");
    },

    _layerPoint: function (x, y) {
      const k = this._map.getZoomScale(this._map.getZoom(), 0);
      const origin = this._map.getPixelOrigin();
      return L.point(x * k - origin.x, y * k - origin.y);
    },

    // A point in this style drawn once on a small canvas: copying it is far cheaper than
    // rasterising a circle per point (the software canvas of a headless or GPU-less browser
    // spent 2.7 s on 70,000 circles, about 0.3 s on copies).
    _sprite: function (style, s) {
      this._sprites = this._sprites || {};
      if (this._sprites[s]) return this._sprites[s];
      const r = style.radius || 7;
      const size = 2 * Math.ceil(r + (style.weight || 0) / 2 + 1);
      const m = L.Browser.retina ? 2 : 1;
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = size * m;
      const ctx = canvas.getContext("2d");
      ctx.scale(m, m);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.arc(size / 2, size / 2, r, 0, Math.PI * 2);
      paintPath(ctx, style, style.fill !== false, "nonzero");
      this._sprites[s] = { canvas: canvas, size: size };
      return this._sprites[s];
    },

    _updatePaths: function () {
      if (this._postponeUpdatePaths) return;
      this._redraw();
    },

    _redraw: function () {
      this._redrawRequest = null;
      if (!this._ctx || !this._bounds) return;
      const ctx = this._ctx;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this._container.width, this._container.height);
      ctx.restore();
      if (this._rows) this._draw();
    },

    _draw: function () {
      if (!this._rows) return;
      const ctx = this._ctx, rows = this._rows, b = this._bounds;
      const k = this._map.getZoomScale(this._map.getZoom(), 0);
      const ox = this._map.getPixelOrigin().x, oy = this._map.getPixelOrigin().y;
      const drawn = this._drawnFlags.fill(0);
      const offsets = this._offset, spread = this._spread;
      const visible = (i, pad) => {
        if (!this._shown[rows.layer[i]]) return false;
        const box = this._shapes[rows.geom[i]].box;
        return box[2] * k - ox >= b.min.x - pad && box[0] * k - ox <= b.max.x + pad &&
          box[3] * k - oy >= b.min.y - pad && box[1] * k - oy <= b.max.y + pad;
      };
      const trace = (xy, close) => {
        ctx.moveTo(xy[0] * k - ox, xy[1] * k - oy);
        for (let j = 2; j < xy.length; j += 2) ctx.lineTo(xy[j] * k - ox, xy[j + 1] * k - oy);
        if (close) ctx.closePath();
      };
      // A line cut to the canvas (and a margin): a route of 50 km at a street's zoom is tens
      // of thousands of pixels long, and stroking its dashes all along took seconds.
      const margin = 50;
      const clip = L.bounds([b.min.x - margin, b.min.y - margin],
        [b.max.x + margin, b.max.y + margin]);
      const traceClipped = (xy) => {
        let last = null;
        for (let j = 2; j < xy.length; j += 2) {
          const a = L.point(xy[j - 2] * k - ox, xy[j - 1] * k - oy);
          const c = L.point(xy[j] * k - ox, xy[j + 1] * k - oy);
          const part = L.LineUtil.clipSegment(a, c, clip, false, false);
          if (!part) { last = null; continue; }
          if (!last || !last.equals(part[0])) ctx.moveTo(part[0].x, part[0].y);
          ctx.lineTo(part[1].x, part[1].y);
          last = part[1];
        }
      };
      // A line drawn ``offset`` pixels to its left, each vertex moved along the mean of the
      // normals of its two segments (schematic routes turn gently; no miter is needed).
      const traceAside = (xy, offset) => {
        const n = xy.length / 2;
        for (let j = 0; j < n; j++) {
          let nx = 0, ny = 0;
          for (const [a, c] of [[j - 1, j], [j, j + 1]]) {
            if (a < 0 || c >= n) continue;
            const dx = (xy[2 * c] - xy[2 * a]) * k, dy = (xy[2 * c + 1] - xy[2 * a + 1]) * k;
            const length = Math.hypot(dx, dy);
            if (length > 0) { nx += dy / length; ny -= dx / length; }
          }
          const norm = Math.hypot(nx, ny) || 1;
          const x = xy[2 * j] * k - ox + offset * nx / norm;
          const y = xy[2 * j + 1] * k - oy + offset * ny / norm;
          if (j === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
      };
      const paint = (style, fill, fillRule) => paintPath(ctx, style, fill, fillRule);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      this._styles.forEach((style, s) => { // areas: one by one, so shared outlines still fill
        for (const i of this._batches[AREA][s]) {
          if (!visible(i, style.weight || 0)) continue;
          ctx.beginPath();
          for (const xy of this._shapes[rows.geom[i]].runs) trace(xy, true);
          paint(style, style.fill !== false, "evenodd");
          drawn[i] = 1;
        }
      });
      this._styles.forEach((style, s) => { // lines: one path per style
        ctx.beginPath();
        for (const i of this._batches[LINE][s]) {
          const offset = offsets[i];
          if (!visible(i, (style.weight || 0) + Math.abs(offset))) continue;
          for (const xy of this._shapes[rows.geom[i]].runs) {
            if (offset) traceAside(xy, offset); else traceClipped(xy);
          }
          drawn[i] = 1;
        }
        paint(style, false);
      });
      this._styles.forEach((style, s) => { // points: one stamp per style, copied per point
        const r = style.radius || 7;
        const sprite = this._sprite(style, s);
        const half = sprite.size / 2;
        for (const i of this._batches[POINT][s]) {
          const dx = spread[2 * i], dy = spread[2 * i + 1];
          if (!visible(i, r + (style.weight || 0) + Math.abs(dx) + Math.abs(dy))) continue;
          for (const xy of this._shapes[rows.geom[i]].runs) {
            ctx.drawImage(sprite.canvas, Math.round(xy[0] * k - ox - half + dx),
              Math.round(xy[1] * k - oy - half + dy), sprite.size, sprite.size);
          }
          drawn[i] = 1;
        }
      });
      ctx.globalAlpha = 1;
    },

    _onClick: function () {},
    _onMouseMove: function () {},
    _handleMouseOut: function () {},
  }));

  // The projects: a ShapeCanvas that answers clicks and hovers by a scan of what it drew.
  // One project under the mouse: a click picks it (sent to Python), the tooltip names it.
  // Several: the tooltip names them and a click lists them (``onList``, set by map.js).
  NS.FeatureCanvas = ShapeCanvas.extend({
    // The project ids the last redraw put on the canvas (for the tests and the benchmark).
    drawnProjects: function () {
      const ids = [];
      if (!this._drawnFlags) return ids;
      this._drawnFlags.forEach((drawn, i) => { if (drawn) ids.push(this._rows.id[i]); });
      return ids;
    },

    // A container point where a click picks this drawn project alone, or null (for the
    // tests: a place to click).
    target: function (projectId) {
      const i = this._rows.id.indexOf(projectId);
      if (i < 0 || !this._drawnFlags[i]) return null;
      const size = this._map.getSize();
      const rect = this._map.getContainer().getBoundingClientRect();
      // Inside the view and not under a control (the legend, the zoom buttons) or a badge.
      const uncovered = (p) => {
        const el = document.elementFromPoint(rect.left + p.x, rect.top + p.y);
        return el !== null && !el.closest(".leaflet-control, #map-legend, .unit-badge, .map-label");
      };
      const inside = (p) => p.x > 5 && p.y > 5 && p.x < size.x - 5 && p.y < size.y - 5 &&
        uncovered(p);
      const shape = this._shapes[this._rows.geom[i]];
      const dx = this._spread[2 * i], dy = this._spread[2 * i + 1];
      const toContainer = (x, y) => this._map.layerPointToContainerPoint(this._layerPoint(x, y))
        .add([dx, dy]);
      const candidates = [];
      for (const xy of shape.runs) {
        if (shape.kind === POINT) candidates.push(toContainer(xy[0], xy[1]));
        for (let j = 0; shape.kind === LINE && j + 3 < xy.length; j += 2) {
          candidates.push(toContainer((xy[j] + xy[j + 2]) / 2, (xy[j + 1] + xy[j + 3]) / 2));
        }
      }
      if (shape.kind === AREA) {
        candidates.push(toContainer((shape.box[0] + shape.box[2]) / 2,
          (shape.box[1] + shape.box[3]) / 2));
      }
      const hits = (p) => this._hits(this._map.containerPointToLayerPoint(p));
      const found = candidates.find((p) => {
        if (!inside(p)) return false;
        const h = hits(p);
        return h.length === 1 && h[0] === i;
      });
      return found ? [found.x, found.y] : null;
    },

    // The drawn projects under a layer point: points, then lines (nearest first), then the
    // areas drawn there (top first). Projects on a badge are not on the canvas.
    _hits: function (point) {
      if (!this._rows) return [];
      const rows = this._rows, drawn = this._drawnFlags;
      const k = this._map.getZoomScale(this._map.getZoom(), 0);
      const origin = this._map.getPixelOrigin();
      const x = (point.x + origin.x) / k, y = (point.y + origin.y) / k; // zoom 0 pixels
      const found = [];
      for (const kind of [POINT, LINE]) {
        const near = [];
        this._batches[kind].forEach((indices, s) => {
          const style = this._styles[s];
          for (const i of indices) {
            if (!drawn[i]) continue;
            const reach = (kind === POINT ? style.radius || 7 : Math.abs(this._offset[i])) +
              (style.weight || 3) / 2 + HIT_TOLERANCE_PX;
            const px = x - this._spread[2 * i] / k, py = y - this._spread[2 * i + 1] / k;
            let d = Infinity;
            for (const xy of this._shapes[rows.geom[i]].runs) {
              if (kind === POINT) d = Math.min(d, Math.hypot(xy[0] - px, xy[1] - py) * k);
              for (let j = 0; kind === LINE && j + 3 < xy.length; j += 2) {
                d = Math.min(d, segmentDistance(x, y, xy[j], xy[j + 1], xy[j + 2], xy[j + 3]) * k);
              }
            }
            if (d <= reach) near.push([d, i]);
          }
        });
        near.sort((a, b) => a[0] - b[0]);
        for (const [, i] of near) found.push(i);
      }
      const areas = [];
      this._batches[AREA].forEach((indices) => {
        for (const i of indices) {
          if (drawn[i] && NS.inside(this._shapes[rows.geom[i]], x, y)) areas.push(i);
        }
      });
      return found.concat(areas.reverse()); // the last drawn is on top
    },

    _onClick: function (e) {
      if (e.type !== "click" || !this._map) return;
      const hits = this._hits(this._map.mouseEventToLayerPoint(e));
      if (hits.length === 1) NS.pick(this._rows.id[hits[0]]);
      else if (hits.length > 1 && this.onList) this.onList(this._map.mouseEventToLatLng(e), hits);
    },

    _onMouseMove: function (e) {
      if (!this._map || this._map.dragging.moving() || this._map._animatingZoom) return;
      if (this._moveTimer) return; // at most one scan every 40 ms
      this._moveTimer = setTimeout(() => { this._moveTimer = null; }, 40);
      const latlng = this._map.mouseEventToLatLng(e);
      this._hover(this._hits(this._map.mouseEventToLayerPoint(e)), latlng);
    },

    _handleMouseOut: function () {
      this._hover([], null);
    },

    _hover: function (hits, latlng) {
      const map = this._map;
      const key = hits.join(",");
      if (key !== this._hovered) {
        if (this._highlight) map.removeLayer(this._highlight);
        this._highlight = null;
        this._hovered = key;
        const layers = hits.slice(0, 12).map((i) => {
          const style = this._styles[this._rows.style[i]];
          const geometry = geoJSON(this._geometries[this._rows.geom[i]]);
          return toLayer(geometry, Object.assign({}, style, {
            weight: 6, interactive: false, pane: "highlight", renderer: this._highlightRenderer,
          }));
        }).filter((l) => l);
        if (layers.length) this._highlight = L.featureGroup(layers).addTo(map);
        L.DomUtil[hits.length ? "addClass" : "removeClass"](this._container, "leaflet-interactive");
      }
      if (!hits.length) {
        map.closeTooltip(this._tooltip);
        return;
      }
      const args = this._args, rows = this._rows;
      const shown = hits.slice(0, 8).map((i) =>
        `<tr><td>${rows.name[i]}</td><td>${args.status_labels[rows.status[i]]}</td></tr>`);
      const head = hits.length > 1 ?
        `<div class="tip-head">${NS.count(args.texts, "map_here", { n: hits.length })}</div>` : "";
      const more = hits.length > 8 ? "<tr><td colspan=\"2\">…</td></tr>" : "";
      const hint = hits.length > 1 ? `<div class="tip-hint">${args.texts.map_list_hint}</div>` : "";
      this._tooltip.setContent(
        `${head}<table><tr><th>${args.fields[0]}</th><th>${args.fields[1]}</th></tr>` +
        `${shown.join("")}${more}</table>${hint}`);
      this._tooltip.setLatLng(latlng);
      if (!map.hasLayer(this._tooltip)) map.openTooltip(this._tooltip);
    },
  });

  // A text from Python with its {n} and {name} filled in (the values are escaped already).
  NS.fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
  };

  // A count text: its singular ("<key>_one", English only) when n is 1, else the plural.
  NS.count = function (texts, key, values) {
    return NS.fill((values.n === 1 && texts[key + "_one"]) || texts[key], values);
  };

  // A pick goes back to Python as the component's value (the page then opens its details).
  NS.pick = function (projectId) {
    NS.post("streamlit:setComponentValue", {
      value: { project_id: projectId, at: Date.now() }, dataType: "json",
    });
  };
})();
