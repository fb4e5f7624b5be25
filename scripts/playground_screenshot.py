"""Screenshot the web playground after generating trees with the shipped model (docs/images/playground.png).

    python scripts/playground_screenshot.py [--seed 3] [--out docs/images/playground.png]

Starts ``sapling serve``'s server on a free loopback port with the default model, drives
headless Chromium (Debian's ``chromium`` + ``chromium-driver``, through selenium) through a
few prompts so the gallery has entries, and saves the browser window as a PNG.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from sapling.generate import default_checkpoint
from sapling.model.pipeline import TreePipeline
from sapling.server.app import BackgroundServer, ServerSettings, model_info

# The last prompt is the one on screen; the others fill the gallery.
PROMPTS = ["cherry tree", "spruce tree", "oak tree", "tall birch tree"]


def chromium(profile: str, width: int, height: int) -> webdriver.Chrome:
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        raise SystemExit("needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 f"--window-size={width},{height}", "--force-device-scale-factor=1", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("docs/images/playground.png"))
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=1000)
    args = ap.parse_args()

    pipe = TreePipeline.from_checkpoint(default_checkpoint(), device="cpu")
    with BackgroundServer(pipe, ServerSettings(port=0), model_info(pipe, "default")) as srv, \
            tempfile.TemporaryDirectory() as profile:
        browser = chromium(profile, args.width, args.height)
        try:
            wait = WebDriverWait(browser, 120, poll_frequency=0.05)
            browser.get(f"http://127.0.0.1:{srv.server.port}/")
            wait.until(lambda d: d.find_element("id", "generate").is_enabled())
            for i, prompt in enumerate(PROMPTS):
                for element_id, value in (("prompt", prompt), ("seed", args.seed + i)):
                    field = browser.find_element("id", element_id)
                    field.clear()
                    field.send_keys(str(value))
                browser.find_element("id", "generate").click()
                wait.until(lambda d: len(d.find_elements("css selector", "#gallery li")) == i + 1)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(args.out))
            print(f"wrote {args.out}")
        finally:
            browser.get("about:blank")  # closes the websocket, so the server can stop
            browser.quit()


if __name__ == "__main__":
    main()
