"""The science map (科普地图) with a tile provider configured, and without one, in a real browser.

With ``KEPURI_MAP_TILES=tianditu`` (and its key, a 审图号 and ``KEPURI_MAP_TILE_URL`` pointing at a
stand-in tile server here, since nothing outside can be reached) the proxy hands the site its settings
as /site-settings.json, its Content-Security-Policy lets images come from the stand-in, and "near me"
is drawn on the provider's tiles (天地图's vec_w streets and cva_w labels, each tile fetched from the
stand-in with the key) with the provider's attribution and 审图号 in the map's corner; a point picked on
the tiled map becomes the centre of the 30-minute circle. Without the setting (the journeys' own
platform) the same page draws the offline map (SVG for all China, ECharts on a canvas below it and near me) and fetches no tile.

Each step is screenshotted to build/journeys/<test>/ and checked (axe-core, console errors, policy
violations: a tile the policy refused would fail the step), at a phone's and a desk's width.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, expect

from cli.site import build_site
from harness.kepuri_up import RunningUp, kepuri_up
from harness.ports import free_port

from .conftest import Site, operators
from .site_support import ARTEFACTS, Journey, new_journey

KEY = "standinkey42"
APPROVAL = "测试审图号"
# where the browser is placed for "near me": 渭南市临渭区
WEINAN = {"latitude": 34.4998, "longitude": 109.5101}


def png(width: int, height: int, pixel: bool) -> bytes:
    """A 256x256 tile: a pale ground with a darker border (so the tiles show as a grid), or, for the
    label layer, fully transparent."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            edge = x in (0, width - 1) or y in (0, height - 1)
            rows += (bytes((196, 205, 214, 255)) if edge else bytes((238, 242, 236, 255))) if pixel else bytes(4)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    )


@dataclass
class TileStandIn:
    """A tile server speaking 天地图's WMTS query (``/<layer>/wmts?TILEMATRIX=&TILEROW=&TILECOL=&tk=``)
    and the plain ``/<z>/<x>/<y>.png`` of other providers; ``served`` lists what it answered."""

    port: int
    served: list[dict[str, str]] = field(default_factory=list)

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{layer}}/wmts?TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}"


