// The project map, drawn in the browser from compact data (see portal/projectmap.py).
//
// Python sends, on each rerun: the distinct geometries of the visible projects, one row of
// small integers per project (geometry, style, status, layer, stage) and the styles
// themselves, all decided in Python; the badges (projects counted on the unit that carries
// them) and the places that name the map. Nothing is redrawn when a rerun brings the same
// data, and panning or zooming never talks to Python: only a pick (a click on a project,
// or on a name in a list) and the layer switches are sent back.
//
// The drawing is split by concern: canvas.js draws the projects and finds what is under
// the mouse; places.js places the badges and labels and shows pick lists; this file makes
// the map, its controls (layer switches that are the sidebar's layer filter, a legend that
// folds away and remembers it) and applies each render.
//
// Document text (names) arrives HTML-escaped from Python, as do all labels, so the
// strings below may be inserted as markup.
(function () {
  "use strict";

  const NS = window.ProjectMap;
  const LEGEND_FOLDED = "projectMap.legendFolded";

  const state = (NS.state = {
    map: null, canvas: null, places: null, outlines: null, tilesKey: null, tiles: [],
    baseKey: null, focusKey: null, dataKey: null, control: null, controlKey: null,
    boundsKey: null, legendKey: null, zoomKey: null, selectedKey: null, selectedLayer: null,
    selectedId: "", attribution: [], attributionKey: null, base: [], fitTo: null,
    autoFit: false, presentation: null,
  });

  // The chosen project (a click, a list, a table row, a ?project= link), outlined above the
  // canvas: a facility or line heavier in gold, an area as its unit's thin neutral outline.
  function setSelected(args) {
    if (state.selectedLayer) state.map.removeLayer(state.selectedLayer);
    state.selectedLayer = null;
    const shapes = args.selected ? JSON.parse(args.selected) : [];
    if (shapes.length) {
      const style = Object.assign({}, args.selected_style, {
        interactive: false, pane: "highlight", renderer: state.canvas._highlightRenderer,
      });
      state.selectedLayer = L.featureGroup(
        shapes.map((g) => NS.toLayer(NS.geoJSON(g), style)).filter((l) => l)).addTo(state.map);
    }
    state.selectedId = args.selected_id || "";
    state.places.setSelected(state.selectedId);
  }

  // County outlines (and the focused ones, heavier) on their own canvas under the projects.
  function setOutlines(args) {
    const base = args.base ? JSON.parse(NS.text(args.base)) : [];
    const focus = args.focus ? JSON.parse(args.focus) : [];
    const geometries = base.concat(focus);
    const rows = {
      geom: geometries.map((_, i) => i),
      style: geometries.map((_, i) => (i < base.length ? 0 : 1)),
      layer: geometries.map(() => 0),
    };
    state.base = base;
    state.outlines.setData([args.base_style, args.focus_style], rows, geometries, 1);
  }

  // The layer switches: the sidebar's layer filter, shown on the map. A switch hides its
  // layer at once and sends the ticked set to Python, which filters the count, the table,
  // the charts and the downloads alike and keeps it in the link; the last ticked layer
  // cannot be unticked (an empty filter would mean every layer).
  const LayerSwitches = L.Control.extend({
    options: { position: "topright" },

    initialize: function (args) {
      this._args = args;
    },

    onAdd: function () {
      const args = this._args;
      const container = L.DomUtil.create("div",
        "leaflet-control-layers leaflet-control-layers-expanded layer-switches");
      container.title = NS.plain(args.texts.map_layers_hint);
      const list = L.DomUtil.create("div", "leaflet-control-layers-overlays", container);
      this._inputs = args.layers.map((name, i) => {
        const label = L.DomUtil.create("label", "", list);
        const input = L.DomUtil.create("input", "leaflet-control-layers-selector", label);
        input.type = "checkbox";
        input.checked = args.layers_on[i] !== false;
        const counted = input.checked && args.layer_counts[i] !== null;
        const count = counted ? ` <span class="layer-count">${args.layer_counts[i]}</span>` : "";
        const text = L.DomUtil.create("span", "", label);
        text.innerHTML = ` ${name}${count}`;
        L.DomEvent.on(input, "change", () => this._changed(i, input));
        return input;
      });
      L.DomEvent.disableClickPropagation(container);
      L.DomEvent.disableScrollPropagation(container);
      return container;
    },

    _changed: function (i, input) {
      const ticked = this._inputs.map((x) => x.checked);
      if (!ticked.some((t) => t)) {
        input.checked = true;
        return;
      }
      state.canvas.show(i, input.checked);
      const codes = this._args.layer_codes.filter((_, j) => ticked[j]);
      NS.post("streamlit:setComponentValue", {
        value: { layers: codes, at: Date.now() }, dataType: "json",
      });
    },
  });

  function drawFeatures(args) {
    const rows = JSON.parse(NS.text(args.features));
    const skip = new Uint8Array(rows.geom.length);
    for (const [, members] of args.units || []) for (const i of members) skip[i] = 1;
    state.canvas._args = args;
    state.canvas.setData(args.styles, rows, JSON.parse(NS.text(args.geometries)),
      args.layers.length, args.shifts, skip);
    args.layers_on.forEach((on, i) => { state.canvas._shown[i] = on !== false; });
    state.canvas._redraw();
    const shapes = args.unit_shapes ? JSON.parse(NS.text(args.unit_shapes)) : {};
    state.places.setUnits(args, shapes);
  }

  function setControl(args) {
    if (state.control) state.map.removeControl(state.control);
    state.control = new LayerSwitches(args).addTo(state.map);
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

  const LEGEND_ROOM = { width: 760, height: 560 }; // px of map below which it starts folded

  // "1" folded, "0" open, null: never chosen (then it folds on a small map only). Kept in
  // the frame's storage (across reruns and visits) and in memory (if storage is refused).
  function legendChoice() {
    try {
      return state.legendChoice || window.localStorage.getItem(LEGEND_FOLDED);
    } catch (e) {
      return state.legendChoice || null;
    }
  }

  function applyLegendFold() {
    const legend = document.getElementById("map-legend");
    if (!legend || !state.map) return;
    const choice = legendChoice();
    const size = state.map.getSize();
    const fold = choice === null ? size.x < LEGEND_ROOM.width || size.y < LEGEND_ROOM.height :
      choice === "1";
    if (fold !== legend.classList.contains("is-folded")) {
      legend.classList.toggle("is-folded", fold);
      state.places._schedule(); // badges and labels may use the room, or must leave it
    }
    const title = legend.querySelector(".legend-title");
    if (title) title.setAttribute("aria-expanded", String(!fold));
  }

  // The legend folds to its title; the choice is remembered across reruns and visits.
  function setLegend(html) {
    let legend = document.getElementById("map-legend");
    if (!legend) {
      legend = document.createElement("div");
      legend.id = "map-legend";
      document.body.appendChild(legend);
      L.DomEvent.disableClickPropagation(legend);
      L.DomEvent.disableScrollPropagation(legend);
    }
    legend.innerHTML = html;
    const title = legend.querySelector(".legend-title");
    if (title) {
      title.setAttribute("role", "button");
      title.setAttribute("tabindex", "0");
      const toggle = () => {
        state.legendChoice = legend.classList.contains("is-folded") ? "0" : "1";
        try {
          window.localStorage.setItem(LEGEND_FOLDED, state.legendChoice);
        } catch (e) { /* remembered in memory only */ }
        applyLegendFold();
      };
      title.addEventListener("click", toggle);
      title.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); }
      });
    }
    legend.classList.remove("is-folded");
    applyLegendFold();
  }

  // Fit the view, and fit it again when the frame is resized until the user moves the map
  // (the first render may come before the frame has its height; the details column opening
  // beside the map narrows it).
  // Without animation: Leaflet drops a fitBounds that arrives while a zoom animates (a
  // resize refitting the old view, then a table row's zoom), and the old view would stay.
  function fit(bounds) {
    state.fitTo = bounds;
    state.autoFit = true;
    state.map.fitBounds(bounds, { animate: false });
  }

  // Leaflet focuses the map on a press (for its keyboard control); focusing scrolls the page
  // to the whole frame when the map is partly below the window, the release then lands on
  // another spot and the click (on a badge, a project) is lost. Focus without scrolling.
  L.Map.Keyboard.include({
    _onMouseDown: function () {
      if (!this._focused) this._map._container.focus({ preventScroll: true });
    },
  });

  function createMap(element) {
    // Quarter zoom steps let a view fill the frame (whole steps left it half empty).
    const map = L.map(element, { preferCanvas: true, zoomControl: true, zoomSnap: 0.25 });
    window.projectMap = map; // found by the browser tests and the benchmark
    // County outlines draw on their own canvas under the projects, whatever the order.
    map.createPane("counties").style.zIndex = 350;
    // The hovered project, redrawn heavier above the canvas; it never takes the mouse.
    const highlight = map.createPane("highlight");
    highlight.style.zIndex = 450;
    highlight.style.pointerEvents = "none";
    const labels = map.createPane("labels");
    labels.style.zIndex = 460;
    labels.style.pointerEvents = "none";
    map.createPane("badges").style.zIndex = 610; // above markers, under tooltips and popups
    L.control.scale().addTo(map);
    // Nor may a press on a badge, a list, a switch or the legend focus it (same scroll).
    document.addEventListener("mousedown", (e) => {
      if (e.target.closest(".unit-badge, .pick-list, .layer-switches, #map-legend")) {
        e.preventDefault();
      }
    }, true);
    for (const type of ["mousedown", "wheel", "touchstart", "keydown", "dblclick"]) {
      element.addEventListener(type, () => { state.autoFit = false; }, { passive: true });
    }
    new ResizeObserver(() => {
      map.invalidateSize();
      applyLegendFold();
      if (state.autoFit && state.fitTo) map.fitBounds(state.fitTo, { animate: false });
    }).observe(element);
    return map;
  }

  // A large store is served by view (layers/viewport.py): after every move the map says what
  // it shows, and Python answers with the projects in view or, when there are too many, with
  // counts on cells, drawn here as numbered circles that zoom in on a click. Each answer
  // echoes the time of the view it answers (view_at), which the benchmark and the tests read.
  function viewOf(map) {
    const b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v) => Math.round(v * 1e5) / 1e5);
  }

  // Whether the drawing already covers the view: Python asked the store for a box larger
  // than the view it was told of (view_box), so a short pan at the same zoom needs nothing.
  function covered(view, zoom) {
    const box = state.viewBox;
    return Boolean(box) && state.viewZoom === zoom && state.viewBounds === state.boundsKey &&
      view[0] >= box[0] && view[1] >= box[1] && view[2] <= box[2] && view[3] <= box[3];
  }

  function sendView() {
    const map = state.map;
    const view = viewOf(map);
    const key = JSON.stringify([view, map.getZoom(), state.boundsKey]);
    if (key === state.viewKey || covered(view, map.getZoom())) return;
    state.viewKey = key;
    state.viewAt = Date.now();
    NS.post("streamlit:setComponentValue", {
      value: { view: view, zoom: map.getZoom(), bounds: state.boundsKey, at: state.viewAt },
      dataType: "json",
    });
  }

  function watchView() {
    if (state.watching) return;
    state.watching = true;
    // At once, in the same task as the move: the store works while the browser paints the
    // old drawing at its new place. Leaflet fires one moveend per pan, zoom or fit.
    state.map.on("moveend", sendView);
    sendView();
  }

  function countText(n) {
    return n >= 10000 ? `${Math.round(n / 1000)}k` : String(n);
  }

  function setCells(args) {
    if (state.cellLayer) state.map.removeLayer(state.cellLayer);
    const cells = args.cells || [];
    const most = cells.reduce((m, c) => Math.max(m, c[2]), 1);
    const markers = cells.map(([x, y, n]) => {
      const size = Math.round(24 + 22 * Math.sqrt(n / most));
      const icon = L.divIcon({
        className: "view-cell", iconSize: [size, size],
        html: `<span>${countText(n)}</span>`,
      });
      const marker = L.marker([y, x], {
        icon: icon, pane: "badges",
        title: NS.plain(NS.count(args.texts, "map_cell_tip", { n: n })),
      });
      marker.on("click", () => state.map.setView([y, x], Math.min(state.map.getZoom() + 2, 18)));
      marker.cellCount = n;
      return marker;
    });
    state.cellLayer = L.layerGroup(markers).addTo(state.map);
    // How many projects the circles in view stand for (the tests and the benchmark read it).
    state.cellLayer.drawnCount = () => {
      const bounds = state.map.getBounds();
      return markers.reduce((sum, m) => sum + (bounds.contains(m.getLatLng()) ? m.cellCount : 0), 0);
    };
  }

  window.projectMapView = () => ({
    sent: state.viewAt || 0, served: state.viewServed || 0, answered: state.answeredAt || 0,
    painted: state.paintedAt || 0,
    cells: state.cellLayer ? state.cellLayer.drawnCount() : 0,
  });

  function render(args) {
    // The map fills its frame (100vh of the iframe): the frame is args.height tall, unless
    // the page sizes it to the screen (presentation mode), and the map follows either way.
    const element = document.getElementById("map");
    document.body.classList.toggle("presenting", Boolean(args.presentation));
    if (!state.map) state.map = createMap(element);
    const map = state.map;
    if (!state.canvas) {
      state.outlines = new NS.ShapeCanvas({ padding: 0.1, pane: "counties" }).addTo(map);
      state.canvas = new NS.FeatureCanvas({ padding: 0.1 });
      state.canvas._highlightRenderer = L.svg({ pane: "highlight" });
      state.canvas._tooltip = L.tooltip({ sticky: true, direction: "auto", offset: [12, 0] });
      state.canvas.onList = (latlng, hits) => NS.showList(map, latlng, hits,
        NS.count(state.canvas._args.texts, "map_here", { n: hits.length }));
      map.on("popupopen", () => map.closeTooltip(state.canvas._tooltip)); // the list says it all
      state.canvas.addTo(map);
      state.places = new NS.PlaceLayer(state.canvas).addTo(map);
    }
    const boundsKey = JSON.stringify(args.bounds);
    if (boundsKey !== state.boundsKey) {
      map.invalidateSize();
      fit(args.bounds);
      state.boundsKey = boundsKey;
    }
    const tilesKey = JSON.stringify(args.tiles);
    if (tilesKey !== state.tilesKey) {
      setTiles(args.tiles);
      state.tilesKey = tilesKey;
    }
    if (args.base_key !== state.baseKey || args.focus !== state.focusKey) {
      setOutlines(args);
      state.baseKey = args.base_key;
      state.focusKey = args.focus;
    }
    const placesKey = JSON.stringify([args.base_key, args.places, args.presentation]);
    if (placesKey !== state.placesKey) {
      state.places.setPlaces(args, state.base);
      state.placesKey = placesKey;
      state.dataKey = null; // the badges refer to the places
    }
    if (args.data_key !== state.dataKey || args.presentation !== state.presentation) {
      drawFeatures(args);
      state.dataKey = args.data_key;
      state.presentation = args.presentation;
    }
    if (args.viewport) {
      const cellsKey = JSON.stringify(args.cells || []);
      if (cellsKey !== state.cellsKey) {
        setCells(args);
        state.cellsKey = cellsKey;
      }
      if ((args.view_at || 0) !== state.viewServed) {
        // When the answer is on screen: the frame after this one has been painted.
        const answered = args.view_at || 0;
        state.answeredAt = Date.now();
        requestAnimationFrame(() => setTimeout(() => {
          if (state.viewServed === answered) state.paintedAt = Date.now();
        }, 0));
      }
      state.viewServed = args.view_at || 0;
      if (args.view_at && args.view_at === state.viewAt) {  // the answer to the last report
        state.viewBox = args.view_box;
        state.viewZoom = state.map.getZoom();
        state.viewBounds = state.boundsKey;
      }
      watchView();
    }
    const controlKey = JSON.stringify([args.layers, args.layers_on, args.layer_counts]);
    if (controlKey !== state.controlKey) {
      setControl(args);
      state.controlKey = controlKey;
    }
    if ((args.selected || "") + args.selected_id !== state.selectedKey) {
      setSelected(args);
      state.selectedKey = (args.selected || "") + args.selected_id;
    }
    // Once per request (the counter), so neither a quick rerun nor a later one loses or
    // repeats it; a request whose project is not in the selection waits with it.
    const zoomKey = args.zoom ? JSON.stringify([args.zoom, args.zoom_request]) : null;
    if (zoomKey && zoomKey !== state.zoomKey) {
      fit(args.zoom);
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
    NS.post("streamlit:setFrameHeight", { height: args.height });
  }

  window.addEventListener("message", (event) => {
    if (event.data && event.data.type === "streamlit:render") render(event.data.args);
  });
  NS.post("streamlit:componentReady", { apiVersion: 1 });
})();
