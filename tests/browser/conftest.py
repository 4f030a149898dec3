"""Browser suite fixtures: a strict build of the site, a local server, one headless Chromium.

- The site is built once per session into a temporary folder (`mkdocs build --strict`). Set
  BRKDOC_SITE_DIR to a built site (for example `site/` after `make build`) to test that instead.
- It is served on 127.0.0.1 under /brkdoc/, the path GitHub Pages serves it under, and a missing
  path gets the site's 404.html with status 404, as on GitHub Pages.
- Chromium is Debian's `chromium` package (Playwright cannot download its own browser here), or the
  executable named by BRKDOC_CHROMIUM (CI on GitHub's Ubuntu runners points it at Google Chrome).
- Every page is visited once, in a fresh browser context, and what the visit saw is cached, so the
  per-page checks in test_pages.py share one page load.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from . import scripts
from .site import AXE_SCRIPT, BASE_PATH, ROOT, SitePage

CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LOCAL_HOST = "127.0.0.1"
# File types GitHub Pages serves gzip-compressed to browsers that accept it.
COMPRESSED = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".map"}
# WCAG AA for normal text; axe applies the same bar to HTML text.
MINIMUM_CONTRAST = 4.5


def _chromium_executable() -> str:
    named = os.environ.get("BRKDOC_CHROMIUM")
    if named:
        if shutil.which(named):
            return named
        pytest.fail(f"BRKDOC_CHROMIUM={named} is not an executable", pytrace=False)
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    message = "chromium is missing: install Debian's `chromium` package (apt-get install chromium)"
    can_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if os.environ.get("CI") or can_install:
        pytest.fail(message + " or set BRKDOC_CHROMIUM", pytrace=False)
    pytest.skip(message + "; not root with apt, so `make test` could not install it")


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A strict build of the site (or the one BRKDOC_SITE_DIR names)."""
    named = os.environ.get("BRKDOC_SITE_DIR")
    if named:
        path = Path(named).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"BRKDOC_SITE_DIR={named} holds no built site", pytrace=False)
        return path
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if build.returncode != 0:
        tail = "\n".join((build.stdout + build.stderr).strip().splitlines()[-20:])
        pytest.fail(f"mkdocs build --strict failed:\n{tail}", pytrace=False)
    return out


def _handler_for(site: Path) -> type[SimpleHTTPRequestHandler]:
    class SiteHandler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def do_GET(self) -> None:
            if not self.path.startswith(BASE_PATH):
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            if self.path == BASE_PATH + "sitemap.xml":
                self._send_local_sitemap()
                return
            self.path = "/" + self.path[len(BASE_PATH) :]
            file = Path(self.translate_path(self.path))
            if file.is_dir() and self.path.split("?")[0].endswith("/"):
                file = file / "index.html"
            if file.suffix in COMPRESSED and file.is_file() and self._accepts_gzip():
                self._send_gzipped(file)
                return
            super().do_GET()

        def _accepts_gzip(self) -> bool:
            return "gzip" in self.headers.get("Accept-Encoding", "")

        def _send_gzipped(self, file: Path) -> None:
            """Text files go out gzip-compressed, as GitHub Pages sends them, so the bytes a page
            transfers here are the bytes it transfers for a reader."""
            body = gzip.compress(file.read_bytes(), compresslevel=6, mtime=0)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", self.guess_type(str(file)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _send_local_sitemap(self) -> None:
            """The sitemap with its addresses moved to this server.

            Material's instant loading follows only links the sitemap lists, and it matches them
            by protocol, host and port. Deployed, the sitemap's site_url addresses are the
            addresses readers use; here the site runs on another origin, so the origin is
            swapped, as `mkdocs serve` does by rewriting site_url.
            """
            host, port = cast(tuple[str, int], self.server.server_address)
            origin = f"http://{host}:{port}"
            text = (site / "sitemap.xml").read_text(encoding="utf-8")
            body = re.sub(r"<loc>https?://[^/<]+", f"<loc>{origin}", text).encode()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            page = site / "404.html"
            if code != HTTPStatus.NOT_FOUND or not page.is_file():
                super().send_error(code, message, explain)
                return
            body = page.read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests report what matters."""

    return SiteHandler


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    """The site's address, e.g. http://127.0.0.1:40123/brkdoc/ (the port is chosen by the OS)."""
    server = ThreadingHTTPServer((LOCAL_HOST, 0), _handler_for(site_dir))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_address[1]}{BASE_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = _chromium_executable()
    chromium = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_FLAGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class Traffic:
    """What a browser context asked for and what its pages complained about."""

    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def _keep_local(traffic: Traffic) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            traffic.foreign.append(url)
            route.abort()

    return handle


def watch(page: Page, traffic: Traffic) -> None:
    """Record console errors and uncaught exceptions of one page."""
    page.on(
        "console",
        lambda message: (
            traffic.console_errors.append(
                f"console.{message.type}: {message.text} ({message.location.get('url', '')})"
            )
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))


@dataclass
class Session:
    """A browser context that only reaches 127.0.0.1, and its traffic."""

    context: BrowserContext
    traffic: Traffic

    def new_page(self) -> Page:
        page = self.context.new_page()
        watch(page, self.traffic)
        return page


def open_session(browser: Browser, base_url: str, **options: Any) -> Session:
    traffic = Traffic()
    context = browser.new_context(base_url=base_url, **options)
    context.route("**/*", _keep_local(traffic))
    return Session(context, traffic)


@pytest.fixture
def session(browser: Browser, base_url: str) -> Iterator[Session]:
    """A fresh context (empty cache and storage) with clipboard access granted."""
    opened = open_session(
        browser,
        base_url,
        permissions=["clipboard-read", "clipboard-write"],
        viewport={"width": 1280, "height": 900},
    )
    try:
        yield opened
    finally:
        opened.context.close()


@dataclass
class Visit:
    """Everything one visit of a page saw, for the per-page checks."""

    page: SitePage
    url: str
    status: int
    console_errors: list[str]
    foreign_requests: list[str]
    transferred: int
    resources: list[tuple[int, str]]
    axe_light: list[dict[str, Any]]
    axe_dark: list[dict[str, Any]]
    dark_scheme: dict[str, str]
    diagram_problems: list[str]
    links: list[dict[str, str]]


def _visit(browser: Browser, base_url: str, page_info: SitePage) -> Visit:
    opened = open_session(browser, base_url, viewport={"width": 1280, "height": 900})
    finished: list[Any] = []

    def record(request: Any) -> None:
        # A plain function: Playwright cannot take a builtin such as list.append as a handler.
        finished.append(request)

    opened.context.on("requestfinished", record)
    try:
        page = opened.new_page()
        response = page.goto(page_info.path, wait_until="load")
        page.wait_for_load_state("networkidle")
        status = response.status if response else 0
        resources: list[tuple[int, str]] = []
        for request in finished:
            sizes = request.sizes()
            resources.append(
                (sizes["responseBodySize"] + sizes["responseHeadersSize"], request.url)
            )
        links = page.evaluate(scripts.COLLECT_LINKS)
        page.add_style_tag(content=scripts.NO_TRANSITIONS)
        inject_axe(page)
        axe_light = page.evaluate(scripts.RUN_AXE)
        switch_to_dark(page)
        dark_scheme = page.evaluate(scripts.SCHEME)
        axe_dark = page.evaluate(scripts.RUN_AXE)
        diagram_problems = page.evaluate(scripts.DIAGRAM_CONTRAST, MINIMUM_CONTRAST)
        return Visit(
            page=page_info,
            url=page.url,
            status=status,
            console_errors=list(opened.traffic.console_errors),
            foreign_requests=list(opened.traffic.foreign),
            transferred=sum(size for size, _ in resources),
            resources=sorted(resources, reverse=True),
            axe_light=axe_light,
            axe_dark=axe_dark,
            dark_scheme=dark_scheme,
            diagram_problems=diagram_problems,
            links=links,
        )
    finally:
        opened.context.close()


def inject_axe(page: Page) -> None:
    """Load axe-core into the page. Through the DevTools protocol, not a <script> tag: the
    site's Content Security Policy refuses inline scripts it does not know, as it should."""
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))


