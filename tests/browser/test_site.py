"""Whole-site behaviour in a browser: navigation, search, copy buttons, palette, notebooks, 404."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import markdown  # type: ignore[import-untyped]  # Python-Markdown ships no type information
import pytest
from playwright.sync_api import Page, expect

from brkdoc.doccheck.snippets import expand_snippets

from .conftest import Session, follow_link
from .site import BASE_PATH, DOCS, ROOT, SitePage, notebook_pages, site_pages

pytestmark = pytest.mark.browser

SEARCH_TERMS = ["mmap_threshold", "program break"]


def _open_home(session: Session) -> Page:
    page = session.new_page()
    page.goto("", wait_until="load")
    # Material's instant loading is live once its document$ observable has emitted.
    page.wait_for_function("() => window.document$ !== undefined && window.location$ !== undefined")
    page.evaluate("window.__brkdocNoReload = true")
    return page


def test_sitemap_lists_exactly_the_pages_under_test(site_dir: Path) -> None:
    sitemap = (site_dir / "sitemap.xml").read_text(encoding="utf-8")
    listed = {urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)}
    expected = {BASE_PATH + page.path for page in site_pages()}
    assert listed == expected


def test_navigation_follows_the_nav_and_loads_instantly(session: Session) -> None:
    page = _open_home(session)
    nav_links = page.locator(".md-sidebar--primary .md-nav__link[href]")
    hrefs = [href for href in nav_links.evaluate_all("els => els.map(e => e.href)") if href]
    target = next(href for href in hrefs if urlsplit(href).path.rstrip("/").endswith("glossary"))
    page.locator(".md-sidebar--primary a.md-nav__link[href$='glossary/']").first.click()
    page.wait_for_url(target)
    expect(page.locator("article h1")).to_have_count(1)
    title = page.title()
    assert "Glossary" in title or "glossary" in page.url
    # Instant loading swapped the content in place: the marker set on the first page survives.
    assert page.evaluate("window.__brkdocNoReload === true"), "the click reloaded the whole page"
    page.go_back()
    page.wait_for_url(re.compile(re.escape(BASE_PATH) + "$"))
    assert page.evaluate("window.__brkdocNoReload === true")
    assert session.traffic.console_errors == []
    assert session.traffic.foreign == []


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_finds(session: Session, term: str) -> None:
    page = _open_home(session)
    field = page.locator("input.md-search__input")
    field.click()
    # Typed key by key, as a reader does: Material searches on keyboard input.
    field.press_sequentially(term)
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=15_000)
    texts = [text.lower() for text in results.all_inner_texts()]
    assert any(term in text for text in texts), f"no result shows {term!r}: {texts[:3]}"
    link = results.first.locator("a").first
    href = str(link.get_attribute("href"))
    page.evaluate("document.querySelector('.md-content article').dataset.brkdocLeft = 'yes'")
    link.click()
    address = re.split(r"[?#]", href, maxsplit=1)[0]
    page.wait_for_url(re.compile(re.escape(address)))
    page.wait_for_function(
        "() => document.querySelector('.md-content article:not([data-brkdoc-left])') !== null"
    )
    assert term in page.locator(".md-content article").inner_text().lower()
    assert not session.traffic.console_errors, "\n".join(session.traffic.console_errors)


# A console and a pycon session as pages write them, rendered by the site's own Markdown settings.
SYNTHETIC_BLOCKS = """
```console
$ gcc demo.c -o demo && \\
  ./demo
brk(NULL) = 0x5555
# a line of output that Pygments takes for a root prompt
$ echo done
done
```

