"""GCJ-02 ↔ WGS-84: the published Baotun reference point, round trips, outside China."""

from __future__ import annotations

import numpy as np
import pytest
from osmnx.distance import great_circle

from planner.streets.coords import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_arrays,
    wgs84_to_gcj02,
    wgs84_to_gcj02_arrays,
)

# Houjie Wanda Plaza as a store locator publishes it (GCJ-02), and its WGS-84 position
BAOTUN_GCJ = (22.943034, 113.675062)
BAOTUN_WGS = (22.94589, 113.66994)


def test_baotun_reference_point_moves_613_metres():
    lat, lon = gcj02_to_wgs84(*BAOTUN_GCJ)
    assert lat == pytest.approx(BAOTUN_WGS[0], abs=1e-5)
    assert lon == pytest.approx(BAOTUN_WGS[1], abs=1e-5)
    assert great_circle(*BAOTUN_GCJ, lat, lon) == pytest.approx(613, abs=1)


def test_forward_of_the_inverse_is_the_given_point():
    lat, lon = gcj02_to_wgs84(*BAOTUN_GCJ)
    back = wgs84_to_gcj02(lat, lon)
    assert back[0] == pytest.approx(BAOTUN_GCJ[0], abs=1e-7)
    assert back[1] == pytest.approx(BAOTUN_GCJ[1], abs=1e-7)


def test_round_trip_across_china_within_a_millionth_of_a_degree():
    rng = np.random.default_rng(7)
    lats = rng.uniform(18.0, 53.0, 2000)
    lons = rng.uniform(74.0, 134.0, 2000)
    glat, glon = wgs84_to_gcj02_arrays(lats, lons)
    wlat, wlon = gcj02_to_wgs84_arrays(glat, glon)
    assert np.abs(wlat - lats).max() < 1e-6
    assert np.abs(wlon - lons).max() < 1e-6
    # and the shift itself is the few hundred metres everyone knows, never zero
    shift = great_circle(lats, lons, glat, glon)
    assert shift.min() > 0 and shift.max() < 1000


def test_arrays_agree_with_the_scalar_functions():
    lats = np.array([22.95, 22.93, 39.99])
    lons = np.array([113.67, 113.69, 116.32])
    wlat, wlon = gcj02_to_wgs84_arrays(lats, lons)
    for i in range(3):
        assert (wlat[i], wlon[i]) == gcj02_to_wgs84(float(lats[i]), float(lons[i]))


@pytest.mark.parametrize("point", [(48.8566, 2.3522), (-33.86, 151.21), (60.0, 110.0)])
def test_points_outside_china_are_unchanged(point):
    assert gcj02_to_wgs84(*point) == point
    assert wgs84_to_gcj02(*point) == point


def test_empty_arrays_give_empty_arrays():
    wlat, wlon = gcj02_to_wgs84_arrays([], [])
    assert wlat.shape == (0,) and wlon.shape == (0,)
