"""Execute every notebook under docs/notebooks the way the site build does; a cell error fails.

mkdocs-jupyter runs with `execute: true` and `allow_errors: false`, so a notebook that raises
breaks the build. These tests find that out first, with a clearer report, and also check that
the notebooks stay plain-text percent-format files that draw something.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbclient
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.py"))


def test_the_site_has_both_notebooks() -> None:
    assert {path.name for path in NOTEBOOKS} >= {"dynamic_threshold.py", "trace_timeline.py"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_percent_format_with_a_title(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "format_name: percent" in text
    notebook = jupytext.read(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith("# "), "the first cell gives the page its title"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_without_errors_and_plots(path: Path) -> None:
    notebook = jupytext.read(path)
    # The build runs the kernel in the folder mkdocs is started from: the repository root.
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    images = [output["data"] for output in outputs if "image/svg+xml" in output.get("data", {})]
    assert images, f"{path.name} draws no figure"
    # Drawn by brkdoc.render, whose palette follows the page's scheme, not by a raster library.
    assert not [output for output in outputs if "image/png" in output.get("data", {})]
    assert all('class="bkf"' in image["image/svg+xml"] for image in images)
