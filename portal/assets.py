"""Serve Leaflet from the portal's own server, never from a CDN.

folium points every map at jsDelivr/cdnjs by default; on an intranet with no
internet the map is then blank. We copy Leaflet's files out of the installed
``XStatic-Leaflet`` package into ``static/`` next to ``streamlit_app.py``, which
Streamlit serves at ``/app/static/`` (``server.enableStaticServing``), and point
each map's ``default_js``/``default_css`` there. Leaflet.draw (for editors placing a
project) is vendored in ``portal/vendor/leaflet-draw`` (npm ``leaflet-draw``
1.0.4, MIT; see its README) and copied the same way. :func:`localise_map_assets`
refuses to hand a map to the browser while any element still names an outside
URL, so a later plugin cannot quietly reintroduce a CDN.
"""

from __future__ import annotations

import filecmp
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import folium
import folium.plugins
import xstatic.pkg.leaflet as xleaflet

from layers import REPO_ROOT
from layers.errors import OfflineAssetError

logger = logging.getLogger(__name__)

STATIC_DIR = REPO_ROOT / "static"
STATIC_URL = "/app/static"
LEAFLET_DIR = STATIC_DIR / "leaflet"
LEAFLET_JS_URL = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS_URL = f"{STATIC_URL}/leaflet/leaflet.css"
LEAFLET_VERSION = xleaflet.VERSION
_LEAFLET_FILES = ("leaflet.js", "leaflet.css")
DRAW_SOURCE = Path(__file__).parent / "vendor" / "leaflet-draw"
DRAW_JS_URL = f"{STATIC_URL}/leaflet-draw/leaflet.draw.js"
DRAW_CSS_URL = f"{STATIC_URL}/leaflet-draw/leaflet.draw.css"


def ensure_static_assets(static_dir: Path = STATIC_DIR) -> Path:
    """Copy Leaflet (JS, CSS, marker images) into the static folder if absent or stale.

    Returns
    -------
    Path
        The folder the Leaflet files now live in.
    """
    source = Path(xleaflet.BASE_DIR)
    target = static_dir / "leaflet"
    fresh = all(
        (target / name).is_file() and filecmp.cmp(source / name, target / name, shallow=False)
        for name in _LEAFLET_FILES
    )
    if not fresh:
        target.mkdir(parents=True, exist_ok=True)
        for name in _LEAFLET_FILES:
            shutil.copyfile(source / name, target / name)
        shutil.copytree(source / "images", target / "images", dirs_exist_ok=True)
        logger.info("assets: Leaflet %s copied to %s", LEAFLET_VERSION, target)
    draw = static_dir / "leaflet-draw"
    if not (draw / "leaflet.draw.js").is_file() or not filecmp.cmp(
        DRAW_SOURCE / "leaflet.draw.js", draw / "leaflet.draw.js", shallow=False
    ):
        shutil.copytree(DRAW_SOURCE, draw, dirs_exist_ok=True)
        logger.info("assets: Leaflet.draw copied to %s", draw)
    return target


def local_draw_plugin(**options: object) -> folium.plugins.Draw:
    """folium's Draw plugin pointed at the vendored Leaflet.draw (portal/vendor/leaflet-draw)."""
    draw = folium.plugins.Draw(**options)
    draw.default_js = [("leaflet_draw_js", DRAW_JS_URL)]
    draw.default_css = [("leaflet_draw_css", DRAW_CSS_URL)]
    return draw


def _elements(root: folium.Element) -> Iterator[folium.Element]:
    yield root
    for child in getattr(root, "_children", {}).values():
        yield from _elements(child)


def _is_local(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def localise_map_assets(fmap: folium.Map) -> folium.Map:
    """Point the map at the local Leaflet copy and check nothing else is remote.

    folium's own defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) serve
    only marker icons and popups styling we do not use, so they are dropped rather
    than vendored.

    Raises
    ------
    OfflineAssetError
        If any element of the map still loads a script or stylesheet from
        outside the portal's server.
    """
    fmap.default_js = [("leaflet", LEAFLET_JS_URL)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    remote = [
        f"{type(el).__name__}: {url}"
        for el in _elements(fmap)
        for _, url in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])]
        if not _is_local(url)
    ]
    if remote:
        raise OfflineAssetError(
            "The map would load web assets from outside the portal: " + "; ".join(remote)
        )
    return fmap
