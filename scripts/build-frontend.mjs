// Builds static/dist/ from static/src/ and the pinned govuk-frontend package.
// Built files are not committed; `make run` and `make test` run this when they are missing or stale.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "static", "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "static", "src", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "slash-div"],
});
writeFileSync(join(out, "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets"), join(out, "assets"), { recursive: true });
cpSync(join(root, "static", "js"), join(out, "js"), { recursive: true });

// Leaflet (pinned in package.json) for the provider directory's map: script, styles and the
// images its styles refer to, kept side by side so the relative URLs in leaflet.css resolve.
// The source map goes too: leaflet.js names it, and collectstatic's manifest refuses a
// reference to a missing file.
const leaflet = join(root, "node_modules", "leaflet", "dist");
mkdirSync(join(out, "leaflet"), { recursive: true });
for (const file of ["leaflet.js", "leaflet.js.map", "leaflet.css"]) {
  cpSync(join(leaflet, file), join(out, "leaflet", file));
}
cpSync(join(leaflet, "images"), join(out, "leaflet", "images"), { recursive: true });

// Leaflet-Geoman (pinned in package.json): the drawing tool on the placement search's map. Its
// icons are data URIs inside its CSS, so there are no images to copy; the source maps go for the
// same reason as Leaflet's.
const geoman = join(root, "node_modules", "@geoman-io", "leaflet-geoman-free", "dist");
mkdirSync(join(out, "geoman"), { recursive: true });
for (const file of [
  "leaflet-geoman.min.js",
  "leaflet-geoman.min.js.map",
  "leaflet-geoman.css",
  "leaflet-geoman.css.map",
]) {
  cpSync(join(geoman, file), join(out, "geoman", file));
}
console.log(`front end built into ${out}`);
