"""GCJ-02 ("Mars coordinates") to WGS-84 and back.

Chinese map services (Amap, Tencent, the store locators built on them) publish GCJ-02,
which is WGS-84 shifted by a few hundred metres by a fixed, public formula; OpenStreetMap
and the street graph are WGS-84. The forward formula is the standard one on the
Krasovsky ellipsoid; it has no closed-form inverse, so the inverse is iterated until the
forward image of the estimate is within 1e-7 degrees of the given point. Points outside
China's rough bounding box are not shifted by the services and are returned unchanged.

Each function takes scalars or numpy arrays (element-wise); the ``*_arrays`` variants
return arrays and are the ones to use for whole tables.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

A = 6378245.0
"""Semi-major axis of the Krasovsky 1940 ellipsoid that GCJ-02 is defined on, metres."""
EE = 0.00669342162296594323
"""First eccentricity squared of that ellipsoid."""
TOLERANCE_DEG = 1e-7
"""The inverse stops once the forward image is this close (about 1 cm)."""
MAX_ITERATIONS = 30

FloatArray = NDArray[np.float64]


def _outside_china(lat: FloatArray, lon: FloatArray) -> NDArray[np.bool_]:
    """The box the services use: outside it GCJ-02 equals WGS-84."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 shift (dlat, dlon) in degrees at a WGS-84 point, ignoring the China box."""
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - EE * np.sin(radlat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (A / sqrt_magic * np.cos(radlat) * pi)
    return dlat, dlon


def _as_arrays(lat: ArrayLike, lon: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lat_a, lon_a = np.broadcast_arrays(
        np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    )
    return lat_a.astype(np.float64), lon_a.astype(np.float64)


def wgs84_to_gcj02_arrays(lat: ArrayLike, lon: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 (lat, lon) arrays of WGS-84 points; points outside China unchanged."""
    lat_a, lon_a = _as_arrays(lat, lon)
    dlat, dlon = _offset(lat_a, lon_a)
    outside = _outside_china(lat_a, lon_a)
    return np.where(outside, lat_a, lat_a + dlat), np.where(outside, lon_a, lon_a + dlon)


def gcj02_to_wgs84_arrays(lat: ArrayLike, lon: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 (lat, lon) arrays of GCJ-02 points, iterated to 1e-7°; outside China unchanged."""
    lat_a, lon_a = _as_arrays(lat, lon)
    wlat, wlon = lat_a.copy(), lon_a.copy()
    for _ in range(MAX_ITERATIONS):
        dlat, dlon = _offset(wlat, wlon)
        err_lat = wlat + dlat - lat_a
        err_lon = wlon + dlon - lon_a
        wlat -= err_lat
        wlon -= err_lon
        if wlat.size == 0 or max(np.abs(err_lat).max(), np.abs(err_lon).max()) < TOLERANCE_DEG:
            break
    outside = _outside_china(lat_a, lon_a)
    return np.where(outside, lat_a, wlat), np.where(outside, lon_a, wlon)


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 (lat, lon) of a WGS-84 point; a point outside China is unchanged."""
    glat, glon = wgs84_to_gcj02_arrays(lat, lon)
    return float(glat), float(glon)


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """The WGS-84 (lat, lon) of a GCJ-02 point; a point outside China is unchanged."""
    wlat, wlon = gcj02_to_wgs84_arrays(lat, lon)
    return float(wlat), float(wlon)
