// The placement search's map: progressive enhancement of the results list, which is the real
// content. Leaflet and Leaflet-Geoman (classic scripts, loaded with `defer` before this module)
// set window.L and L.PM. Without Leaflet the map stays hidden; without Geoman it is drawn but has
// no drawing tool, and the search form's coordinates field still takes a typed or pasted area.
//
// The drawn area lives in the form, not here: the ring is written into #id_polygon as
// "lng lat;lng lat;..." (ring not closed) and the radio area=drawn is chosen, so the search stays
// a GET URL that can be shared. Typing into #id_polygon redraws the area on the map.
const container = document.getElementById("search-map");
const dataScript = document.getElementById("search-map-data");
const L = window.L;

// Fallbacks only: the colours are set in app.scss (custom properties on .app-map--search) so the
// key and the markers cannot drift apart.
const FALLBACK = {
  "--app-map-band-20": "#00703c",
  "--app-map-band-40": "#ffdd00",
  "--app-map-band-60": "#f47738",
  "--app-map-band-over": "#d4351c",
  "--app-map-band-unknown": "#b1b4b6",
  "--app-map-outline": "#0b0c0c",
  "--app-map-area": "#003078",
  "--app-map-avoid": "#d4351c",
  "--app-map-drawn": "#1d70b8",
};
const HATCH_ID = "app-search-map-hatch";
const DECIMALS = 5;

// Point strings look like "lng lat;lng lat;...", as placements/search_forms.py parses them; a
// repeated closing point is dropped. Returns [lat, lng] pairs, or null when the text is not a
// ring of at least three points (the form then says what is wrong).
export function parseRing(text) {
  const points = [];
  for (const part of (text || "").split(";")) {
    if (!part.trim()) continue;
    const numbers = part.trim().split(/\s+/).map(Number);
    if (numbers.length !== 2 || numbers.some((n) => !Number.isFinite(n))) return null;
    const [lng, lat] = numbers;
    if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
    points.push([lat, lng]);
  }
  if (points.length > 1) {
    const [first, last] = [points[0], points[points.length - 1]];
    if (first[0] === last[0] && first[1] === last[1]) points.pop();
  }
  return points.length >= 3 ? points : null;
}

export function formatRing(latlngs) {
  let ring = latlngs;
  while (Array.isArray(ring[0])) ring = ring[0];
  return ring.map((p) => `${p.lng.toFixed(DECIMALS)} ${p.lat.toFixed(DECIMALS)}`).join(";");
}

// The server's bands (placements/search_views.py travel_band) → the key's colour names.
const BANDS = { "up-to-20": "20", "up-to-40": "40", "up-to-60": "60", "over-60": "over" };

function band(result) {
  return BANDS[result.band] || "unknown";
}

// The results come as rows of `data.columns` (every match, not only this page's: see
// placements/search_views.py _map_results). Minutes are already whole, and `journey` is the
// longest journey in the words of the server's one formatter (geo/journeys.py): an estimate
// reads as a range there, so the words are not rebuilt here.
function readResults(data) {
  const columns = data.columns || [];
  return (data.results || []).map((row) =>
    Object.fromEntries(columns.map((name, index) => [name, row[index]])),
  );
}

function describeMinutes(result) {
  if (result.minutes === null || result.minutes === undefined) return "Travel time not known";
  return `Longest journey ${result.journey}`;
}

// Popups and labels are built as elements, never HTML strings: names come from Ofsted's
// spreadsheet and labels from what officers type.
function paragraph(text) {
  const p = document.createElement("p");
  p.className = "govuk-body-s govuk-!-margin-bottom-1";
  p.textContent = text;
  return p;
}

function resultPopup(result, settingUrl) {
  const content = document.createElement("div");
  const heading = document.createElement("p");
  heading.className = "govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1";
  const link = document.createElement("a");
  link.href = settingUrl.replace("SC000000", encodeURIComponent(result.urn));
  link.className = "govuk-link";
  link.textContent = `URN ${result.urn}`;
  heading.append(link);
  content.append(heading);
  if (result.rank) content.append(paragraph(`Result ${result.rank}`));
  content.append(paragraph(describeMinutes(result)));
  if (result.approximate) {
    content.append(paragraph("Location approximate: the middle of its postcode district"));
  }
  return content;
}

