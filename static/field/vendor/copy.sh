#!/usr/bin/env bash
# Re-vendor the field app's browser libraries from the npm registry at the versions pinned in package-lock.json, and
# copy only the files the app serves (with each package's licence) into this folder. The app never fetches them at
# run time: they are committed, served at /field/vendor/ and kept offline by the service worker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
nm="$work/node_modules"
cp "$nm/piexifjs/piexif.js" "$here/piexif.js"
cp "$nm/piexifjs/LICENSE.txt" "$here/piexif.LICENSE.txt"
echo "vendored into $here"
