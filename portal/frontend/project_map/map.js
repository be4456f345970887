// The project map, drawn in the browser from compact data (see portal/projectmap.py).
//
// Python sends, on each rerun: the distinct geometries of the visible projects (a county
// outline shared by many county-precision projects travels once), one row of small
// integers per project (geometry, style, status, layer) and the styles themselves, all
// decided in Python. Nothing is redrawn when a rerun brings the same data, and panning
// or zooming never talks to Python: only a click on a project is sent back.
//
// One Leaflet layer per project cost seconds at 100,000 projects (creating the layers,
// then a canvas redraw that sets the style for every one), so the projects are drawn by
// one canvas renderer of our own (FeatureCanvas, built on Leaflet's L.Canvas, which keeps
// its placement, padding and zoom animation): lines in one path per style, points stamped
// from one small pre-drawn canvas per style, outlines one by one, and clicks and tooltips
// found by a scan of what was drawn.
//
// Document text (names) arrives HTML-escaped from Python, as do all labels, so the
// strings below may be inserted as markup.
(function () {
  "use strict";

  const POINT = 0, LINE = 1, AREA = 2;
  const HIT_TOLERANCE_PX = 3;

  function post(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }

  function text(value) {
    return typeof value === "string" ? value : new TextDecoder().decode(value);
  }

  // A geometry as sent: GeoJSON, or a bare [x, y] pair for a point (see geojson_texts).
  function geoJSON(geometry) {
    return Array.isArray(geometry) ? { type: "Point", coordinates: geometry } : geometry;
  }

  // A Leaflet layer for one geometry (the highlighted project).
  function toLayer(geometry, style) {
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
  }

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
  function project(geometry) {
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
  }

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
  const ShapeCanvas = L.Canvas.extend({
    setData: function (styles, rows, geometries, layers) {
      this._rows = rows;
      this._geometries = geometries;
      this._shapes = geometries.map(project);
      this._styles = styles.map((s) => Object.assign({ dashes: dashes(s) }, s));
      this._sprites = {};
      this._shown = new Array(layers).fill(true);
      this._drawnFlags = new Uint8Array(rows.geom.length);
      // Row indices by kind and style, drawn kind by kind.
      this._batches = [[], [], []].map(() => this._styles.map(() => []));
      for (let i = 0; i < rows.geom.length; i++) {
        this._batches[this._shapes[rows.geom[i]].kind][rows.style[i]].push(i);
      }
      this._redraw();
    },

    show: function (layer, shown) {
      if (!this._shown || this._shown[layer] === shown) return;
      this._shown[layer] = shown;
      this._redraw();
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
          if (!visible(i, style.weight || 0)) continue;
          for (const xy of this._shapes[rows.geom[i]].runs) trace(xy, false);
          drawn[i] = 1;
        }
        paint(style, false);
      });
      this._styles.forEach((style, s) => { // points: one stamp per style, copied per point
        const r = style.radius || 7;
        const sprite = this._sprite(style, s);
        const half = sprite.size / 2;
        for (const i of this._batches[POINT][s]) {
          if (!visible(i, r + (style.weight || 0))) continue;
          for (const xy of this._shapes[rows.geom[i]].runs) {
            ctx.drawImage(sprite.canvas, Math.round(xy[0] * k - ox - half),
              Math.round(xy[1] * k - oy - half), sprite.size, sprite.size);
          }
          drawn[i] = 1;
        }
      });
      ctx.globalAlpha = 1;
    },

    _onClick: function () {},
    _onMouseMove: function () {},
    _handleMouseOut: function () {},
  });

  // The projects: a ShapeCanvas that answers clicks (sent to Python) and hovers (tooltip,
  // highlight) by a scan of what it drew.
  const FeatureCanvas = ShapeCanvas.extend({
    // The project ids the last redraw put on the canvas (for the tests and the benchmark).
    drawnProjects: function () {
      const ids = [];
      if (!this._drawnFlags) return ids;
      this._drawnFlags.forEach((drawn, i) => { if (drawn) ids.push(this._rows.id[i]); });
      return ids;
    },

    // A container point inside a drawn project, or null (for the tests: a place to click).
    target: function (projectId) {
      const i = this._rows.id.indexOf(projectId);
      if (i < 0 || !this._drawnFlags[i]) return null;
      const size = this._map.getSize();
      const rect = this._map.getContainer().getBoundingClientRect();
      // Inside the view and not under a control (the legend, the zoom buttons).
      const uncovered = (p) => {
        const el = document.elementFromPoint(rect.left + p.x, rect.top + p.y);
        return el !== null && !el.closest('.leaflet-control, #map-legend');
      };
      const inside = (p) => p.x > 5 && p.y > 5 && p.x < size.x - 5 && p.y < size.y - 5 &&
        uncovered(p);
      const shape = this._shapes[this._rows.geom[i]];
      const toContainer = (x, y) => this._map.layerPointToContainerPoint(this._layerPoint(x, y));
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
      const hits = (p) => this._hit(this._map.containerPointToLayerPoint(p)) === i;
      const found = candidates.find((p) => inside(p) && hits(p));
      return found ? [found.x, found.y] : null;
    },

    // The drawn project under a layer point: points over lines over areas, nearest first.
    _hit: function (point) {
      if (!this._rows) return -1;
      const rows = this._rows, drawn = this._drawnFlags;
      const k = this._map.getZoomScale(this._map.getZoom(), 0);
      const origin = this._map.getPixelOrigin();
      const x = (point.x + origin.x) / k, y = (point.y + origin.y) / k; // zoom 0 pixels
      for (const kind of [POINT, LINE]) {
        let best = -1, bestDistance = Infinity;
        this._batches[kind].forEach((indices, s) => {
          const style = this._styles[s];
          const reach = (kind === POINT ? style.radius || 7 : 0) + (style.weight || 3) / 2 +
            HIT_TOLERANCE_PX;
          for (const i of indices) {
            if (!drawn[i]) continue;
            for (const xy of this._shapes[rows.geom[i]].runs) {
              let d = kind === POINT ? Math.hypot(xy[0] - x, xy[1] - y) * k : Infinity;
              for (let j = 0; kind === LINE && j + 3 < xy.length; j += 2) {
                d = Math.min(d, segmentDistance(x, y, xy[j], xy[j + 1], xy[j + 2], xy[j + 3]) * k);
              }
              if (d <= reach && d < bestDistance) { best = i; bestDistance = d; }
            }
          }
        });
        if (best >= 0) return best;
      }
      let found = -1;
      this._batches[AREA].forEach((indices) => {
        for (const i of indices) {
          const shape = this._shapes[rows.geom[i]];
          if (!drawn[i] || x < shape.box[0] || x > shape.box[2] || y < shape.box[1] ||
            y > shape.box[3]) continue;
          let inside = false;
          for (const xy of shape.runs) {
            for (let j = 0, n = xy.length, m = n - 2; j < n; m = j, j += 2) {
              if ((xy[j + 1] > y) !== (xy[m + 1] > y) &&
                x < (xy[m] - xy[j]) * (y - xy[j + 1]) / (xy[m + 1] - xy[j + 1]) + xy[j]) {
                inside = !inside;
              }
            }
          }
          if (inside) found = i; // the last drawn is on top
        }
      });
      return found;
    },

    _onClick: function (e) {
      if (e.type !== "click" || !this._map) return;
      const i = this._hit(this._map.mouseEventToLayerPoint(e));
      if (i < 0) return;
      post("streamlit:setComponentValue", {
        value: { project_id: this._rows.id[i], at: Date.now() }, dataType: "json",
      });
    },

    _onMouseMove: function (e) {
      if (!this._map || this._map.dragging.moving() || this._map._animatingZoom) return;
      if (this._moveTimer) return; // at most one scan every 40 ms
      this._moveTimer = setTimeout(() => { this._moveTimer = null; }, 40);
      const latlng = this._map.mouseEventToLatLng(e);
      this._hover(this._hit(this._map.mouseEventToLayerPoint(e)), latlng);
    },

    _handleMouseOut: function () {
      this._hover(-1, null);
    },

    _hover: function (i, latlng) {
      const map = this._map;
      if (i !== this._hovered) {
        if (this._highlight) map.removeLayer(this._highlight);
        this._highlight = null;
        this._hovered = i;
        if (i >= 0) {
          const style = this._styles[this._rows.style[i]];
          const geometry = geoJSON(this._geometries[this._rows.geom[i]]);
          this._highlight = toLayer(geometry, Object.assign({}, style, {
            weight: 6, interactive: false, pane: "highlight", renderer: this._highlightRenderer,
          }));
          if (this._highlight) this._highlight.addTo(map);
        }
        L.DomUtil[i >= 0 ? "addClass" : "removeClass"](this._container, "leaflet-interactive");
      }
      if (i < 0) {
        map.closeTooltip(this._tooltip);
        return;
      }
      const args = this._args;
      const rows = this._rows;
      const status = args.status_labels[rows.status[i]];
      this._tooltip.setContent(
        `<table><tr><th>${args.fields[0]}</th><td>${rows.name[i]}</td></tr>` +
        `<tr><th>${args.fields[1]}</th><td>${status}</td></tr></table>`);
      this._tooltip.setLatLng(latlng);
      if (!map.hasLayer(this._tooltip)) map.openTooltip(this._tooltip);
    },
  });

  // One entry of the layer control: switching it shows or hides one category.
  const CategorySwitch = L.Layer.extend({
    initialize: function (canvas, index) {
      this._canvas = canvas;
      this._index = index;
    },
    onAdd: function () { if (this._canvas) this._canvas.show(this._index, true); },
    onRemove: function () { if (this._canvas) this._canvas.show(this._index, false); },
  });

  const state = {
    map: null, canvas: null, outlines: null, tilesKey: null, tiles: [], baseKey: null,
    focusKey: null, dataKey: null, control: null, switches: [], boundsKey: null,
    legendKey: null, zoomKey: null, selectedKey: null, selectedLayer: null,
    attribution: [], attributionKey: null,
  };

  // The chosen project (a click, a table row, a ?project= link), outlined above the canvas.
  function setSelected(args) {
    if (state.selectedLayer) state.map.removeLayer(state.selectedLayer);
    state.selectedLayer = null;
    const shapes = args.selected ? JSON.parse(args.selected) : [];
    if (!shapes.length) return;
    const style = Object.assign({}, args.selected_style, {
      interactive: false, pane: "highlight", renderer: state.canvas._highlightRenderer,
    });
    state.selectedLayer = L.featureGroup(
      shapes.map((g) => toLayer(geoJSON(g), style)).filter((l) => l)).addTo(state.map);
  }

  // County outlines (and the focused ones, heavier) on their own canvas under the projects.
  function setOutlines(args) {
    const base = args.base ? JSON.parse(args.base) : [];
    const focus = args.focus ? JSON.parse(args.focus) : [];
    const geometries = base.concat(focus);
    const rows = {
      geom: geometries.map((_, i) => i),
      style: geometries.map((_, i) => (i < base.length ? 0 : 1)),
      layer: geometries.map(() => 0),
    };
    state.outlines.setData([args.base_style, args.focus_style], rows, geometries, 1);
  }

  function drawFeatures(args) {
    const map = state.map;
    if (state.control) map.removeControl(state.control);
    for (const entry of state.switches) {
      entry._canvas = null; // the old data's switches must not redraw anything
      map.removeLayer(entry);
    }
    const rows = JSON.parse(text(args.features));
    state.canvas._args = args;
    state.canvas.setData(args.styles, rows, JSON.parse(text(args.geometries)), args.layers.length);
    const overlays = {};
    args.layers.forEach((name, i) => {
      const entry = new CategorySwitch(state.canvas, i);
      entry.addTo(map);
      overlays[name] = entry;
    });
    state.switches = Object.values(overlays);
    state.control = L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  }

  function setTiles(tiles) {
    for (const layer of state.tiles) state.map.removeLayer(layer);
    state.tiles = tiles.map((t) => {
      const options = { attribution: t.attribution, maxZoom: 18 };
      if (t.subdomains) options.subdomains = t.subdomains;
      return L.tileLayer(t.url, options).addTo(state.map);
    });
  }

  // Credits of the data behind the drawing (already HTML-escaped by Python), offline too.
  function setAttribution(lines) {
    const control = state.map.attributionControl;
    if (!control) return;
    for (const line of state.attribution) control.removeAttribution(line);
    state.attribution = lines || [];
    for (const line of state.attribution) control.addAttribution(line);
  }

  function setLegend(html) {
    let legend = document.getElementById("map-legend");
    if (!legend) {
      legend = document.createElement("div");
      legend.id = "map-legend";
      document.body.appendChild(legend);
    }
    legend.innerHTML = html;
  }

  function createMap(element) {
    const map = L.map(element, { preferCanvas: true, zoomControl: true });
    window.projectMap = map; // found by the browser tests and the benchmark
    // County outlines draw on their own canvas under the projects, whatever the order.
    map.createPane("counties").style.zIndex = 350;
    // The hovered project, redrawn heavier above the canvas; it never takes the mouse.
    const highlight = map.createPane("highlight");
    highlight.style.zIndex = 450;
    highlight.style.pointerEvents = "none";
    L.control.scale().addTo(map);
    new ResizeObserver(() => map.invalidateSize()).observe(element);
    return map;
  }

  function render(args) {
    const element = document.getElementById("map");
    element.style.height = `${args.height}px`;
    if (!state.map) state.map = createMap(element);
    const map = state.map;
    const boundsKey = JSON.stringify(args.bounds);
    if (boundsKey !== state.boundsKey) {
      map.invalidateSize();
      map.fitBounds(args.bounds);
      state.boundsKey = boundsKey;
    }
    if (!state.canvas) {
      state.outlines = new ShapeCanvas({ padding: 0.1, pane: "counties" }).addTo(map);
      state.canvas = new FeatureCanvas({ padding: 0.1 });
      state.canvas._highlightRenderer = L.svg({ pane: "highlight" });
      state.canvas._tooltip = L.tooltip({ sticky: true, direction: "auto", offset: [12, 0] });
      state.canvas.addTo(map);
    }
    const tilesKey = JSON.stringify(args.tiles);
    if (tilesKey !== state.tilesKey) {
      setTiles(args.tiles);
      state.tilesKey = tilesKey;
    }
    if (args.base !== state.baseKey || args.focus !== state.focusKey) {
      setOutlines(args);
      state.baseKey = args.base;
      state.focusKey = args.focus;
    }
    if (args.data_key !== state.dataKey) {
      drawFeatures(args);
      state.dataKey = args.data_key;
    }
    if ((args.selected || "") !== state.selectedKey) {
      setSelected(args);
      state.selectedKey = args.selected || "";
    }
    const zoomKey = args.zoom ? JSON.stringify(args.zoom) : null;
    if (zoomKey && zoomKey !== state.zoomKey) {
      map.fitBounds(args.zoom);
      state.zoomKey = zoomKey;
    }
    const attributionKey = JSON.stringify(args.attribution || []);
    if (attributionKey !== state.attributionKey) {
      setAttribution(args.attribution);
      state.attributionKey = attributionKey;
    }
    if (args.legend !== state.legendKey) {
      setLegend(args.legend);
      state.legendKey = args.legend;
    }
    post("streamlit:setFrameHeight", { height: args.height });
  }

  window.addEventListener("message", (event) => {
    if (event.data && event.data.type === "streamlit:render") render(event.data.args);
  });
  post("streamlit:componentReady", { apiVersion: 1 });
})();
