"""The in-page simulator: the playground page, the script API, the Run buttons, and what they load.

One browser context loads the runtime once for the module (a first load takes seconds); the
tests that count downloads or compare palettes open their own.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from brkdoc.doccheck.fences import find_fences
from brkdoc.playground.eligibility import verdict
from brkdoc.sim.profiles import PROFILES

from . import scripts
from .conftest import (
    MINIMUM_CONTRAST,
    Session,
    follow_link,
    inject_axe,
    open_session,
    switch_to_dark,
)
from .site import DOCS, ROOT, TEXT_PAGE_BUDGET, site_pages

pytestmark = pytest.mark.browser

RUNTIME_TIMEOUT = 180_000  # ms: a cold start compiles 9.6 MB of WebAssembly on a busy machine
PLAYGROUND = "playground/"
FRAGMENTATION = "simulator/fragmentation/"
# What the runtime fetches; none of it may load before a run is asked for.
RUNTIME_FILES = re.compile(r"/assets/(pyodide/|playground/brkdoc\.zip)|\.wasm(\?|$)")

TRACES = ROOT / "examples" / "traces"
# Hand-made traces for the cases the CS:APP ones miss: mmapped blocks, realloc across the
# threshold, a double free glibc detects, and bad input of several kinds.
HANDMADE = {
    "mixed.rep": "2\n6\na 0 40000\na 1 200000\nr 0 80000\nf 1\nr 0 300000\nf 0\n",
    "double-free.rep": "1\n3\na 0 24\nf 0\nf 0\n",
    "bad-op.rep": "1\n2\na 0 24\nx 0\n",
    "bad-count.rep": "1\n3\na 0 24\nf 0\n",
    "bad-free.rep": "2\n2\na 0 24\nf 1\n",
    "crlf.rep": "1\r\n2\r\na 0 5000\r\nf 0\r\n",
    "bad-utf8.rep": "1\n2\na 0 10\nf é\n",
    "form-feed.rep": "1\n3\na 0 10\x0cf 0\nx\n",
}
CSAPP = ("short1-bal.rep", "amptjp-bal.rep", "realloc-bal.rep")
BUNDLE = "assets/playground/brkdoc.zip"


@dataclass
class Loaded:
    """A page with the runtime loaded, and every request its context made."""

    page: Page
    session: Session
    base_url: str
    requests: list[str] = field(default_factory=list)


def _record_requests(session: Session, into: list[str]) -> None:
    def record(request: Request) -> None:
        into.append(request.url)

    session.context.on("request", record)


def _load_runtime(page: Page) -> None:
    page.evaluate("() => brkdocPlayground.load()")


def go(loaded: Loaded, path: str) -> Page:
    """Open `path` in the loaded page without reloading it, so the runtime stays loaded."""
    page = loaded.page
    here = page.url.split("?")[0]
    if here.endswith("/" + path):
        follow_link(page, loaded.base_url)
    follow_link(page, loaded.base_url + path)
    assert page.evaluate("window.__brkdocLoaded === true"), "the page was reloaded"
    return page


@pytest.fixture(scope="module")
def loaded(browser: Browser, base_url: str) -> Iterator[Loaded]:
    session = open_session(browser, base_url, viewport={"width": 1280, "height": 900})
    result = Loaded(session.new_page(), session, base_url)
    _record_requests(session, result.requests)
    result.page.set_default_timeout(RUNTIME_TIMEOUT)
    result.page.goto(PLAYGROUND, wait_until="load")
    _load_runtime(result.page)
    result.page.evaluate("window.__brkdocLoaded = true")
    try:
        yield result
    finally:
        session.context.close()


def _cli(trace: Path, glibc: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brkdoc", "simulate", "--jsonl", "--glibc", glibc, trace.name],
        capture_output=True,
        text=True,
        check=False,
        cwd=trace.parent,
    )


SIMULATE = """async ([text, glibc, file]) => {
  try {
    return {output: await brkdocPlayground.simulate(text, {glibc, file}), error: null};
  } catch (error) {
    return {output: error.output ?? null, error: error.message};
  }
}"""


def _trace_cases() -> list[tuple[str, str]]:
    cases = list(HANDMADE.items())
    cases += [(name, (TRACES / "csapp" / name).read_text()) for name in CSAPP]
    cases.append(("python-startup.rep", (TRACES / "python-startup.rep").read_text()))
    return cases


@pytest.mark.parametrize("glibc", list(PROFILES))
@pytest.mark.parametrize(("name", "text"), _trace_cases(), ids=[n for n, _ in _trace_cases()])
def test_simulate_equals_the_cli(
    loaded: Loaded, tmp_path: Path, name: str, text: str, glibc: str
) -> None:
    trace = tmp_path / name
    trace.write_bytes(text.encode())
    cli = _cli(trace, glibc)
    page = loaded.page.evaluate(SIMULATE, [text, glibc, name])
    if cli.returncode == 0:
        assert page["error"] is None, page["error"]
        assert page["output"] == cli.stdout
        assert cli.stdout.count("\n") > 1
    else:
        # The command's one error line is `brkdoc: ` and the message the page rejects with.
        assert cli.stderr == f"brkdoc: {page['error']}\n"
        assert page["output"] == cli.stdout
        assert re.match(re.escape(name) + r":\d+: ", page["error"])


def test_the_traces_cover_success_abort_and_bad_input(tmp_path: Path) -> None:
    """The cases above would prove little if every one succeeded (or every one failed)."""
    statuses = set()
    for name, text in _trace_cases():
        trace = tmp_path / name
        trace.write_bytes(text.encode())
        statuses.add(_cli(trace, next(iter(PROFILES))).returncode)
    assert statuses == {0, 1, 2}


def test_profiles_come_from_the_simulator(loaded: Loaded) -> None:
    assert loaded.page.evaluate("() => brkdocPlayground.profiles()") == list(PROFILES)
    options = (
        go(loaded, PLAYGROUND)
        .locator("#bp-glibc option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    assert options == list(PROFILES)


def _run_playground(page: Page, calls: str | None = None) -> None:
    if calls is not None:
        page.fill("#bp-input", calls)
    page.click("#bp-run")
    expect(page.locator("#bp-results")).to_be_visible(timeout=RUNTIME_TIMEOUT)
    expect(page.locator("#bp-status")).to_contain_text("Ran ")


def _inline_figures(page: Page) -> list[tuple[str, str]]:
    """A page's inline figures, (title, SVG as the browser serialises it)."""
    figures: list[tuple[str, str]] = page.locator("article svg").evaluate_all(
        """svgs => svgs.map(s => [s.querySelector("title")?.textContent ?? "", s.outerHTML])"""
    )
    return figures


