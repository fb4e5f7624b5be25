"""The web playground: plain HTTP on the websocket port, and the page driven in headless Chromium.

The HTTP tests always run (urllib against a real server with the tiny model). The
browser tests (marker ``browser``) drive Debian's ``chromium`` through ``chromedriver``
with selenium and are skipped when either is missing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from sapling.blocks import BlockVocab
from sapling.game_data import full_state
from sapling.render import BACKGROUND, FLOOR, block_color
from sapling.schematic import read_structure
from sapling.server.app import BackgroundServer, ServerSettings
from sapling.server.web import CONTENT_SECURITY_POLICY, lookup

TOKEN = "playground-secret-1"


def http_url(srv: BackgroundServer, path: str = "/") -> str:
    return f"http://127.0.0.1:{srv.server.port}{path}"


def get(srv: BackgroundServer, path: str):
    """(status, headers, body) of a plain GET."""
    try:
        with urllib.request.urlopen(http_url(srv, path), timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# --- plain HTTP ------------------------------------------------------------------------------

def test_the_page_and_its_files_are_served_with_safe_headers(server):
    status, headers, body = get(server, "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "connect-src 'self' ws: wss:" in CONTENT_SECURITY_POLICY
    page = body.decode()
    assert '<canvas id="view"' in page and 'src="app.js"' in page and "://" not in page  # nothing external
    for path, kind in [("/index.html", "text/html"), ("/app.js", "text/javascript"), ("/view.js", "text/javascript"),
                       ("/style.css", "text/css"), ("/favicon.svg", "image/svg+xml")]:
        status, headers, body = get(server, path)
        assert status == 200 and headers["Content-Type"] == f"{kind}; charset=utf-8", path
        assert int(headers["Content-Length"]) == len(body) > 0
    status, _, body = get(server, "/?token=whatever")  # the query string does not matter
    assert status == 200 and b"<canvas" in body


@pytest.mark.parametrize("path", ["/nope", "/static/app.js", "/../pyproject.toml", "/app.js/", "/palette"])
def test_other_paths_are_404(server, path):
    status, headers, body = get(server, path)
    assert status == 404 and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert b"not found" in body


def test_palette_has_the_png_preview_colours(server):
    status, headers, body = get(server, "/palette.json")
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    palette = json.loads(body)
    leaves = "minecraft:birch_leaves[distance=1,persistent=false]"
    assert palette["blocks"]["birch_leaves"]["side"] == list(block_color(leaves, "side"))
    assert palette["background"] == list(BACKGROUND) and palette["floor"] == list(FLOOR)
    assert palette["blocks"]["stone"]["side"] == list(block_color("minecraft:stone"))  # beyond the vocabulary
    # Every state the model can produce, every face the page draws: the page's rule gives block_color.
    faces = {"top": "up", "bottom": "down", "x": "west", "z": "north"}
    for state in BlockVocab.default().states[1:]:
        for face, direction in faces.items():
            assert lookup(palette, state, face) == block_color(state, direction), (state, face)
    # Post-processed states carry properties the vocabulary drops: they resolve by block name.
    log = "minecraft:spruce_log[axis=x]"
    assert lookup(palette, log, "x") == block_color(log, "east") != lookup(palette, log, "top")
    assert lookup(palette, "minecraft:modded_thing", "top") is None  # the page hashes unknown names


def test_the_websocket_still_works_on_the_same_port(server):
    with connect(server.url) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=30)) == {"type": "pong"}
    with connect(server.url + "/any/path?x=1") as ws:  # upgrades pass through on every path
        ws.send(json.dumps({"type": "info"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "info"


def test_with_a_token_the_page_is_public_and_the_websocket_is_not(tiny_pipeline):
    with BackgroundServer(tiny_pipeline, ServerSettings(port=0, token=TOKEN)) as srv:
        status, _, body = get(srv, "/")
        assert status == 200 and b"<canvas" in body
        assert get(srv, "/palette.json")[0] == 200
        with connect(srv.url) as ws:
            assert json.loads(ws.recv(timeout=30))["code"] == "unauthorized"
        with connect(f"{srv.url}/?token={TOKEN}") as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=30)) == {"type": "pong"}


# --- in a real browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        why = "the browser tests need chromium and chromedriver (apt-get install chromium chromium-driver)"
        if os.environ.get("SAPLING_REQUIRE_BROWSER"):
            pytest.fail(why + "; SAPLING_REQUIRE_BROWSER is set (CI installs them)")
        pytest.skip(why)
    webdriver = pytest.importorskip("selenium.webdriver", reason="the browser tests need selenium")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", "--force-device-scale-factor=1",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console errors: CSP violations, ...
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser):
    """The browser, left on a blank page afterwards (the next test starts clean)."""
    yield browser
    browser.get("about:blank")


def wait(driver, condition, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def text(driver, element_id: str) -> str:
    return driver.find_element("id", element_id).text


def open_page(driver, srv: BackgroundServer) -> None:
    driver.get(http_url(srv))
    wait(driver, lambda d: text(d, "connection") == "connected" and d.find_element("id", "generate").is_enabled())


def fill(driver, element_id: str, value) -> None:
    element = driver.find_element("id", element_id)
    element.clear()
    element.send_keys(str(value))


def generate(driver, prompt: str, seed: int | None = None) -> None:
    """Type a prompt (and seed), press Generate, wait for the result to reach the gallery."""
    before = len(driver.find_elements("css selector", "#gallery li"))
    fill(driver, "prompt", prompt)
    if seed is not None:
        fill(driver, "seed", seed)
    driver.find_element("id", "generate").click()
    wait(driver, lambda d: len(d.find_elements("css selector", "#gallery li")) == before + 1)


def canvas_block_pixels(driver) -> int:
    """Pixels of the canvas screenshot that are neither background nor floor plate."""
    from PIL import Image

    image = Image.open(io.BytesIO(driver.find_element("id", "view").screenshot_as_png)).convert("RGB")
    near = lambda p, c: sum(abs(a - b) for a, b in zip(p, c)) <= 24  # noqa: E731
    return sum(count for count, p in image.getcolors(1 << 24) if not near(p, BACKGROUND) and not near(p, FLOOR))


@pytest.mark.browser
def test_generate_view_metrics_download_and_gallery(page, server, tmp_path):
    page.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    open_page(page, server)
    # Controls take the server's defaults (the tiny pipeline samples 2 steps).
    assert page.find_element("id", "steps").get_attribute("value") == "2"
    assert page.find_element("id", "guidance").get_attribute("value") == "1"
    assert page.find_element("id", "size").get_attribute("value") == "normal"
    empty = canvas_block_pixels(page)

    generate(page, "birch tree", seed=5)
    assert canvas_block_pixels(page) > max(400, 2 * empty)
    blocks = int(text(page, "m-blocks"))
    assert blocks > 0 and text(page, "m-seed") == "5"
    assert text(page, "m-connectivity").endswith("%") and text(page, "m-purity").endswith(")")
    assert " s per tree, request " in text(page, "m-time")

    page.find_element("id", "download").click()
    path = tmp_path / "birch-tree-5.schem"
    wait(page, lambda d: path.is_file() and not list(tmp_path.glob("*.crdownload")))
    # The file holds the tree on screen (same blocks, same origin frame).
    shown = page.execute_script("return Object.fromEntries(window.sapling.view.blocks)")
    expected = {tuple(map(int, k.split(","))): state for k, state in shown.items()}
    # (The file names every property of each state: the game's defaults spelled out.)
    assert read_structure(path).block_dict() == {p: full_state(s) for p, s in expected.items()}
    assert len(expected) == blocks
    # The page colours blocks with the previews' palette.
    for state, face, direction in [("minecraft:birch_log[axis=x]", "x", "east"),
                                   ("minecraft:birch_log[axis=x]", "top", "up"),
                                   ("minecraft:birch_leaves[distance=3,persistent=false]", "z", "south")]:
        colour = page.execute_script("return window.sapling.blockColor(arguments[0], arguments[1])", state, face)
        assert tuple(colour) == block_color(state, direction)

    # Drag orbits, the wheel zooms in.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

    view = page.find_element("id", "view")
    camera = "const v = window.sapling.view.view; return [v.yaw, v.pitch, v.zoom]"
    yaw, pitch, zoom = page.execute_script(camera)
    ActionChains(page).click_and_hold(view).move_by_offset(-120, 40).release().perform()
    turned = page.execute_script(camera)
    assert turned[0] > yaw and turned[1] > pitch and turned[2] == zoom
    pixels = canvas_block_pixels(page)
    ActionChains(page).scroll_from_origin(ScrollOrigin.from_element(view), 0, -400).perform()
    assert page.execute_script(camera)[2] > 1.5 * zoom
    wait(page, lambda d: canvas_block_pixels(d) > 1.5 * pixels)  # the next frame shows the bigger tree

    # A second tree joins the gallery; clicking the first shows it again.
    generate(page, "spruce tree", seed=6)
    items = page.find_elements("css selector", "#gallery li")
    assert len(items) == 2 and "spruce tree" in items[0].text and "birch tree" in items[1].text
    assert items[0].find_element("tag name", "img").get_attribute("src").startswith("data:image/png")
    items[1].find_element("tag name", "button").click()
    assert text(page, "m-seed") == "5" and int(text(page, "m-blocks")) == blocks
    assert "current" in items[1].get_attribute("class")
    assert not [e for e in page.get_log("browser") if e["level"] == "SEVERE"]  # no CSP violation, no 404


# Before the page's scripts: while window.dropSpecies is set, the page's socket delivers every
# message without its `species`, as a server from before the field would send it.
DROP_SPECIES = """
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  addEventListener(type, listener, ...rest) {
    if (type !== "message") return super.addEventListener(type, listener, ...rest);
    return super.addEventListener(type, (event) => {
      if (!window.dropSpecies) return listener(event);
      const msg = JSON.parse(event.data);
      delete msg.species;
      return listener(new MessageEvent("message", { data: JSON.stringify(msg) }));
    }, ...rest);
  }
};
"""


@pytest.mark.browser
def test_the_species_and_how_it_was_chosen_are_shown(page, server):
    from sapling.prompts import species_prior

    script = page.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": DROP_SPECIES})["identifier"]
    try:
        open_page(page, server)
        assert text(page, "m-species") == "–"  # nothing generated yet
        generate(page, "birch tree", seed=5)
        plain = "birch (from the prompt's words)"
        species = page.find_element("id", "m-species")
        assert species.text == plain and species.get_attribute("title") == species_prior("birch tree").why
        button = page.find_element("css selector", "#gallery li button")
        assert f"species: {plain}" in button.get_attribute("title")

        why = species_prior("Birke").why  # another language: the page says which word chose it
        assert why.startswith("birch: ")
        generate(page, "Birke", seed=5)
        assert text(page, "m-species") == f"birch (from the prompt: {why.removeprefix('birch: ')})"

        generate(page, "a tree", seed=5)  # no tree named: the model chose
        assert text(page, "m-species").endswith(f" (the model's own choice; {species_prior('a tree').why})")

        page.execute_script("window.dropSpecies = true")  # an older server: no species in the reply
        generate(page, "oak tree", seed=5)
        items = page.find_elements("css selector", "#gallery li")
        assert text(page, "m-species") == "–" and page.find_element("id", "m-species").get_attribute("title") == ""
        assert "species: –" in items[0].find_element("tag name", "button").get_attribute("title")
        items[-1].find_element("tag name", "button").click()  # the birch tree again: its species too
        assert text(page, "m-species") == plain
        assert not [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        page.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})


@pytest.mark.browser
def test_errors_appear_next_to_their_control(page, server):
    open_page(page, server)
    fill(page, "steps", 999)  # above the server's max_steps
    fill(page, "prompt", "oak tree")
    page.find_element("id", "generate").click()
    wait(page, lambda d: text(d, "steps-error"))
    assert "field 'sampling_steps'" in text(page, "steps-error") and "999" in text(page, "steps-error")
    assert page.find_element("id", "steps").get_attribute("aria-invalid") == "true"
    assert text(page, "generate-error") == "" and text(page, "prompt-error") == ""
    assert page.find_element("id", "generate").is_enabled()  # ready for the next try

    fill(page, "steps", 2)
    fill(page, "guidance", 25)
    page.find_element("id", "generate").click()
    wait(page, lambda d: text(d, "guidance-error"))
    assert "field 'guidance_scale'" in text(page, "guidance-error") and text(page, "steps-error") == ""

    fill(page, "guidance", 1)
    page.find_element("id", "prompt").clear()
    page.find_element("id", "generate").click()
    assert text(page, "prompt-error")  # checked before anything is sent


@pytest.mark.browser
def test_a_token_server_asks_for_the_token(page, tiny_pipeline):
    with BackgroundServer(tiny_pipeline, ServerSettings(port=0, token=TOKEN)) as srv:
        page.get(http_url(srv))
        wait(page, lambda d: d.find_element("id", "token").is_displayed())
        assert text(page, "connection") == "this server needs a token"
        assert not page.find_element("id", "generate").is_enabled()
        fill(page, "token", "not-the-token")
        page.find_element("id", "connect").click()
        wait(page, lambda d: text(d, "token-error") == "wrong token")
        fill(page, "token", TOKEN)
        page.find_element("id", "connect").click()
        wait(page, lambda d: text(d, "connection") == "connected" and d.find_element("id", "generate").is_enabled())
        generate(page, "oak tree", seed=1)
        assert int(text(page, "m-blocks")) > 0
        stored = page.execute_script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
        assert TOKEN not in stored and TOKEN not in page.current_url


@pytest.mark.browser
def test_a_lost_connection_is_shown_and_retried(page, tiny_pipeline):
    first = BackgroundServer(tiny_pipeline, ServerSettings(port=0)).start()
    port = first.server.port
    try:
        open_page(page, first)
    finally:
        first.stop()  # the server goes away with the page still open: its connection is closed
    wait(page, lambda d: text(d, "connection").startswith("connection lost; retrying in"))
    assert not page.find_element("id", "generate").is_enabled()
    with BackgroundServer(tiny_pipeline, ServerSettings(port=port)) as second:
        wait(page, lambda d: text(d, "connection") == "connected", timeout=30)
        generate(page, "birch tree", seed=2)
        assert int(text(page, "m-blocks")) > 0
        assert second.server.port == port
        page.get("about:blank")
