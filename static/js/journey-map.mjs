// One journey on a map (placements/templates/placements/journey.html): progressive enhancement
// of the numbered list of steps, which is the real content. Leaflet (a classic script, loaded
// with `defer` before this module) sets window.L; without it the map stays hidden.
const container = document.getElementById("journey-map");
const dataScript = document.getElementById("journey-map-data");
const L = window.L;

// Drives and buses are solid, walks dashed; an estimate (a straight line, not a real path) is
// dashed and grey whatever it is.
const STYLE = {
  drive: { color: "#1d70b8", weight: 5 },
  bus: { color: "#00703c", weight: 5 },
  walk: { color: "#0b0c0c", weight: 3, dashArray: "4 6" },
};
const ESTIMATED = { color: "#505a5f", weight: 3, dashArray: "8 8" };

if (container && dataScript && L) {
  const data = JSON.parse(dataScript.textContent);
  container.hidden = false;
  const map = L.map(container, { scrollWheelZoom: false });
  L.tileLayer(container.dataset.tileUrl, {
    attribution: container.dataset.attribution,
    maxZoom: 18,
  }).addTo(map);
  const drawn = L.featureGroup().addTo(map);
  for (const step of data.steps) {
    if (step.line.length < 2) continue;
    const style = step.estimated ? ESTIMATED : STYLE[step.kind] || STYLE.drive;
    // Text as a DOM node, never HTML: a stop's name comes from the operator's timetable.
    const label = document.createElement("span");
    label.textContent = step.words;
    L.polyline(step.line, { ...style, className: `app-journey-${step.kind}` })
      .bindTooltip(label)
      .addTo(drawn);
  }
  for (const [point, text] of [
    [data.setting, data.setting.name],
    [data.place, data.place.label],
  ]) {
    const label = document.createElement("span");
    label.textContent = text;
    L.circleMarker([point.lat, point.lng], {
      radius: 7,
      color: "#0b0c0c",
      weight: 2,
      fillColor: "#ffffff",
      fillOpacity: 1,
    })
      .bindTooltip(label)
      .addTo(drawn);
  }
  map.fitBounds(drawn.getBounds(), { padding: [24, 24], maxZoom: 16 });
}
