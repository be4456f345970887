"""GCJ-02 <-> WGS-84, vectorised over coordinate arrays and geometries.

GCJ-02 (the "Mars" datum used by AMap/Gaode and by the boundary and seat data we
install) is not an EPSG datum, so pyproj cannot do this: it is an obfuscation
function with no closed inverse. We take the forward function (WGS-84 -> GCJ-02)
from the maintained ``coordTransform`` package, whose C extension works on whole
NumPy arrays, and invert it by fixed-point iteration: each step corrects the
estimate by the forward function's error at that estimate. Two steps reach
centimetres, three reach well under a millimetre, which is far below anything a
county boundary or a seat point can claim.

The offset in Sichuan and Chongqing is about 300-600 m (GCJ-02 lies east and a
little south of the truth), large enough to put a reservoir on the wrong bank or
a seat in the neighbouring township, so every AMap-derived coordinate is converted
before it is stored in EPSG:4326.
"""

from __future__ import annotations

import numpy as np
import shapely
from coordTransform import coordTransform as _ct  # noqa: N813 - the package's own module name
from numpy.typing import ArrayLike, NDArray

# Mainland bounding box used by every GCJ-02 implementation: outside it the
# obfuscation is not applied, so points there pass through unchanged.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
_INVERSE_STEPS = 3


def _inside_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _vectorised(
    func, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Call one of coordTransform's array functions, keeping the input's shape."""
    if lon.size == 0:
        return lon.copy(), lat.copy()
    out_lon, out_lat = func(np.ravel(lon).copy(), np.ravel(lat).copy())
    return (
        np.asarray(out_lon, dtype=np.float64).reshape(lon.shape),
        np.asarray(out_lat, dtype=np.float64).reshape(lat.shape),
    )


def wgs84_to_gcj02(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shift WGS-84 coordinates into GCJ-02 (for drawing on an AMap basemap).

    Returns
    -------
    tuple of arrays
        GCJ-02 longitudes and latitudes, same shape as the input; points outside
        mainland China are returned unchanged.
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    glon, glat = _vectorised(_ct.wgs84_to_gcj02, lon_a, lat_a)
    inside = _inside_china(lon_a, lat_a)
    return np.where(inside, glon, lon_a), np.where(inside, glat, lat_a)


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Recover WGS-84 coordinates from GCJ-02 ones by iterating the forward shift.

    Returns
    -------
    tuple of arrays
        WGS-84 longitudes and latitudes whose forward shift reproduces the input to
        well under a millimetre.
    """
    glon = np.asarray(lon, dtype=np.float64)
    glat = np.asarray(lat, dtype=np.float64)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(_INVERSE_STEPS):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon = wlon - (flon - glon)
        wlat = wlat - (flat - glat)
    return wlon, wlat


def bd09_to_wgs84(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert Baidu BD-09 coordinates to WGS-84 (BD-09 is GCJ-02 shifted once more).

    coordTransform undoes Baidu's extra shift (a closed form); the GCJ-02 step is
    then inverted like any other GCJ-02 coordinate.
    """
    blon = np.asarray(lon, dtype=np.float64)
    blat = np.asarray(lat, dtype=np.float64)
    return gcj02_to_wgs84(*_vectorised(_ct.bd09_to_gcj02, blon, blat))


def _transform_xy(coords: NDArray[np.float64], *, to_wgs84: bool) -> NDArray[np.float64]:
    func = gcj02_to_wgs84 if to_wgs84 else wgs84_to_gcj02
    x, y = func(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def geometries_gcj02_to_wgs84(geoms: ArrayLike) -> NDArray[np.object_]:
    """Convert every vertex of a geometry array from GCJ-02 to WGS-84 in one pass.

    ``shapely.transform`` hands all vertices of all geometries to the converter
    as a single (N, 2) array, so a province's worth of boundaries is converted in
    one vectorised call rather than point by point.
    """
    return shapely.transform(
        np.asarray(geoms, dtype=object), lambda c: _transform_xy(c, to_wgs84=True)
    )


def geometries_wgs84_to_gcj02(geoms: ArrayLike) -> NDArray[np.object_]:
    """Convert every vertex of a geometry array from WGS-84 to GCJ-02 (AMap display)."""
    return shapely.transform(
        np.asarray(geoms, dtype=object), lambda c: _transform_xy(c, to_wgs84=False)
    )
