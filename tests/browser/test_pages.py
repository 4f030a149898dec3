"""Checks every page of the built site meets, one test per page and check.

Each page is loaded once (see `visit` in conftest.py); the tests below read what that load saw.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import EXTERNAL_LINKS, LOCAL_HOST, PAGE_WEIGHTS, Visit
from .site import BASE_PATH, SitePage, anchors_in, site_file, site_pages

pytestmark = pytest.mark.browser

PAGES = site_pages()
PAGE_IDS = [page.path or "home" for page in PAGES]
BLOCKING_IMPACTS = {"serious", "critical"}

Visitor = Callable[[SitePage], Visit]


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_loads_without_console_errors(visit: Visitor, page: SitePage) -> None:
    seen = visit(page)
    assert seen.status == 200, f"{page.path or '/'} answered {seen.status}"
    assert not seen.console_errors, "\n".join(seen.console_errors)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_requests_nothing_from_other_hosts(visit: Visitor, page: SitePage) -> None:
    assert visit(page).foreign_requests == []


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_weight_within_budget(
    visit: Visitor, page: SitePage, request: pytest.FixtureRequest
) -> None:
    seen = visit(page)
    request.config.stash[PAGE_WEIGHTS][page.path] = seen.transferred
    heaviest = "\n".join(f"  {size:>9,} B  {url}" for size, url in seen.resources[:5])
    assert seen.transferred <= page.budget, (
        f"{page.path or '/'} transfers {seen.transferred:,} bytes, budget {page.budget:,}; "
        f"heaviest resources:\n{heaviest}"
    )


def _blocking(violations: list[dict[str, object]]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_has_no_serious_accessibility_violations(visit: Visitor, page: SitePage) -> None:
    seen = visit(page)
    problems = [f"light: {v}" for v in _blocking(seen.axe_light)]
    problems += [f"dark: {v}" for v in _blocking(seen.axe_dark)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_readable_in_dark_mode(visit: Visitor, page: SitePage) -> None:
    seen = visit(page)
    assert seen.dark_scheme["scheme"] == "slate"
    assert seen.dark_scheme["background"] != seen.dark_scheme["color"]
    assert not seen.diagram_problems, "\n".join(seen.diagram_problems)


def _broken_link(site_dir: Path, page_url: str, href: str) -> str | None:
    """Why an internal link is broken, or None when its page (and anchor) exist."""
    target = urlsplit(href)
    if not target.path.startswith(BASE_PATH):
        return "points outside the site"
    file = site_file(site_dir, unquote(target.path[len(BASE_PATH) :]))
    if file is None:
        return "no such page"
    fragment = unquote(target.fragment)
    if fragment and file.suffix == ".html" and fragment not in anchors_in(file):
        return f"no anchor #{fragment} in {file.relative_to(site_dir)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_links_resolve(
    visit: Visitor, page: SitePage, site_dir: Path, request: pytest.FixtureRequest
) -> None:
    seen = visit(page)
    broken: list[str] = []
    external = request.config.stash[EXTERNAL_LINKS]
    for link in seen.links:
        href = link["href"]
        scheme = urlsplit(href).scheme
        if scheme in ("http", "https") and urlsplit(href).hostname == LOCAL_HOST:
            why = _broken_link(site_dir, seen.url, href)
            if why:
                broken.append(f"{link['raw']} ({link['text']!r}): {why}")
        elif scheme in ("http", "https", "mailto"):
            external.add(href)
        else:
            broken.append(f"{link['raw']} ({link['text']!r}): unexpected scheme {scheme!r}")
    assert not broken, "\n".join(broken)