```pycon
>>> def grow(n):
...     return n * 2
...
>>> grow(2)
4
>>> 1 / 0
Traceback (most recent call last):
  ...
ZeroDivisionError: division by zero
```
"""
EXPECTED_CONSOLE = "gcc demo.c -o demo && \\\n  ./demo\necho done"
EXPECTED_PYCON = "def grow(n):\n    return n * 2\n\ngrow(2)\n1 / 0"


def _render_like_the_site(source: str) -> str:
    return str(
        markdown.markdown(
            source,
            extensions=["pymdownx.highlight", "pymdownx.superfences"],
            extension_configs={
                "pymdownx.highlight": {
                    "line_spans": "__span",
                    "pygments_lang_class": True,
                }
            },
        )
    )


def _copy_from(page: Page, button_selector: str) -> str:
    page.evaluate("navigator.clipboard.writeText('clipboard not written')")
    page.locator(button_selector).click()
    return str(page.evaluate("navigator.clipboard.readText()"))


def _pages_with_code(site_dir: Path, language: str = "") -> list[SitePage]:
    marker = f'class="language-{language}'
    return [
        page
        for page in site_pages()
        if (site_dir / page.path / "index.html").is_file()
        and marker in (site_dir / page.path / "index.html").read_text(encoding="utf-8")
    ]


def test_copy_button_copies_only_commands_after_instant_navigation(
    session: Session, site_dir: Path
) -> None:
    # Any page with a code block: its copy button is the model for the buttons added below, so
    # they are exactly what this version of Material puts on a block.
    target = next(p for p in _pages_with_code(site_dir) if not p.notebook)
    page = _open_home(session)
    follow_link(page, target.path)
    assert page.evaluate("window.__brkdocNoReload === true")
    expect(page.locator("article [data-clipboard-target]").first).to_be_attached()
    rendered = _render_like_the_site(SYNTHETIC_BLOCKS)
    page.evaluate(
        """(html) => {
          const model = document.querySelector("article [data-clipboard-target]");
          const box = document.createElement("div");
          box.id = "brkdoc-copy-test";
          box.innerHTML = html;
          box.querySelectorAll("div.highlight pre").forEach((pre, i) => {
            pre.id = `brkdoc-copy-${i}`;
            const button = model.cloneNode(true);
            button.id = `brkdoc-copy-button-${i}`;
            button.setAttribute("data-clipboard-target", `#brkdoc-copy-${i} > code`);
            pre.prepend(button);
          });
          document.querySelector("article").prepend(box);
        }""",
        rendered,
    )
    assert page.locator("#brkdoc-copy-test .language-console .gp").count() >= 2
    assert _copy_from(page, "#brkdoc-copy-button-0") == EXPECTED_CONSOLE
    assert _copy_from(page, "#brkdoc-copy-button-1") == EXPECTED_PYCON
    assert session.traffic.console_errors == []


def _commands_by_the_harness_rule(text: str, language: str) -> str:
    """The commands of a rendered session, found from its text alone (the docs harness's rule)."""
    commands: list[str] = []
    continues = False
    for line in text.splitlines():
        if language == "console":
            if line.startswith("$ ") or continues:
                command = line[2:] if line.startswith("$ ") and not continues else line
                commands.append(command.rstrip())
                continues = line.rstrip().endswith("\\")
        elif line.startswith((">>> ", "... ")) or line in (">>>", "..."):
            commands.append(line[4:].rstrip())
    while commands and not commands[-1]:
        commands.pop()
    return "\n".join(commands)


@pytest.mark.parametrize("language", ["console", "pycon"])
def test_copy_button_on_the_sites_own_blocks(
    session: Session, site_dir: Path, language: str
) -> None:
    pages = _pages_with_code(site_dir, f"{language} highlight")
    assert pages, f"no page of the site has a {language} block to copy from"
    page = _open_home(session)
    follow_link(page, pages[0].path)
    blocks = page.locator(f"div.language-{language} pre")
    checked = 0
    for index in range(min(blocks.count(), 4)):
        block = blocks.nth(index)
        block.scroll_into_view_if_needed()
        block.hover()
        expected = _commands_by_the_harness_rule(block.locator("code").inner_text(), language)
        page.evaluate("navigator.clipboard.writeText('clipboard not written')")
        block.locator("[data-clipboard-target]").click()
        copied = str(page.evaluate("navigator.clipboard.readText()"))
        assert copied == expected, f"block {index + 1} on {pages[0].path}"
        assert not re.search(r"^(\$ |>>> )", copied, re.MULTILINE)
        checked += 1
    assert checked > 0


def test_palette_toggle_switches_to_dark_and_remembers(session: Session) -> None:
    page = _open_home(session)
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    toggle = page.locator("form[data-md-component='palette'] label:visible")
    for _ in range(3):
        if page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate":
            break
        toggle.first.click()
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    page.wait_for_function(
        "(light) => getComputedStyle(document.body).backgroundColor !== light", arg=light
    )
    target = next(p for p in site_pages() if p.path and not p.notebook)
    follow_link(page, target.path)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    page.reload(wait_until="load")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"


@pytest.mark.parametrize("notebook", notebook_pages(), ids=lambda p: p.path)
def test_notebook_page_renders_with_plots(session: Session, notebook: SitePage) -> None:
    page = session.new_page()
    page.goto(notebook.path, wait_until="load")
    expect(page.locator(".jupyter-wrapper, .jp-Notebook").first).to_be_attached()
    # The notebooks draw their charts with brkdoc.render, inline SVG in the site's palette; an
    # image output would also count.
    plots = page.locator(
        ".jp-OutputArea-output img, .jp-RenderedImage img, .jp-OutputArea-output svg.bkf"
    )
    assert plots.count() > 0, f"{notebook.path} shows no plot"
    for index in range(plots.count()):
        plot = plots.nth(index)
        plot.scroll_into_view_if_needed()
        width = plot.evaluate(
            "el => el.tagName.toLowerCase() === 'img'"
            " ? (el.complete ? el.naturalWidth : 0) : el.getBoundingClientRect().width"
        )
        assert width > 0, f"plot {index + 1} on {notebook.path} did not render"
    errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-error")
    assert errors.count() == 0, f"{notebook.path} shows an error output"
    assert session.traffic.console_errors == []


def test_missing_page_gets_the_404_page(session: Session) -> None:
    page = session.new_page()
    response = page.goto("no-such-page/", wait_until="load")
    assert response is not None
    assert response.status == 404
    expect(page.locator("article h1")).to_have_text(re.compile("404"))
    # The 404 page's links are absolute from the site root, so its styles and its way home work
    # from any depth.
    header = page.evaluate("getComputedStyle(document.querySelector('.md-header')).position")
    assert header in ("sticky", "fixed")
    page.locator("a.md-header__button.md-logo").click()
    page.wait_for_url(re.compile(re.escape(BASE_PATH) + "$"))
    # The only console error allowed is Chromium's note that the document itself came with a 404.
    missing = "console.error: Failed to load resource: the server responded with a status of 404"
    assert [m for m in session.traffic.console_errors if not m.startswith(missing)] == []
    assert len(session.traffic.console_errors) <= 1
    assert session.traffic.foreign == []


def _page_source(site_page: SitePage) -> str:
    """A page's Markdown with its `--8<--` includes expanded, as the site renders it."""
    return expand_snippets((DOCS / site_page.source).read_text(encoding="utf-8"), ROOT)


def _annotated_pages() -> list[tuple[SitePage, int]]:
    """Pages whose C listings carry code annotations, with the number of markers on each."""
    found = []
    for site_page in site_pages():
        if site_page.notebook:
            continue
        text = _page_source(site_page)
        markers = len(re.findall(r"// \(\d+\)!", text))
        if markers:
            found.append((site_page, markers))
    return found


@pytest.mark.parametrize(
    ("target", "markers"), _annotated_pages(), ids=[page.path for page, _ in _annotated_pages()]
)
def test_code_annotations_open_and_stay_out_of_the_copied_code(
    session: Session, target: SitePage, markers: int
) -> None:
    page = _open_home(session)
    follow_link(page, target.path)
    annotations = page.locator("div.language-c .md-annotation")
    expect(annotations).to_have_count(markers)
    # docs/assets/copy-commands.js names each annotation and unlinks its number, whose target
    # exists only while the annotation is open (axe-core: link-name; the link check).
    expect(annotations.first).to_have_attribute("aria-label", "Note 1")
    expect(page.locator(".md-annotation a[href]")).to_have_count(0)
    # The numbered list after each annotated block became the annotations' contents.
    first = annotations.first
    first.scroll_into_view_if_needed()
    # The marker pulses until it is first opened, so it never holds still for a plain click.
    first.locator(".md-annotation__index").click(force=True)
    expect(first.locator(".md-tooltip__inner")).to_be_visible()
    assert first.locator(".md-tooltip__inner").inner_text().strip()
    block = page.locator("div.language-c:has(.md-annotation)").first
    block.hover()
    page.evaluate("navigator.clipboard.writeText('clipboard not written')")
    block.locator("[data-clipboard-target]").click()
    copied = str(page.evaluate("navigator.clipboard.readText()"))
    # What is copied is the listing as the page's source has it, without the markers.
    source = _page_source(target)
    listing = next(
        body for body in re.findall(r"```c[^\n]*\n(.*?)```", source, re.S) if "// (1)!" in body
    )
    expected = [re.sub(r"\s*// \(\d+\)!$", "", line).rstrip() for line in listing.splitlines()]
    assert [line.rstrip() for line in copied.splitlines()] == expected
    assert session.traffic.console_errors == []
