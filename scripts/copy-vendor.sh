#!/bin/sh
# Copies the front-end packages installed by `npm ci` into the git-ignored static/vendor folder.
set -eu
dest="$1"
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons" "$dest/tabulator" "$dest/htmx" "$dest/alpinejs" "$dest/xlsx" \
  "$dest/swagger-ui"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp -r node_modules/bootstrap-icons/font/fonts "$dest/bootstrap-icons/"
cp node_modules/tabulator-tables/dist/css/tabulator_bootstrap5.min.css "$dest/tabulator/"
cp node_modules/tabulator-tables/dist/js/tabulator.min.js "$dest/tabulator/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/alpinejs/dist/cdn.min.js "$dest/alpinejs/alpine.min.js"
cp node_modules/xlsx/dist/xlsx.full.min.js "$dest/xlsx/"
# The API docs (/api/v1/docs) run Swagger UI from these, never from a CDN: they work offline.
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css "$dest/swagger-ui/"
