"""Browser tests: Debian's headless Chromium, driven by Playwright, against a real `hub serve` on the demo data.

The demo data is what `make run` serves: `hub seed`, then `hub resolve` and `hub score`, in a data directory of this
session's own. The page is built from ui/ (npm ci, vite) when ui/dist is missing or older than its sources.
Screenshots of the main views go to HUB_SCREENSHOTS (e.g. docs/screenshots), else to the session's tmp dir.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, free_port, run_hub, start_serve, stop

CHROMIUM = Path("/usr/bin/chromium")
UI = REPO / "ui"
# without the background-networking flags Chromium keeps calling home, which floods a closed network
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ui_stale() -> bool:
    built = UI / "dist" / "index.html"
    if not built.exists():
        return True
    sources = [UI / "package-lock.json", UI / "index.html", UI / "graphiql.html", UI / "vite.config.js"]
    sources += list((UI / "src").rglob("*"))
    return max(p.stat().st_mtime for p in sources if p.is_file()) > built.stat().st_mtime


def build_ui() -> None:
    """npm ci and vite build, as `make` does; only when the sources changed since the last build."""
    if not ui_stale():
        return
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed: the analyst page is built with Node 20 and npm (see the README)")
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        done = subprocess.run(command, cwd=UI, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="package")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo data, seeded, resolved and scored (what `make run` serves)."""
    data = tmp_path_factory.mktemp("ui-demo")
    for args in (("seed",), ("resolve",), ("score", "--top", "1")):
        done = run_hub(data, *args, timeout=600)
        assert done.returncode == 0, f"hub {' '.join(args)}: {done.stderr[-2000:]}"
    return data


@pytest.fixture(scope="package")
def hub_url(demo_dir: Path) -> Iterator[str]:
    """A real `hub serve` on the demo data, serving the built page at /ui."""
    build_ui()
    port = free_port()
    process = start_serve(demo_dir, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="package")
def token(demo_dir: Path) -> Callable[[str, str], str]:
    """A development token for (agency, role), for the few API calls a test makes to find its subject."""
    tokens: dict[tuple[str, str], str] = {}

    def make(agency: str, role: str) -> str:
        if (agency, role) not in tokens:
            done = run_hub(demo_dir, "token", "--agency", agency, "--role", role)
            assert done.returncode == 0, done.stderr
            tokens[agency, role] = done.stdout.strip()
        return tokens[agency, role]

    return make


# package scope, not session: Playwright's sync API keeps an event loop running in the main thread while it is open,
# and the tests after this package call asyncio.run()
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, hub_url: str) -> Iterator[Any]:
    """A fresh browser context (no session left by another test) whose requests never leave the hub."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    outside: list[str] = []
    context.on("request", lambda r: None if r.url.startswith((hub_url, "data:", "blob:")) else outside.append(r.url))
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text[:200]))
    tab.set_default_timeout(30_000)
    tab.base = hub_url
    try:
        yield tab
    finally:
        context.close()
    assert not outside, f"requests left the machine: {outside[:5]}"
    assert not errors, f"errors on the page: {errors[:5]}"


SHRINK = """async ({src, width}) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = Math.round(img.height * width / img.width);
  const g = canvas.getContext('2d');
  g.imageSmoothingQuality = 'high';
  g.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}"""


@pytest.fixture(scope="package")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Any, str], Path]:
    chosen = os.environ.get("HUB_SCREENSHOTS")
    target = Path(chosen) if chosen else tmp_path_factory.mktemp("shots")
    target.mkdir(parents=True, exist_ok=True)

    def shoot(page: Any, name: str) -> Path:
        """The view as seen, scaled down to 800 px wide by the browser itself (no imaging library needed)."""
        path = target / f"{name}.png"
        shot = base64.b64encode(page.screenshot()).decode()
        scratch = page.context.new_page()
        try:
            small = scratch.evaluate(SHRINK, {"src": f"data:image/png;base64,{shot}", "width": 800})
        finally:
            scratch.close()
        path.write_bytes(base64.b64decode(small.split(",", 1)[1]))
        return path

    return shoot
