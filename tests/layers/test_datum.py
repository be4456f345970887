"""GCJ-02 -> WGS-84 conversion: right size, right direction, consistent with prcoords."""

from __future__ import annotations

import numpy as np
import prcoords
import pyproj
import shapely

from layers.datum import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    geometries_gcj02_to_wgs84,
    geometries_wgs84_to_gcj02,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")
# cpca's seat of 达川区 (an AMap coordinate, hence GCJ-02).
DACHUAN_GCJ = (107.511749, 31.196157)


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_shift_of_a_known_point_is_a_few_hundred_metres_west_and_north() -> None:
    lon, lat = gcj02_to_wgs84(*DACHUAN_GCJ)
    shift = float(_metres(DACHUAN_GCJ[0], DACHUAN_GCJ[1], lon, lat))
    assert 100 < shift < 700
    # GCJ-02 lies east and south of WGS-84 here: the true point is west and north.
    assert lon < DACHUAN_GCJ[0]
    assert lat > DACHUAN_GCJ[1]


def test_inverse_reproduces_the_forward_shift_to_a_millimetre() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(102.0, 111.0, 10_000)
    lat = rng.uniform(26.0, 34.0, 10_000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.001


def test_agrees_with_the_independent_prcoords_implementation() -> None:
    rng = np.random.default_rng(11)
    for lon, lat in zip(rng.uniform(103, 110, 50), rng.uniform(28, 33, 50), strict=True):
        expected = prcoords.gcj_wgs_bored((lat, lon))
        got_lon, got_lat = gcj02_to_wgs84(lon, lat)
        assert float(_metres(expected.lon, expected.lat, got_lon, got_lat)) < 0.05
        forward = prcoords.wgs_gcj((lat, lon))
        f_lon, f_lat = wgs84_to_gcj02(lon, lat)
        assert float(_metres(forward.lon, forward.lat, f_lon, f_lat)) < 0.001


def test_baidu_bd09_agrees_with_prcoords() -> None:
    rng = np.random.default_rng(13)
    lon, lat = rng.uniform(103, 110, 50), rng.uniform(28, 33, 50)
    got_lon, got_lat = bd09_to_wgs84(lon, lat)
    for i in range(50):
        expected = prcoords.bd_wgs_bored((lat[i], lon[i]))
        assert float(_metres(expected.lon, expected.lat, got_lon[i], got_lat[i])) < 0.5
    # Baidu's extra shift is larger than GCJ-02's alone: typically about a kilometre.
    assert 300 < float(_metres(lon[0], lat[0], got_lon[0], got_lat[0])) < 2000


def test_points_outside_china_pass_through_unchanged() -> None:
    lon, lat = gcj02_to_wgs84(np.array([2.35, 151.2]), np.array([48.85, -33.87]))
    np.testing.assert_array_equal(lon, [2.35, 151.2])
    np.testing.assert_array_equal(lat, [48.85, -33.87])


def test_geometries_convert_every_vertex_and_keep_their_shape() -> None:
    square = shapely.box(107.4, 31.1, 107.6, 31.3)
    line = shapely.LineString([(107.5, 31.2), (108.4, 30.8)])
    converted = geometries_gcj02_to_wgs84([square, line])
    assert converted[0].geom_type == "Polygon" and converted[1].geom_type == "LineString"
    assert shapely.get_num_coordinates(converted[0]) == shapely.get_num_coordinates(square)
    first = shapely.get_coordinates(converted[1])[0]
    expected = gcj02_to_wgs84(107.5, 31.2)
    np.testing.assert_allclose(first, [float(expected[0]), float(expected[1])])
    round_trip = geometries_wgs84_to_gcj02(converted)
    np.testing.assert_allclose(
        shapely.get_coordinates(round_trip[0]), shapely.get_coordinates(square), atol=1e-8
    )


def test_empty_input_gives_empty_output() -> None:
    lon, lat = gcj02_to_wgs84(np.array([]), np.array([]))
    assert lon.size == 0 and lat.size == 0