@pytest.fixture(scope="module")
def tile_standin() -> Iterator[TileStandIn]:
    standin = TileStandIn(free_port())
    ground, labels = png(256, 256, True), png(256, 256, False)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = url.path.strip("/").split("/")
            if len(parts) == 2 and parts[1] == "wmts" and {"TILEMATRIX", "TILEROW", "TILECOL"} <= query.keys():
                tile = {"layer": parts[0], "z": query["TILEMATRIX"], "x": query["TILECOL"], "y": query["TILEROW"]}
                tile["tk"] = query.get("tk", "")
            elif len(parts) == 3 and parts[2].endswith(".png"):
                tile = {"layer": "xyz", "z": parts[0], "x": parts[1], "y": parts[2].removesuffix(".png"), "tk": ""}
            else:
                self.send_error(404)
                return
            standin.served.append(tile)
            body = labels if tile["layer"] == "cva" else ground
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", standin.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield standin
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tiled_site(web_root: Path, tile_standin: TileStandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The platform as ``kepuri up`` starts it with 天地图 configured, its tiles from the stand-in."""
    build_site(web_root)
    data = tmp_path_factory.mktemp("map-tiles")
    settings = {
        "KEPURI_MAP_TILES": "tianditu",
        "KEPURI_MAP_TILE_KEY": KEY,
        "KEPURI_MAP_TILE_APPROVAL": APPROVAL,
        "KEPURI_MAP_TILE_URL": tile_standin.template,
    }
    with kepuri_up(data / "data", settings=settings, log_dir=data) as up:
        operators(up, ("seed", "--data-dir", str(data / "data")))
        yield Site(up)


def open_map(browser: Browser, up: RunningUp, name: str, viewport: str) -> Journey:
    """A person at 渭南 who lets the site use their location, on the map page."""
    person = new_journey(browser, up.site, ARTEFACTS / name, viewport)
    person.page.context.grant_permissions(["geolocation"], origin=up.site)
    person.page.context.set_geolocation(WEINAN)
    person.goto("/map")
    expect(person.page.get_by_role("heading", name="科普地图")).to_be_visible()
    return person


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_near_me_is_drawn_on_the_configured_providers_tiles(
    tiled_site: Site, tile_standin: TileStandIn, browser: Browser, viewport: str
) -> None:
    person = open_map(browser, tiled_site.up, f"test_map_tiles-{viewport}", viewport)
    page = person.page
    try:
        # the regions stay the offline map (SVG, with the 南海诸岛 inset), the source line names the tiles
        expect(page.locator(".map-page__map .country-map__nanhai")).to_be_visible()
        expect(page.get_by_text(f"“我附近”底图：© 天地图 审图号：{APPROVAL}")).to_be_visible()
        person.step("map-regions")
        before = len(tile_standin.served)

        page.get_by_role("button", name="我附近（30 分钟科普圈）").click()
        expect(page.get_by_text("我的位置周围 15 公里")).to_be_visible()
        tiles = page.locator(".leaflet-tile-loaded")
        expect(tiles.first).to_be_visible()
        expect(page.locator(".leaflet-control-attribution")).to_have_text(f"© 天地图 审图号：{APPROVAL}")
        expect(page.locator(".leaflet-overlay-pane path")).to_have_count(2)  # the circle and its centre
        person.step("near-me-on-tiles")

        served = tile_standin.served[before:]
        layers = {tile["layer"] for tile in served}
        assert layers == {"vec", "cva"}, served  # 天地图's streets and their labels
        assert {tile["tk"] for tile in served} == {KEY}
        assert len(served) >= 2 * 4, f"the stand-in served {len(served)} tiles"
        assert tiles.count() >= 4
        # the circle round 渭南 at Leaflet's zoom 10 to 12 covers the tiles there
        zooms = {int(tile["z"]) for tile in served}
        assert zooms & {10, 11, 12}, zooms

        page.get_by_role("button", name="在地图上选点").click()
        expect(page.get_by_text("点按地图上的一个位置。")).to_be_visible()
        box = page.locator(".map-tiles").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
        expect(page.get_by_text("地图上选的点周围 15 公里")).to_be_visible()
        # the view is fitted round the new circle: the circle (the first path) fills most of the map
        # (the layers are drawn again when the list of activities near the point arrives: measured
        # in the page, so a path replaced between finding and measuring it is not a failure)
        page.wait_for_function(
            """(least) => {
                const ring = document.querySelector('.leaflet-overlay-pane path')
                return ring !== null && ring.getBoundingClientRect().width > least
            }""",
            arg=box["width"] * 0.4,
        )
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the map page is {overflow}px wider than a {viewport}"
        person.step("picked-on-tiles")
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_without_a_provider_near_me_is_the_offline_map(site: Site, browser: Browser, viewport: str) -> None:
    person = open_map(browser, site.up, f"test_map_offline-{viewport}", viewport)
    page = person.page
    try:
        settings = page.evaluate("() => fetch('/site-settings.json').then((r) => r.json())")
        assert settings == {"map": {"tiles": "", "key": "", "url": "", "approval": ""}}
        expect(page.get_by_text("底图：")).to_have_count(0)

        # all China is plain SVG with the 南海诸岛 inset; a tap on a province drills down to its cities,
        # drawn by ECharts (its chunk loads only then)
        expect(page.locator(".map-page__map .country-map__nanhai")).to_be_visible()
        expect(page.locator(".map-page__map canvas")).to_have_count(0)
        page.locator('.country-map__province[data-code="51"]').click()
        expect(page.get_by_role("navigation", name="地区层级").get_by_text("四川省")).to_be_visible()
        expect(page.locator(".map-page__map canvas").first).to_be_visible()
        person.step("province-drilled")
        page.get_by_role("navigation", name="地区层级").get_by_role("button", name="全国").click()
        expect(page.locator(".map-page__map .country-map__nanhai")).to_be_visible()

        page.get_by_role("button", name="我附近（30 分钟科普圈）").click()
        expect(page.get_by_text("我的位置周围 15 公里")).to_be_visible()
        expect(page.locator(".map-page__map canvas").first).to_be_visible()
        expect(page.locator(".leaflet-container")).to_have_count(0)
        requested = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)")
        assert not [url for url in requested if "wmts" in url or "autonavi" in url or "tianditu" in url]
        person.step("near-me-offline")
    finally:
        page.context.close()