def test_heap_map_after_the_four_block_example_matches_the_fragmentation_page(
    loaded: Loaded,
) -> None:
    page = go(loaded, FRAGMENTATION)
    shown = _inline_figures(page)
    go(loaded, PLAYGROUND)
    _run_playground(page)  # the page's own example: A..D = malloc(40000), free B, C, D
    compared = 0
    for step, title in ((5, "After free(B)"), (6, "After free(C)"), (7, "After free(D)")):
        page.locator("#bp-step").fill(str(step))
        expect(page.locator("#bp-step-label")).to_contain_text(f"Step {step} of 7")
        drawn = page.locator("#bp-map svg").evaluate("svg => svg.outerHTML")
        same_caption = [svg for caption, svg in shown if caption == title]
        assert same_caption, f"the fragmentation page has no figure titled {title!r}"
        assert drawn in same_caption
        compared += 1
    assert compared == 3


def test_playground_shows_bins_strace_timeline_and_the_abort(loaded: Loaded) -> None:
    page = go(loaded, PLAYGROUND)
    _run_playground(page, "a = malloc(24)\nb = malloc(300000)\nfree(a)\nfree(b)\nfree(a)")
    expect(page.locator("#bp-abort")).to_contain_text("free(): double free detected in tcache 2")
    expect(page.locator("#bp-abort")).to_contain_text("line 5")
    expect(page.locator("#bp-step-label")).to_contain_text("Step 4 of 4")
    expect(page.locator("#bp-bins")).to_contain_text("tcache bin 0")
    strace = page.locator("#bp-strace").inner_text()
    assert "mmap(NULL, 303104" in strace
    assert "munmap(" in strace
    assert page.locator("#bp-timeline svg").count() == 1
    page.locator("#bp-diff-from").fill("1")
    page.locator("#bp-diff-to").fill("3")
    page.click("#bp-diff")
    diff = page.locator("#bp-diff-out").inner_text()
    assert "mmapped -303,104 bytes" not in diff  # step 1 to 3 maps, then frees a only
    assert "mmap(NULL, 303104" in diff
    assert "mmapped +303,104 bytes" in diff