def switch_to_dark(page: Page) -> None:
    """Click Material's palette toggle until the dark (slate) scheme shows; at most once round."""
    for _ in range(3):
        if page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate":
            return
        page.locator("form[data-md-component='palette'] label:visible").first.click()
    if page.evaluate("document.body.getAttribute('data-md-color-scheme')") != "slate":
        pytest.fail("the palette toggle never switched to the dark scheme", pytrace=False)


def follow_link(page: Page, path: str) -> None:
    """Go to `path` as a reader does, through a real <a> that Material's instant navigation
    intercepts, and wait until the new page's content has replaced the old one."""
    page.evaluate(scripts.FOLLOW_LINK, path)
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    # The address changes first; the new page's content replaces the old one right after.
    page.wait_for_function(
        "() => document.querySelector('.md-content article:not([data-brkdoc-left])') !== null"
    )


@pytest.fixture(scope="session")
def visit(browser: Browser, base_url: str) -> Callable[[SitePage], Visit]:
    """visit(page) loads the page once per session and returns what the load saw."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT.relative_to(ROOT)} is missing: run `npm ci`", pytrace=False)
    seen: dict[str, Visit] = {}

    def get(page_info: SitePage) -> Visit:
        if page_info.path not in seen:
            seen[page_info.path] = _visit(browser, base_url, page_info)
        return seen[page_info.path]

    return get


EXTERNAL_LINKS = pytest.StashKey[set[str]]()
# Transferred bytes per page, filled by the weight test and reported at the end of the run.
PAGE_WEIGHTS = pytest.StashKey[dict[str, int]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[EXTERNAL_LINKS] = set()
    config.stash[PAGE_WEIGHTS] = {}


def summary_sections(config: pytest.Config) -> list[tuple[str, list[str]]]:
    """What the suite reports at the end: the heaviest pages and the external links."""
    sections: list[tuple[str, list[str]]] = []
    weights = config.stash.get(PAGE_WEIGHTS, {})
    if weights:
        heaviest = sorted(weights.items(), key=lambda item: -item[1])[:5]
        lines = [f"{size:>10,} B  /{path}" for path, size in heaviest]
        sections.append(("page weight: transferred bytes, heaviest first", lines))
    links = config.stash.get(EXTERNAL_LINKS, set())
    if links:
        sections.append((f"external links on the site: {len(links)} (listed, not fetched)",
                         sorted(links)))  # fmt: skip
    return sections


def pytest_sessionfinish(session: pytest.Session) -> None:
    # On a pytest-xdist worker nothing is printed: hand the report to the controller, which
    # prints it (the root conftest's pytest_testnodedown and pytest_terminal_summary).
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["brkdoc_summary"] = summary_sections(session.config)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    for title, lines in summary_sections(config):
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
