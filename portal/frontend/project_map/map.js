// The project map, drawn in the browser from compact data (see portal/projectmap.py).
//
// Python sends, on each rerun: the unique geometries of the visible projects (a county
// outline shared by many county-precision projects travels once), one row of small
// integers per project (geometry, style, status, layer) and the styles themselves, all
// decided in Python. Here the features are drawn on one canvas, one toggleable layer
// per category; nothing is redrawn when a rerun brings the same data, and panning or
// zooming never talks to Python: only a click on a project is sent back.
//
// Document text (names) arrives HTML-escaped from Python, as do all labels, so the
// strings below may be inserted as markup.
(function () {
  "use strict";

  const state = {
    map: null, tiles: [], tilesKey: null, base: null, baseKey: null, focus: null,
    focusKey: null, groups: [], control: null, dataKey: null, boundsKey: null,
    legendKey: null,
  };

  function post(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }

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

  // Leaf layers (what the canvas draws) each carry the project's feature.
  function tag(layer, feature, style) {
    if (layer instanceof L.FeatureGroup) {
      layer.eachLayer((child) => tag(child, feature, style));
    }
    layer.feature = feature;
    layer.baseStyle = style;
  }

  function outlines(text, style) {
    const group = L.featureGroup();
    if (!text) return group;
    for (const geometry of JSON.parse(text)) {
      const layer = toLayer(geometry, Object.assign({ interactive: false, pane: "counties" },
        style));
      if (layer) group.addLayer(layer);
    }
    return group;
  }

  function tooltip(fields) {
    return (layer) => {
      const p = layer.feature.properties;
      return `<table><tr><th>${fields[0]}</th><td>${p.name}</td></tr>` +
        `<tr><th>${fields[1]}</th><td>${p.status_label}</td></tr></table>`;
    };
  }

  function source(event) {
    return event.propagatedFrom || event.layer;
  }

  function drawFeatures(args) {
    const map = state.map;
    for (const group of state.groups) map.removeLayer(group);
    if (state.control) map.removeControl(state.control);
    const geometries = JSON.parse(args.geometries);
    const rows = JSON.parse(args.features);
    const groups = args.layers.map(() => L.featureGroup());
    for (let i = 0; i < rows.id.length; i++) {
      const style = args.styles[rows.style[i]];
      const layer = toLayer(geometries[rows.geom[i]], style);
      if (!layer) continue;
      tag(layer, { type: "Feature", properties: {
        project_id: rows.id[i], name: rows.name[i],
        status_label: args.status_labels[rows.status[i]] } }, style);
      groups[rows.layer[i]].addLayer(layer);
    }
    const overlays = {};
    groups.forEach((group, i) => {
      group.bindTooltip(tooltip(args.fields), { sticky: true });
      group.on("mouseover", (e) => source(e).setStyle({ weight: 6 }));
      group.on("mouseout", (e) => source(e).setStyle({ weight: source(e).baseStyle.weight }));
      group.on("click", (e) => post("streamlit:setComponentValue", {
        value: { project_id: source(e).feature.properties.project_id, at: Date.now() },
        dataType: "json",
      }));
      group.addTo(map);
      overlays[args.layers[i]] = group;
    });
    state.groups = groups;
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

  function setLegend(html) {
    let legend = document.getElementById("map-legend");
    if (!legend) {
      legend = document.createElement("div");
      legend.id = "map-legend";
      document.body.appendChild(legend);
    }
    legend.innerHTML = html;
  }

  function render(args) {
    const element = document.getElementById("map");
    element.style.height = `${args.height}px`;
    if (!state.map) {
      state.map = L.map(element, { preferCanvas: true, zoomControl: true });
      window.projectMap = state.map; // found by the browser tests and the benchmark
      // County outlines draw on their own canvas under the projects, whatever the order.
      state.map.createPane("counties").style.zIndex = 350;
      L.control.scale().addTo(state.map);
      new ResizeObserver(() => state.map.invalidateSize()).observe(element);
    }
    const map = state.map;
    const boundsKey = JSON.stringify(args.bounds);
    if (boundsKey !== state.boundsKey) {
      map.invalidateSize();
      map.fitBounds(args.bounds);
      state.boundsKey = boundsKey;
    }
    const tilesKey = JSON.stringify(args.tiles);
    if (tilesKey !== state.tilesKey) {
      setTiles(args.tiles);
      state.tilesKey = tilesKey;
    }
    if (args.base !== state.baseKey) {
      if (state.base) map.removeLayer(state.base);
      state.base = outlines(args.base, args.base_style).addTo(map);
      state.baseKey = args.base;
    }
    if (args.focus !== state.focusKey) {
      if (state.focus) map.removeLayer(state.focus);
      state.focus = outlines(args.focus, args.focus_style).addTo(map);
      state.focusKey = args.focus;
    }
    if (args.data_key !== state.dataKey) {
      drawFeatures(args);
      state.dataKey = args.data_key;
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