def test_bad_calls_name_their_line(loaded: Loaded) -> None:
    page = go(loaded, PLAYGROUND)
    page.fill("#bp-input", "a = malloc(10)\nfree(b)")
    page.click("#bp-run")
    expect(page.locator("#bp-status")).to_have_text("calls:2: free(b): b was never assigned")


def test_a_shared_address_opens_the_same_run(loaded: Loaded) -> None:
    page = go(loaded, PLAYGROUND)
    calls = "x = malloc(1000)\ny = calloc(4, 4096)\nx = realloc(x, 2000)\nmalloc_trim(0)"
    glibc = list(PROFILES)[-1]
    page.select_option("#bp-glibc", glibc)
    _run_playground(page, calls)
    page.locator("#bp-step").fill("2")
    page.click("#bp-share")
    link = page.locator("#bp-share-out").input_value()
    assert link == page.url
    other = loaded.session.new_page()
    other.goto(link, wait_until="load")
    assert other.locator("#bp-input").input_value() == calls
    assert other.locator("#bp-glibc").input_value() == glibc
    other.click("#bp-run")
    expect(other.locator("#bp-step-label")).to_contain_text("Step 2 of 4", timeout=RUNTIME_TIMEOUT)
    expect(other.locator("#bp-status")).to_contain_text(f"glibc {glibc} model")
    other.close()


def test_keyboard_alone_runs_and_steps(loaded: Loaded) -> None:
    page = go(loaded, PLAYGROUND)
    page.locator("#bp-input").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("p = malloc(100)\nq = malloc(200)\nfree(p)")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#bp-step-label")).to_contain_text("Step 3 of 3", timeout=RUNTIME_TIMEOUT)
    page.locator("#bp-step").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#bp-step-label")).to_contain_text("Step 2 of 3")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the "previous step" button, reached by Tab
    expect(page.locator("#bp-step-label")).to_contain_text("Step 1 of 3")


def _runnable_blocks() -> dict[str, int]:
    """Python blocks that may run in the page, by page path, decided from the Markdown sources."""
    counts: dict[str, int] = {}
    for page in site_pages():
        if page.notebook:
            continue
        text = (DOCS / page.source).read_text(encoding="utf-8")
        python = [fence for fence in find_fences(text) if fence.language == "python"]
        runnable = sum(1 for fence in python if verdict(fence.body).runnable)
        if runnable:
            counts[page.path] = runnable
    return counts


RUNNABLE = _runnable_blocks()


def test_some_blocks_are_runnable_and_some_are_not() -> None:
    assert sum(RUNNABLE.values()) >= 4
    assert "simulator/fragmentation/" in RUNNABLE


@pytest.mark.parametrize("path", sorted(RUNNABLE))
def test_run_buttons_reproduce_the_shown_output(loaded: Loaded, path: str) -> None:
    page = go(loaded, path)
    buttons = page.locator("[data-brkdoc-run] .brkdoc-run__button")
    assert buttons.count() == RUNNABLE[path]
    for index in range(buttons.count()):
        container = page.locator("[data-brkdoc-run]").nth(index)
        container.locator(".brkdoc-run__button").click()
        output = container.locator(".brkdoc-run__output")
        expect(output).to_be_visible(timeout=RUNTIME_TIMEOUT)
        printed = output.locator("code").text_content()
        shown = container.evaluate(
            """c => c.nextElementSibling?.matches(".language-output")
                  ? c.nextElementSibling.querySelector("code").textContent : null"""
        )
        assert shown is not None, f"block {index} on {path} is not followed by its output"
        assert printed is not None
        assert printed.rstrip("\n") == shown.rstrip("\n")


def test_blocks_that_need_the_live_system_say_so(site_dir: Path) -> None:
    notes = 0
    for page in site_pages():
        if page.notebook:
            continue
        text = (DOCS / page.source).read_text(encoding="utf-8")
        expected = [f for f in find_fences(text) if f.language == "python"]
        not_runnable = [f for f in expected if not verdict(f.body).runnable]
        html = (site_dir / page.path / "index.html").read_text(encoding="utf-8")
        assert html.count("data-brkdoc-not-runnable") == len(not_runnable), page.path
        assert html.count("data-brkdoc-run ") == len(expected) - len(not_runnable), page.path
        notes += len(not_runnable)
    assert notes >= 1


