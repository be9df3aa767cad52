"""Distances on the sphere for the near-me search.

Each placed activity stores the unit vector of its position. The squared chord between two unit
vectors is a strictly increasing function of their great-circle (haversine) distance, and it is
plain arithmetic, so both databases can filter and order by it exactly, with no trigonometry in
SQL. An index narrows the rows first: each placed activity also stores its latitude *band*
(:data:`BANDS_PER_DEGREE` bands a degree), and the index on (band, longitude, position) reads, for each
band the circle's bounding box crosses, just the stretch of longitudes the box spans (one range per
band), answering the distance from the index alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 200.0
# The 2024 notice asks for a "30分钟科普服务圈" (a 30-minute science service circle) around
# venues. Thirty minutes by city bus, metro or e-bike, door to door, covers about 12–15 km in a
# Chinese city; 15 km is the radius of that circle here.
PRESETS_KM = {"30min": 15.0}
# Latitude bands of 0.05° (5.6 km): a 5 km circle crosses 2 or 3 of them, the 15 km circle 6 or 7.
BANDS_PER_DEGREE = 20


@dataclass(frozen=True, slots=True)
class Circle:
    """A search area: a centre (degrees, WGS-84/GCJ-02 alike at this scale) and a radius in km."""

    latitude: float
    longitude: float
    radius_km: float

    def bounding_box(self) -> tuple[float, float, float, float]:
        """(south, north, west, east) in degrees, a little larger than the circle."""
        margin = self.radius_km * 1.001
        dlat = math.degrees(margin / EARTH_RADIUS_KM)
        cos_lat = max(math.cos(math.radians(self.latitude)), 1e-6)
        dlon = min(math.degrees(margin / (EARTH_RADIUS_KM * cos_lat)), 180.0)
        return self.latitude - dlat, self.latitude + dlat, self.longitude - dlon, self.longitude + dlon

    def bands(self) -> list[int]:
        """The latitude bands (see :func:`band_of`) the bounding box crosses."""
        south, north, _, _ = self.bounding_box()
        return list(range(band_of(south), band_of(north) + 1))

    def centre_vector(self) -> tuple[float, float, float]:
        return unit_vector(self.latitude, self.longitude)

    def chord_squared_limit(self) -> float:
        """The squared chord of the radius: a point is inside when its squared chord is at most this."""
        return chord_squared_of(self.radius_km)


def band_of(latitude: float) -> int:
    """The latitude band a latitude is in; a migration computes the same as ``floor(latitude * 20)``."""
    return math.floor(latitude * BANDS_PER_DEGREE)


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    """The position on the unit sphere."""
    lat, lon = math.radians(latitude), math.radians(longitude)
    return math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)


def chord_squared_of(distance_km: float) -> float:
    return (2 * math.sin(min(distance_km / EARTH_RADIUS_KM, math.pi) / 2)) ** 2


def distance_of_chord_squared(chord_squared: float) -> float:
    """The great-circle distance in km whose squared chord is ``chord_squared``."""
    half = min(math.sqrt(max(chord_squared, 0.0)) / 2, 1.0)
    return 2 * EARTH_RADIUS_KM * math.asin(half)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(math.sqrt(h), 1.0))
