// The provider directory's map: progressive enhancement of the list, which is the real content.
// Leaflet (a classic script, loaded with `defer` before this module) sets window.L. If it or the
// tiles fail to load, the page still has the list and a sentence saying what the map would show.
const container = document.getElementById("settings-map");
const data = document.getElementById("map-points");
const L = window.L;

if (container && data && L) {
  const points = JSON.parse(data.textContent);
  container.hidden = false;
  const map = L.map(container, { preferCanvas: true, scrollWheelZoom: false });
  L.tileLayer(container.dataset.tileUrl, {
    attribution: container.dataset.attribution,
    maxZoom: 18,
  }).addTo(map);

  const markers = L.featureGroup();
  for (const point of points) {
    // Built as elements, not HTML strings: names come from Ofsted's spreadsheet.
    const link = document.createElement("a");
    link.href = point.url;
    link.className = "govuk-link";
    link.textContent = point.name;
    L.circleMarker([point.lat, point.lng], {
      radius: 6,
      color: "#0b0c0c",
      weight: 1,
      fillColor: "#1d70b8",
      fillOpacity: 0.9,
    })
      .bindPopup(link)
      .addTo(markers);
  }
  markers.addTo(map);
  if (points.length) {
    map.fitBounds(markers.getBounds(), { padding: [24, 24], maxZoom: 13 });
  } else {
    map.setView([52.6, -1.5], 6);
  }
}
