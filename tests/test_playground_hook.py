"""hooks/playground.py: Pyodide from npm, the simulator bundle from the package, Run buttons."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from brkdoc.sim.profiles import PROFILES
from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parent.parent
hook = load_by_path("hooks/playground.py", "playground_hook_under_test")
PACKAGE = ROOT / "src" / "brkdoc"


def test_the_bundle_holds_the_simulator_and_what_it_imports() -> None:
    files = hook.bundle_files(PACKAGE)
    expected = ("__init__.py", "errors.py", "glibc_constants.py", "sim/heap.py", "sim/jsonl.py",
                "trace/__init__.py", "trace/text.py", "trace/ids.py", "render/heapmap.py",
                "playground/api.py", "playground/imports.py")  # fmt: skip
    for name in (f"brkdoc/{path}" for path in expected):
        assert files[name] == (PACKAGE / name.removeprefix("brkdoc/")).read_bytes()
    assert not any(
        name.startswith(("brkdoc/native", "brkdoc/cli", "brkdoc/bench")) for name in files
    )


def _copy_package(tmp_path: Path) -> Path:
    copy = tmp_path / "brkdoc"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.c"))
    return copy


def test_a_bundled_module_that_reaches_the_system_stops_the_build(tmp_path: Path) -> None:
    copy = _copy_package(tmp_path)
    heap = copy / "sim" / "heap.py"
    heap.write_text(
        heap.read_text().replace(
            "from __future__ import annotations", "from __future__ import annotations\nimport os", 1
        )
    )
    with pytest.raises(PluginError, match=r"brkdoc/sim/heap.py imports os"):
        hook.bundle_files(copy)


def test_a_brkdoc_module_pulled_in_by_an_import_is_bundled(tmp_path: Path) -> None:
    copy = _copy_package(tmp_path)
    (copy / "extra.py").write_text("VALUE = 1\n")
    view = copy / "sim" / "view.py"
    view.write_text(view.read_text() + "\nfrom brkdoc.extra import VALUE\n")
    assert "brkdoc/extra.py" in hook.bundle_files(copy)


def test_a_package_that_differs_from_the_checkout_stops_the_build(tmp_path: Path) -> None:
    copy = _copy_package(tmp_path)
    files = hook.bundle_files(copy)
    hook.check_same_source(files, PACKAGE)  # the same files: no complaint
    params = copy / "sim" / "params.py"
    params.write_text(params.read_text() + "\n# an older install\n")
    with pytest.raises(PluginError, match=r"differs from src/brkdoc/sim/params.py"):
        hook.check_same_source(hook.bundle_files(copy), PACKAGE)


def test_the_zip_is_the_same_for_the_same_sources() -> None:
    files = hook.bundle_files(PACKAGE)
    first, second = hook.zip_bundle(files), hook.zip_bundle(dict(reversed(files.items())))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == files


def test_the_pyodide_pin_is_checked_against_lock_and_node_modules(tmp_path: Path) -> None:
    version = hook.pinned_pyodide_version(ROOT)
    assert json.loads((ROOT / "package.json").read_text())["devDependencies"]["pyodide"] == version
    (tmp_path / "package.json").write_text(json.dumps({"devDependencies": {"pyodide": "0.1"}}))
    shutil.copy(ROOT / "package-lock.json", tmp_path)
    with pytest.raises(PluginError, match=r"package\.json pins pyodide 0\.1, the lock"):
        hook.pinned_pyodide_version(tmp_path)
    shutil.copy(ROOT / "package.json", tmp_path)
    with pytest.raises(PluginError, match="node_modules/pyodide is missing: run `npm ci`"):
        hook.pinned_pyodide_version(tmp_path)


def _block(source: str) -> str:
    lines = "".join(
        f'<span id="__span-0-{n}">{line}\n</span>' for n, line in enumerate(source.split("\n"))
    )
    return (
        f'<div class="language-python highlight"><pre><span></span><code>{lines}</code></pre></div>'
    )


def test_runnable_blocks_get_a_button_and_the_others_a_note() -> None:
    runnable = _block("from brkdoc.sim import Heap\nprint(Heap().brk &gt; 0)")
    live = _block("import subprocess")
    page = f"<p>x</p>{runnable}<p>y</p>{live}"
    hook._download.clear()
    hook._download["assets/pyodide/pyodide.asm.wasm"] = 12_345_678
    out = hook.on_page_content(page, page=None)
    assert out.count("data-brkdoc-run ") == 1
    assert 'data-brkdoc-download-bytes="12345678"' in out
    assert "downloads 12.3 MB" in out
    assert out.count("data-brkdoc-not-runnable") == 1
    assert "needs the live system (it uses subprocess)" in out
    assert out.index("data-brkdoc-run ") < out.index("<p>y</p>")


def test_run_controls_refuses_html_that_is_not_a_python_block() -> None:
    with pytest.raises(ValueError, match="not a highlighted Python block"):
        hook.run_controls("<p>plain text</p>", total=1)


def test_the_download_size_and_the_versions_are_written_in() -> None:
    hook._download.clear()
    hook._download.update({"a": 1_000_000, "b": 500_000})
    page = (
        "<p><span data-brkdoc-download></span></p>"
        '<select id="v" data-brkdoc-profiles></select><div data-brkdoc-download-bytes="">'
    )
    out = hook.on_page_content(page, page=None)
    assert "<p>1.5 MB</p>" in out
    assert 'data-brkdoc-download-bytes="1500000"' in out
    for name in PROFILES:
        assert f'<option value="{name}"' in out


def test_no_size_known_stops_the_build() -> None:
    hook._download.clear()
    with pytest.raises(PluginError, match="no download size"):
        hook.on_page_content("<p></p>", page=None)
