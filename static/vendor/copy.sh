#!/usr/bin/env bash
# Re-vendor the map's browser libraries from the npm registry at the versions pinned in package-lock.json, and copy
# only the files the map serves (with each package's licence) into this folder. The app never fetches them at run
# time: they are committed, and Streamlit serves them at /app/static/vendor/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
nm="$work/node_modules"
copy() {  # copy SRC (relative to node_modules) to DEST (relative to this folder)
  mkdir -p "$here/$(dirname "$2")"; cp -r "$nm/$1" "$here/$2"
}
rm -rf "$here/leaflet" "$here/jquery" "$here/bootstrap" "$here/awesome-markers" "$here/fontawesome" "$here/markercluster" \
  "$here/vectorgrid"
copy leaflet/dist/leaflet.js leaflet/leaflet.js
copy leaflet/dist/leaflet.css leaflet/leaflet.css
copy leaflet/dist/images leaflet/images
copy leaflet/LICENSE leaflet/LICENSE
copy jquery/dist/jquery.min.js jquery/jquery.min.js
copy jquery/LICENSE.txt jquery/LICENSE.txt
copy bootstrap/dist/js/bootstrap.bundle.min.js bootstrap/bootstrap.bundle.min.js
copy bootstrap/dist/css/bootstrap.min.css bootstrap/bootstrap.min.css
copy bootstrap/LICENSE bootstrap/LICENSE
copy leaflet.awesome-markers/dist/leaflet.awesome-markers.js awesome-markers/leaflet.awesome-markers.js
copy leaflet.awesome-markers/dist/leaflet.awesome-markers.css awesome-markers/leaflet.awesome-markers.css
copy leaflet.awesome-markers/dist/images awesome-markers/images
copy leaflet.awesome-markers/LICENSE awesome-markers/LICENSE
copy @fortawesome/fontawesome-free/css/all.min.css fontawesome/css/all.min.css
copy @fortawesome/fontawesome-free/webfonts fontawesome/webfonts
copy @fortawesome/fontawesome-free/LICENSE.txt fontawesome/LICENSE.txt
copy leaflet.markercluster/dist/leaflet.markercluster.js markercluster/leaflet.markercluster.js
copy leaflet.markercluster/dist/MarkerCluster.css markercluster/MarkerCluster.css
copy leaflet.markercluster/dist/MarkerCluster.Default.css markercluster/MarkerCluster.Default.css
copy leaflet.markercluster/MIT-LICENCE.txt markercluster/LICENSE 2>/dev/null || \
  node -e 'console.log("MIT licence, see https://github.com/Leaflet/Leaflet.markercluster (package.json: "+require(process.argv[1]).license+")")' "$nm/leaflet.markercluster/package.json" > "$here/markercluster/LICENSE"
# Leaflet.VectorGrid's bundle carries pbf, vector-tile, point-geometry, ieee754, topojson-client and whatwg-fetch:
# their licences beside it; VectorGrid itself ships none, its package.json says "Beerware".
copy leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js vectorgrid/Leaflet.VectorGrid.bundled.min.js
node -e 'console.log("Leaflet.VectorGrid " + require(process.argv[1]).version + ": licence \"" + require(process.argv[1]).license + "\" (package.json), https://github.com/Leaflet/Leaflet.VectorGrid")' "$nm/leaflet.vectorgrid/package.json" > "$here/vectorgrid/LICENSE"
for dep in pbf vector-tile point-geometry ieee754 topojson-client whatwg-fetch; do
  for f in LICENSE LICENSE.txt LICENSE.md; do
    [ -f "$nm/$dep/$f" ] && { echo; echo "== $dep"; cat "$nm/$dep/$f"; } >> "$here/vectorgrid/LICENSE" && break
  done
done
echo "vendored into $here"
