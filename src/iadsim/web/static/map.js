/* iadsim web map: borders, relief, coverage, sites, rings, routes and a replay slider.
   Everything comes from this server's /api; no web tiles, no other host. */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const map = L.map("map", { zoomSnap: 0.25, worldCopyJump: false, preferCanvas: false });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a> (BSD-2)');
  L.control.scale({ imperial: false }).addTo(map);
  map.setView([39, 33], 6);

  for (const [name, z] of [["land", 250], ["relief", 300], ["borders", 350], ["coverage", 400], ["rings", 420], ["routes", 430]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  map.getPane("borders").style.pointerEvents = "none";
  map.getPane("land").style.pointerEvents = "none";
  map.getPane("relief").style.pointerEvents = "none";

  const layers = {
    relief: L.layerGroup(),
    borders: L.layerGroup().addTo(map),
    coverage: L.layerGroup(),
    sites: L.layerGroup(),
    rings: L.layerGroup(),
    routes: L.layerGroup(),
    threats: L.layerGroup(),
  };
  const coverageLayers = new Map(); // feature index -> Leaflet layer

  async function getJSON(url) {
    const res = await fetch(url);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : res.statusText);
    return body;
  }

  function bindToggle(id, layer) {
    const box = $(id);
    const apply = () => (box.checked ? layer.addTo(map) : map.removeLayer(layer));
    box.addEventListener("change", apply);
    apply();
  }

  function fmtTime(t) {
    const m = Math.floor(t / 60), s = Math.round(t % 60);
    return `t = ${Math.round(t)} s (${m}:${String(s).padStart(2, "0")})`;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // ------------------------------------------------------------------------------------ data folder
  let bordersLoaded = Promise.resolve();

  async function loadLayers() {
    const info = await getJSON("/api/layers");
    $("study-name").textContent = info.study ? `— ${info.study}` : `— ${info.data_dir}`;
    $("study-terrain").textContent = info.terrain ? `terrain: ${info.terrain}` : "";
    for (const c of info.credits) map.attributionControl.addAttribution(escapeHtml(c));
    if (info.hillshade) {
      const [w, s, e, n] = info.hillshade.bounds;
      L.imageOverlay(info.hillshade.url, [[s, w], [n, e]], { pane: "relief", opacity: 0.9, className: "relief" })
        .addTo(layers.relief);
    }
    bindToggle("toggle-relief", layers.relief);
    let bbox = null;
    if (info.extent) {
      const [w, s, e, n] = info.extent;
      map.fitBounds([[s, w], [n, e]], { padding: [10, 10] });
      bbox = [Math.max(w - 20, -180), Math.max(s - 15, -90), Math.min(e + 20, 180), Math.min(n + 15, 90)];
    }
    // borders load beside the coverage; the page is ready once both are drawn
    bordersLoaded = loadBorders(bbox).catch((err) => console.warn(`borders: ${err.message}`));
    if (info.coverage.length) await loadCoverage(info.coverage);
    bindToggle("toggle-sites", layers.sites);
    bindToggle("toggle-rings", layers.rings);
    bindToggle("toggle-coverage", layers.coverage);
    return info;
  }

  async function loadBorders(bbox) {
    const url = "/api/borders" + (bbox ? `?bbox=${bbox.map((v) => v.toFixed(2)).join(",")}` : "");
    const doc = await getJSON(url);
    // land below the relief, border lines above it
    L.geoJSON(doc, {
      pane: "land",
      interactive: false,
      style: { stroke: false, fillColor: "#f4f1ea", fillOpacity: 1, className: "land" },
    }).addTo(layers.borders);
    L.geoJSON(doc, {
      pane: "borders",
      interactive: false,
      style: { color: "#5f5f5f", weight: 0.9, fill: false, className: "border" },
    }).addTo(layers.borders);
  }

  async function loadCoverage(items) {
    const doc = await getJSON("/api/coverage");
    const list = $("coverage-list");
    list.textContent = "";
    list.classList.remove("muted");
    const firstTarget = items[0].target;
    let group = null;
    for (const item of items) {
      const f = doc.features[item.index];
      const det = item.kind === "detection";
      const layer = L.geoJSON(f, {
        pane: "coverage",
        style: {
          color: item.color, weight: det ? 1.2 : 2, dashArray: det ? null : "6 4",
          fillColor: item.color, fillOpacity: det ? 0.16 : 0.0,
          className: `coverage coverage-${item.kind}`,
        },
      }).bindTooltip(`${escapeHtml(item.name)}<br>${Number(item.area_km2).toLocaleString("en")} km²`, { sticky: true });
      coverageLayers.set(item.index, layer);
      const key = `${item.target}`;
      if (key !== group) {
        group = key;
        const h = document.createElement("div");
        h.className = "cov-group";
        h.textContent = item.target;
        list.appendChild(h);
      }
      const label = document.createElement("label");
      label.className = "cov-item";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `cov-${item.index}`;
      box.checked = det && item.target === firstTarget;
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = det ? item.color + "55" : "transparent";
      sw.style.borderColor = item.color;
      if (!det) sw.style.borderStyle = "dashed";
      label.append(box, " ", sw, ` ${item.kind} at ${item.altitude}`);
      list.appendChild(label);
      const apply = () => (box.checked ? layers.coverage.addLayer(layer) : layers.coverage.removeLayer(layer));
      box.addEventListener("change", apply);
      apply();
    }
    for (const f of doc.features) {
      const p = f.properties || {};
      if (p.kind === "site") {
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], { radius: 5, color: "#fff", weight: 2, fillColor: "#111", fillOpacity: 1, className: "site" })
          .bindTooltip(escapeHtml(p.name), { className: "site-label" })
          .addTo(layers.sites);
      } else if (p.kind === "ring") {
        L.geoJSON(f, { pane: "rings", style: { color: "#333", weight: 1.5, dashArray: "8 6", fill: false, className: "ring" } })
          .bindTooltip(`${escapeHtml(p.name)}: ${p.radius_km} km`, { sticky: true })
          .addTo(layers.rings);
      }
    }
  }

  // --------------------------------------------------------------------------------------- scenario
  const replayState = { data: null, markers: [], timer: null };

  async function loadScenarios() {
    const doc = await getJSON("/api/scenarios");
    const sel = $("scenario");
    for (const s of doc.scenarios) {
      const opt = document.createElement("option");
      opt.value = s.name;
      opt.textContent = s.valid ? `${s.name}${s.source === "data" ? " (data folder)" : ""}` : `${s.name} (invalid)`;
      opt.disabled = !s.valid;
      if (!s.valid) opt.title = s.error;
      sel.appendChild(opt);
    }
    for (const s of doc.skipped || []) {
      const opt = document.createElement("option");
      opt.value = s.file;
      opt.textContent = `${s.file} (skipped)`;
      opt.disabled = true;
      opt.title = s.reason;
      sel.appendChild(opt);
    }
    if (doc.default) {
      sel.value = doc.default;
      await loadScenario();
    } else {
      $("replay-status").textContent = "no scenario can be replayed with this catalog";
    }
    sel.addEventListener("change", loadScenario);
    $("load-replay").addEventListener("click", loadReplay);
    $("seed").addEventListener("change", loadReplay);
  }

  async function loadScenario() {
    const name = $("scenario").value;
    layers.routes.clearLayers();
    try {
      const doc = await getJSON(`/api/routes?scenario=${encodeURIComponent(name)}`);
      L.geoJSON(doc, {
        pane: "routes",
        style: (f) => (f.properties.kind === "route" ? { color: "#7a3e9d", weight: 2, dashArray: "2 5", className: "route" } : {}),
        pointToLayer: (f, latlng) => {
          const p = f.properties;
          if (p.kind === "asset") {
            return L.circle(latlng, { radius: p.radius_km * 1000, color: "#2e7d32", weight: 1.5, fillOpacity: 0.1, className: "asset" })
              .bindTooltip(`defended: ${escapeHtml(p.name)}`);
          }
          return L.circleMarker(latlng, { radius: 3, color: "#444", weight: 1, fillColor: "#fff", fillOpacity: 1, className: "unit" })
            .bindTooltip(`${escapeHtml(p.kind)}: ${escapeHtml(p.name)}`);
        },
        onEachFeature: (f, layer) => {
          if (f.properties.kind === "route") {
            layer.bindTooltip(`raid ${escapeHtml(f.properties.name)}: ${f.properties.count} × ${escapeHtml(f.properties.target_name)} (${f.properties.altitudes.join(" → ")})`, { sticky: true });
          }
        },
      }).addTo(layers.routes);
    } catch (err) {
      $("replay-status").textContent = err.message;
    }
    await loadReplay();
  }

  async function loadReplay() {
    const name = $("scenario").value;
    const seed = $("seed").value;
    stop();
    $("replay-status").textContent = `running ${name}, seed ${seed}…`;
    $("replay-slider").disabled = true;
    try {
      const data = await getJSON(`/api/replay?scenario=${encodeURIComponent(name)}&seed=${encodeURIComponent(seed)}`);
      replayState.data = data;
      layers.threats.clearLayers();
      replayState.markers = data.threats.map((th) =>
        L.circleMarker([0, 0], { radius: 4.5, weight: 1, color: "#fff", fillOpacity: 1, className: "threat-marker" })
          .bindTooltip(`#${th.threat} ${escapeHtml(th.target)} (${escapeHtml(th.raid)}): ${th.outcome}`));
      const slider = $("replay-slider");
      slider.max = String(data.times_s.length - 1);
      slider.value = "0";
      slider.disabled = false;
      $("play").disabled = false;
      const s = data.summary;
      $("replay-status").textContent =
        `${s.threats} threats: ${s.killed} killed, ${s.leaked} leaked; ${s.interceptors_launched} interceptors`;
      showTime(0);
    } catch (err) {
      $("replay-status").textContent = `replay failed: ${err.message}`;
    }
  }

  function showTime(k) {
    const data = replayState.data;
    if (!data) return;
    const t = data.times_s[k];
    let flying = 0, killed = 0, leaked = 0;
    data.threats.forEach((th, i) => {
      const m = replayState.markers[i];
      const p = th.track[k];
      let colour = null, pos = null;
      if (p) {
        pos = p; colour = "#1565c0"; flying++;
      } else if (t >= th.end_s && t >= th.launch_s && th.outcome !== "survived") {
        pos = th.end;
        colour = th.outcome === "killed" ? "#222" : "#e53935";
        th.outcome === "killed" ? killed++ : leaked++;
      }
      if (pos) {
        m.setLatLng([pos[0], pos[1]]);
        m.setStyle({ fillColor: colour, radius: p ? 4.5 : 3.5 });
        if (!layers.threats.hasLayer(m)) layers.threats.addLayer(m);
      } else if (layers.threats.hasLayer(m)) {
        layers.threats.removeLayer(m);
      }
    });
    $("replay-time").textContent = fmtTime(t);
    $("replay-counts").textContent = `in flight ${flying} · killed ${killed} · leaked ${leaked} (seed ${data.seed}, positions every ${data.step_s} s)`;
  }

  function stop() {
    if (replayState.timer) clearInterval(replayState.timer);
    replayState.timer = null;
    $("play").textContent = "▶ Play";
  }

  $("replay-slider").addEventListener("input", (e) => showTime(Number(e.target.value)));
  $("play").addEventListener("click", () => {
    if (replayState.timer) return stop();
    const slider = $("replay-slider");
    if (Number(slider.value) >= Number(slider.max)) slider.value = "0";
    $("play").textContent = "❚❚ Pause";
    replayState.timer = setInterval(() => {
      const next = Number(slider.value) + 1;
      if (next > Number(slider.max)) return stop();
      slider.value = String(next);
      showTime(next);
    }, 120);
  });

  bindToggle("toggle-routes", layers.routes);
  bindToggle("toggle-threats", layers.threats);
  loadLayers()
    .catch((err) => { $("study-terrain").textContent = `could not load the data folder: ${err.message}`; })
    .finally(() => loadScenarios().catch((err) => { $("replay-status").textContent = err.message; }))
    .finally(() => bordersLoaded)
    .finally(() => document.body.setAttribute("data-ready", "1"));
})();