function placeLabel(place) {
  const label = document.createElement("span");
  label.textContent = place.label;
  return label;
}

// A red hatch for areas to avoid, defined once in the overlay pane's SVG.
function addHatch(map, colour) {
  const svg = map.getPanes().overlayPane.querySelector("svg");
  if (!svg || svg.getElementById(HATCH_ID)) return;
  const ns = "http://www.w3.org/2000/svg";
  const defs = document.createElementNS(ns, "defs");
  const pattern = document.createElementNS(ns, "pattern");
  pattern.setAttribute("id", HATCH_ID);
  pattern.setAttribute("patternUnits", "userSpaceOnUse");
  pattern.setAttribute("width", "8");
  pattern.setAttribute("height", "8");
  pattern.setAttribute("patternTransform", "rotate(45)");
  const line = document.createElementNS(ns, "line");
  line.setAttribute("x1", "0");
  line.setAttribute("y1", "0");
  line.setAttribute("x2", "0");
  line.setAttribute("y2", "8");
  line.setAttribute("stroke", colour);
  line.setAttribute("stroke-width", "3");
  pattern.append(line);
  defs.append(pattern);
  svg.prepend(defs);
}

function drawSearchMap() {
  const data = JSON.parse(dataScript.textContent);
  const style = getComputedStyle(container);
  const colour = (name) => style.getPropertyValue(name).trim() || FALLBACK[name];
  const polygonInput = document.getElementById("id_polygon");
  const drawnRadio = document.querySelector('input[name="area"][value="drawn"]');

  container.hidden = false;
  const key = document.getElementById("search-map-key");
  if (key) key.hidden = false;

  const map = L.map(container, { scrollWheelZoom: false });
  L.tileLayer(container.dataset.tileUrl, {
    attribution: container.dataset.attribution,
    maxZoom: 18,
  }).addTo(map);

  // Everything but the drawn area is fixed: pmIgnore keeps Geoman's edit and remove tools off it.
  // The layers are built first and added once the map has a view: a vector layer added before
  // then can reach the shared SVG renderer before the renderer is ready, and Leaflet throws.
  const fixed = { pmIgnore: true };
  const bounds = L.latLngBounds([]);

  const avoid = L.featureGroup();
  for (const geometry of data.avoid || []) {
    L.geoJSON(geometry, {
      ...fixed,
      interactive: false,
      className: "app-map-avoid",
      color: colour("--app-map-avoid"),
      weight: 2,
      fillColor: colour("--app-map-avoid"),
      fillOpacity: 0.15,
    }).addTo(avoid);
  }

  let area = null;
  if (data.area) {
    area = L.geoJSON(data.area, {
      ...fixed,
      interactive: false,
      color: colour("--app-map-area"),
      weight: 3,
      dashArray: "8 6",
      fill: false,
    });
    bounds.extend(area.getBounds());
  }

  const results = L.featureGroup();
  const settingUrl = data.setting_url || "/providers/SC000000/";
  for (const result of readResults(data)) {
    if (result.lat == null || result.lng == null) continue;
    L.circleMarker([result.lat, result.lng], {
      ...fixed,
      className: `app-map-result app-map-result--${band(result)}`,
      radius: 7,
      color: colour("--app-map-outline"),
      weight: result.estimated ? 2 : 1.5,
      dashArray: result.estimated ? "3 3" : null,
      fillColor: colour(`--app-map-band-${band(result)}`),
      fillOpacity: 1,
    })
      .bindPopup(() => resultPopup(result, settingUrl))
      .addTo(results);
    bounds.extend([result.lat, result.lng]);
  }

  // Markers (HTML, in the marker pane) so places stay above every result; not interactive, as
  // their permanent label says everything a popup would.
  const places = L.featureGroup();
  for (const place of data.places || []) {
    if (place.lat == null || place.lng == null) continue;
    L.marker([place.lat, place.lng], {
      ...fixed,
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "app-map-place", iconSize: [14, 14] }),
    })
      .bindTooltip(placeLabel(place), {
        permanent: true,
        direction: "right",
        offset: [8, 0],
        className: "app-map-place-label",
      })
      .addTo(places);
    bounds.extend([place.lat, place.lng]);
  }

  const drawnStyle = {
    color: colour("--app-map-drawn"),
    weight: 3,
    fillColor: colour("--app-map-drawn"),
    fillOpacity: 0.1,
  };
  let drawn = null;

  function writeDrawn(value) {
    if (!polygonInput || polygonInput.value === value) return;
    polygonInput.value = value;
    polygonInput.dispatchEvent(new Event("input", { bubbles: true }));
    polygonInput.dispatchEvent(new Event("change", { bubbles: true }));
    if (value && drawnRadio && !drawnRadio.checked) {
      // A click (not just `checked = true`): GOV.UK Frontend's radios open the conditional reveal
      // on click, and a click on an unchecked radio also fires its input and change events.
      drawnRadio.click();
    }
  }

  function adopt(layer) {
    if (drawn && drawn !== layer) map.removeLayer(drawn);
    drawn = layer;
    layer.on("pm:edit", () => writeDrawn(formatRing(layer.getLatLngs())));
  }

  function showText(text) {
    const ring = parseRing(text);
    if (drawn) {
      map.removeLayer(drawn);
      drawn = null;
    }
    if (ring) adopt(L.polygon(ring, drawnStyle).addTo(map));
    return ring;
  }

  const initial = parseRing((polygonInput && polygonInput.value) || data.drawn || "");
  if (initial) bounds.extend(L.latLngBounds(initial));

  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
  } else {
    map.setView([52.6, -1.5], 6);
  }
  for (const layer of [avoid, area, results, places]) {
    if (layer) layer.addTo(map);
  }
  if (avoid.getLayers().length) addHatch(map, colour("--app-map-avoid"));
  if (initial) adopt(L.polygon(initial, drawnStyle).addTo(map));

  if (polygonInput) {
    polygonInput.addEventListener("change", () => {
      if (!drawn || formatRing(drawn.getLatLngs()) !== polygonInput.value.trim()) {
        showText(polygonInput.value);
      }
    });
  }

  if (map.pm) {
    // Plain words for the tool, in the service's terms rather than GIS ones.
    map.pm.setLang(
      "placement-search",
      {
        tooltips: {
          firstVertex: "Click to place the first corner",
          continueLine: "Click to place the next corner",
          finishPoly: "Click the first corner to finish",
        },
        actions: { removeLastVertex: "Remove last corner" },
        buttonTitles: {
          drawPolyButton: "Draw a search area",
          editButton: "Change the drawn area",
          deleteButton: "Remove the drawn area",
        },
      },
      "en",
    );
    map.pm.setGlobalOptions({
      allowSelfIntersection: false,
      snappable: false,
      pathOptions: drawnStyle,
      templineStyle: { color: drawnStyle.color },
      hintlineStyle: { color: drawnStyle.color, dashArray: [5, 5] },
    });
    map.pm.addControls({
      position: "topleft",
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawRectangle: false,
      drawPolygon: true,
      drawCircle: false,
      drawText: false,
      editMode: true,
      dragMode: false,
      cutPolygon: false,
      removalMode: true,
      rotateMode: false,
    });
    // Geoman puts each button's title on its wrapper, leaving the role=button link itself with
    // no accessible name; give it one.
    for (const button of container.querySelectorAll(".leaflet-buttons-control-button")) {
      const title = button.parentElement.getAttribute("title");
      if (title) button.setAttribute("aria-label", title);
    }
    map.on("pm:create", (event) => {
      if (event.shape !== "Polygon") return;
      adopt(event.layer);
      writeDrawn(formatRing(event.layer.getLatLngs()));
    });
    map.on("pm:remove", (event) => {
      if (event.layer !== drawn) return;
      drawn = null;
      writeDrawn("");
    });
  }
}

if (container && dataScript && L) {
  drawSearchMap();
}
