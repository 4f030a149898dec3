"""hooks/sim_figures.py: the build draws the simulator's figures and inlines them in pages."""

from __future__ import annotations

import itertools
import logging
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError
from mkdocs.structure.files import Files

from brkdoc.sim import M_MMAP_THRESHOLD, M_TOP_PAD, Heap, simulate, snapshot
from brkdoc.trace import Observation, TraceOp, parse_trace
from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parent.parent
HOOK_PATH = ROOT / "hooks" / "sim_figures.py"


def _load_hook() -> ModuleType:
    return load_by_path("hooks/sim_figures.py", "sim_figures_under_test")


hook = _load_hook()


def test_every_example_trace_exists() -> None:
    for relative, _stop in hook.TRACES.values():
        assert (ROOT / relative).is_file(), relative


def test_figures_are_well_formed_svg() -> None:
    figures: dict[str, str] = hook.draw_figures(ROOT)
    assert "python-startup-heap.svg" in figures
    assert "fragmentation-1-allocated.svg" in figures
    for name, svg in figures.items():
        root = ET.fromstring(svg)
        assert root.get("role") == "img", name
        assert root.get("aria-label"), name


def test_a_missing_trace_fails_the_build_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"cannot read examples/traces/python-startup\.rep"):
        hook.draw_figures(tmp_path)


def test_inline_figures_swaps_known_images_only() -> None:
    html = (
        '<p><img alt="a" src="../figures/one.svg" /></p>'
        '<p><img alt="b" src="figures/two.svg"></p>'
        '<p><img alt="c" src="../pictures/one.svg" /></p>'
    )
    out = hook.inline_figures(html, {"one.svg": "<svg>1</svg>\n"})
    assert out == (
        '<p><span class="bkf-scroll" tabindex="0"><svg>1</svg></span></p>'
        '<p><img alt="b" src="figures/two.svg"></p>'
        '<p><img alt="c" src="../pictures/one.svg" /></p>'
    )


def _site(tmp_path: Path, page: str) -> Path:
    docs = tmp_path / "docs"
    (docs / "simulator").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "simulator" / "page.md").write_text(page, encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: figures test\n"
        "strict: true\n"
        "theme: {name: mkdocs}\n"
        f"hooks: [{HOOK_PATH}]\n"
        "validation: {links: {not_found: warn}}\n",
        encoding="utf-8",
    )
    return config


def test_a_build_writes_the_svgs_and_inlines_them(tmp_path: Path) -> None:
    page = "# Page\n\n![After free(B)](figures/fragmentation-2-free-b.svg)\n"
    config = load_config(str(_site(tmp_path, page)))
    build(config)
    site = Path(config.site_dir)
    standalone = site / "simulator" / "figures" / "fragmentation-2-free-b.svg"
    assert standalone.is_file()
    assert ET.fromstring(standalone.read_text(encoding="utf-8")).get("role") == "img"
    html = (site / "simulator" / "page" / "index.html").read_text(encoding="utf-8")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="bkf"' in html
    assert "fragmentation-2-free-b.svg" not in html  # the <img> was replaced


def test_a_link_to_a_figure_that_is_not_drawn_fails_the_strict_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    page = "# Page\n\n![nothing](figures/no-such-figure.svg)\n"
    config = load_config(str(_site(tmp_path, page)))
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(config)
    assert "no-such-figure.svg" in caplog.text


def test_on_files_adds_generated_files(tmp_path: Path) -> None:
    config = load_config(str(_site(tmp_path, "# Page\n")))
    # Dispatched the way a build does it: the hook is registered as a plugin.
    files = config.plugins.on_files(Files([]), config=config)
    uris = {file.src_uri for file in files}
    assert "simulator/figures/python-startup-timeline.svg" in uris
    assert all(file.generated_by for file in files)


def _python_startup() -> tuple[list[TraceOp], list[Observation], Heap]:
    path = ROOT / "examples" / "traces" / "python-startup.rep"
    ops = list(parse_trace(path.read_text(encoding="utf-8").splitlines(), str(path)))
    heap = Heap()
    return ops, list(simulate(ops, heap=heap)), heap


def test_numbers_quoted_about_the_python_startup_trace() -> None:
    """docs/simulator/fragmentation.md and docs/notebooks/trace_timeline.py quote these."""
    ops, observations, heap = _python_startup()
    assert len(ops) == 1758
    assert Counter(op.op for op in ops) == {"a": 836, "c": 5, "r": 82, "f": 835}
    breaks = [obs.brk for obs in observations]
    assert breaks[-1] == max(breaks) == 0x8E000
    assert all(later >= earlier for earlier, later in itertools.pairwise(breaks))
    view = snapshot(heap)
    in_use = [chunk.size for chunk in view.chunks if chunk.state == "in_use"]
    assert in_use == [0x290, 32, 784, 131088, 32, 32]
    middle = [c.offset for c in view.chunks if c.state == "in_use" and c.offset > 0x10000]
    assert middle == [0x450C0, 0x45120]  # "about 276 KiB up (offset 0x450c0)"
    assert [m.size for m in view.mmapped] == [266240]
    free = [c for c in view.chunks if c.state not in ("in_use", "top")]
    assert sum(c.size for c in free) == 375_936
    assert sum(c.state in ("tcache", "fastbin") for c in free) == 121
    below_top, top = view.chunks[-2:]
    assert (below_top.state, below_top.size) == ("tcache", 656)
    assert (top.state, top.size) == ("top", 73_072)
    calls_before = len(heap.syscalls)
    heap.malloc_trim(0)
    trim_calls = heap.syscalls[calls_before:]
    assert sum(int(call.args[1] or 0) for call in trim_calls if call.name == "madvise") == 212_992
    assert heap.brk == 0x7D000


def test_numbers_quoted_about_other_settings() -> None:
    """docs/notebooks/trace_timeline.py's closing paragraph quotes these."""
    ops, observations, heap = _python_startup()
    assert heap.syscall_counts == {"brk": 5, "mmap": 1}
    padless = Heap()
    padless.mallopt(M_TOP_PAD, 0)
    padless_peak = max(obs.brk for obs in simulate(ops, heap=padless))
    assert padless.syscall_counts["brk"] == 40
    assert 190 * 1024 <= max(obs.brk for obs in observations) - padless_peak <= 210 * 1024
    lower = Heap()
    lower.mallopt(M_MMAP_THRESHOLD, 64 * 1024)
    lower_breaks = [obs.brk for obs in simulate(ops, heap=lower)]
    assert lower.syscall_counts["mmap"] == 2
    differ = [i for i, obs in enumerate(observations) if obs.brk != lower_breaks[i]]
    assert differ[0] == 529  # "up to operation 528 the default line lies under the other"


def test_figures_are_drawn_once_per_set_of_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hook, "CACHE_DIR", tmp_path)
    drawn: list[int] = []
    draw = hook.draw_figures

    def counting(root: Path) -> dict[str, str]:
        drawn.append(1)
        figures: dict[str, str] = draw(root)
        return figures

    monkeypatch.setattr(hook, "draw_figures", counting)
    first = hook.cached_figures(ROOT)
    assert hook.cached_figures(ROOT) == first == draw(ROOT)
    assert len(drawn) == 1
    # The key covers the simulator's source: another key is drawn again.
    monkeypatch.setattr(hook, "inputs_digest", lambda root, inputs: "another-key")
    hook.cached_figures(ROOT)
    assert len(drawn) == 2