def test_nothing_is_downloaded_before_a_run_and_once_per_visit(session: Session) -> None:
    requests: list[str] = []
    _record_requests(session, requests)
    page = session.new_page()
    page.set_default_timeout(RUNTIME_TIMEOUT)
    finished: list[Request] = []

    def keep(request: Request) -> None:
        finished.append(request)

    page.on("requestfinished", keep)
    for path in (PLAYGROUND, FRAGMENTATION):
        page.goto(path, wait_until="load")
        page.wait_for_load_state("networkidle")
        assert [url for url in requests if RUNTIME_FILES.search(url)] == [], path
    finished.clear()
    page.goto(PLAYGROUND, wait_until="load")
    page.wait_for_load_state("networkidle")
    weight = 0
    for request in finished:
        sizes = request.sizes()
        weight += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    assert 0 < weight <= TEXT_PAGE_BUDGET
    # Now ask for a run: the runtime loads, the WebAssembly among it (so the check above can fail).
    page.evaluate("window.__brkdocNoReload = true")
    page.click("#bp-run")
    # While it loads, the page says what it is downloading and shows a progress bar.
    expect(page.locator("#bp-status")).to_contain_text("Downloading Python (Pyodide)")
    expect(page.locator("#bp-progress")).to_be_visible()
    _run_playground(page)
    assert sum(1 for url in requests if url.endswith("/pyodide.asm.wasm")) == 1
    # Instant navigation to another page and a Run there reuse the loaded runtime.
    page.evaluate(
        """(path) => {
          const a = document.createElement("a");
          a.href = new URL(path, document.baseURI).href;
          document.querySelector(".md-content").prepend(a);
          a.click();
        }""",
        "../" + FRAGMENTATION,
    )
    page.wait_for_url(re.compile(re.escape(FRAGMENTATION) + "$"))
    page.locator("[data-brkdoc-run] .brkdoc-run__button").first.click()
    expect(page.locator(".brkdoc-run__output").first).to_be_visible()
    assert page.evaluate("window.__brkdocNoReload === true"), "the navigation reloaded the page"
    assert sum(1 for url in requests if url.endswith("/pyodide.asm.wasm")) == 1
    assert sum(1 for url in requests if url.endswith("/brkdoc.zip")) == 1
    assert session.traffic.foreign == []
    assert session.traffic.console_errors == []


def test_runtime_files_are_all_from_this_site(loaded: Loaded, base_url: str) -> None:
    fetched = [url for url in loaded.requests if RUNTIME_FILES.search(url)]
    assert any(url.endswith("/pyodide.asm.wasm") for url in fetched)
    assert all(url.startswith(base_url) for url in loaded.requests)
    assert loaded.session.traffic.foreign == []
    assert loaded.session.traffic.console_errors == []


def test_the_policy_refuses_other_hosts(session: Session) -> None:
    """The Content Security Policy itself blocks a fetch elsewhere, before the test's router."""
    page = session.new_page()
    page.goto(PLAYGROUND, wait_until="load")
    blocked: Any = page.evaluate(
        """async () => {
          const seen = new Promise(resolve => document.addEventListener(
            "securitypolicyviolation", e => resolve(e.violatedDirective), {once: true}));
          try { await fetch("https://cdn.jsdelivr.net/pyodide/"); } catch (error) {}
          return await seen;
        }"""
    )
    assert blocked == "connect-src"
    assert session.traffic.foreign == []  # refused by the browser, never sent


@pytest.mark.parametrize("width", [360])
def test_narrow_screen_and_dark_palette(browser: Browser, base_url: str, width: int) -> None:
    opened = open_session(browser, base_url, viewport={"width": width, "height": 800})
    try:
        page = opened.new_page()
        page.set_default_timeout(RUNTIME_TIMEOUT)
        page.goto(PLAYGROUND, wait_until="load")
        _run_playground(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
        page.add_style_tag(content=scripts.NO_TRANSITIONS)
        switch_to_dark(page)
        problems = page.evaluate(scripts.DIAGRAM_CONTRAST, MINIMUM_CONTRAST)
        assert problems == []
        inject_axe(page)
        serious = [
            v["id"]
            for v in page.evaluate(scripts.RUN_AXE)
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
        assert opened.traffic.console_errors == []
    finally:
        opened.context.close()


def test_the_stated_download_is_the_copied_files(site_dir: Path) -> None:
    """The size the pages state is the sum of the files the runtime fetches, as built."""
    files = [*(site_dir / "assets" / "pyodide").iterdir(), site_dir / BUNDLE]
    total = sum(file.stat().st_size for file in files)
    html = (site_dir / PLAYGROUND / "index.html").read_text(encoding="utf-8")
    assert f'data-brkdoc-download-bytes="{total}"' in html
    assert f"downloads\n{total / 1e6:.1f} MB from this site" in html
