"""MkDocs hook: keep the header's repository link from calling GitHub's API in the reader's browser.

Material mounts a "source" component on the repository link that fetches the repository's stars,
forks and latest release from api.github.com when a page opens. The site promises that viewing a
page requests nothing from outside hosts (issue 2, "No outside requests"), and the browser tests
check it, so this hook drops the attribute that mounts the component. The link itself stays: it
still shows the repository's name and icon and goes to GitHub when a reader follows it.

Enable with `hooks: [hooks/offline_repo_link.py]` in mkdocs.yml.
"""

from __future__ import annotations

from typing import Any

SOURCE_COMPONENT = ' data-md-component="source"'


def _without_source_facts(html: str) -> str:
    return html.replace(SOURCE_COMPONENT, "")


def on_post_page(output: str, **_: Any) -> str:
    """Every Markdown and notebook page."""
    return _without_source_facts(output)


def on_post_template(output_content: str, **_: Any) -> str:
    """Pages rendered from a template alone, such as 404.html."""
    return _without_source_facts(output_content)
