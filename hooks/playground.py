"""MkDocs hook: the in-page playground's files, and a Run button on every block that can use them.

Enable with `hooks: [hooks/playground.py]` in mkdocs.yml. At build time it

- copies Pyodide's core files from `node_modules/pyodide` (the version pinned in package.json
  and package-lock.json; the build stops if the installed one differs or is missing) into
  `assets/pyodide/`, so the page never fetches Python from another host;
- zips the simulator's source, taken from the `brkdoc` package this build imports, into
  `assets/playground/brkdoc.zip`: `brkdoc.sim`, `brkdoc.trace`, `brkdoc.render`,
  `brkdoc.playground` and every brkdoc module they import. The build stops if a bundled module
  imports something impure or outside the standard library, or if the imported package's files
  differ from `src/brkdoc` (an installed copy older than the checkout would put one simulator
  in the figures and another in the page);
- writes the first run's download size (the sum of those files' sizes) where a page asks for it
  with `<span data-brkdoc-download></span>` (and in `data-brkdoc-download-bytes=""`, for the
  progress bar), and the checked glibc versions (read from `brkdoc.sim.profiles.PROFILES`)
  into an empty `<select data-brkdoc-profiles>`;
- puts a Run button under each python block that `brkdoc.playground.eligibility.verdict` accepts,
  and a one-line note saying why under every other python block.

Nothing is loaded in the reader's browser until a Run button is pressed
(`docs/assets/playground.js`).
"""

from __future__ import annotations

import ast
import functools
import html
import importlib.util
import json
import re
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from brkdoc.playground.eligibility import verdict
from brkdoc.playground.imports import imported_modules
from brkdoc.sim.profiles import PROFILES

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_DIR = ROOT / "node_modules" / "pyodide"
# Pyodide's core: the loader, the interpreter (JS glue and WebAssembly), the standard library
# and the package index the loader reads at start-up. Nothing else is ever fetched.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
PYODIDE_URI = "assets/pyodide"
BUNDLE_URI = "assets/playground/brkdoc.zip"
# The packages the page runs; the brkdoc modules they import are added to the bundle.
BUNDLE_ROOTS = ("brkdoc.sim", "brkdoc.trace", "brkdoc.render", "brkdoc.playground")
# Standard-library modules that reach files, processes or the network: never in the bundle.
IMPURE = frozenset(
    {"ctypes", "os", "subprocess", "pathlib", "shutil", "socket", "tempfile", "sys", "signal",
     "threading", "multiprocessing", "mmap", "resource", "urllib", "http"}
)  # fmt: skip
# The glibc version selected first: the system glibc the site's outputs were recorded with.
DEFAULT_GLIBC = "2.36"
# A fixed time stamp, so the same sources always make the same zip.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

DOWNLOAD_MARKER = "<span data-brkdoc-download></span>"
PROFILES_MARKER = "data-brkdoc-profiles"
_PROFILE_SELECT = re.compile(r"(<select\b[^>]*\bdata-brkdoc-profiles\b[^>]*>)\s*</select>")
_PYTHON_BLOCK = re.compile(
    r'<div class="language-python highlight">(?:(?!</div>).)*?'
    r"<code>(?P<code>.*?)</code></pre></div>",
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")

# What this build copies, by site path, with sizes; filled by on_files.
_download: dict[str, int] = {}


def pinned_pyodide_version(root: Path) -> str:
    """The pyodide version package.json pins, checked against the lock and node_modules."""
    try:
        pinned = json.loads((root / "package.json").read_text())["devDependencies"]["pyodide"]
        lock = json.loads((root / "package-lock.json").read_text())
        locked = lock["packages"]["node_modules/pyodide"]["version"]
    except (OSError, KeyError, ValueError) as error:
        raise PluginError(
            f"playground: package.json/package-lock.json name no pyodide: {error}"
        ) from None
    if pinned != locked:
        raise PluginError(f"playground: package.json pins pyodide {pinned}, the lock {locked}")
    try:
        installed = json.loads((root / "node_modules/pyodide/package.json").read_text())["version"]
    except (OSError, KeyError, ValueError):
        raise PluginError("playground: node_modules/pyodide is missing: run `npm ci`") from None
    if installed != pinned:
        raise PluginError(
            f"playground: node_modules has pyodide {installed}, package.json pins {pinned}:"
            " run `npm ci`"
        )
    return str(pinned)


def _module_file(package_dir: Path, module: str) -> Path | None:
    """The file of brkdoc module `module` under `package_dir` (the brkdoc folder), if any."""
    relative = Path(*module.split(".")[1:])
    for candidate in (package_dir / relative / "__init__.py", package_dir / f"{relative}.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _imports_of(source: bytes, filename: str) -> tuple[str, ...]:
    # Keyed on the whole source, so an edited module is parsed again; `mkdocs serve` rebuilds
    # the site on every change, and parsing the bundle each time cost about 0.3 s of it.
    return tuple(imported_modules(ast.parse(source, filename=filename)))


def bundle_files(package_dir: Path) -> dict[str, bytes]:
    """The bundle's files, by path inside the zip (e.g. "brkdoc/sim/heap.py")."""
    pending: list[Path] = [package_dir / "__init__.py"]
    for root in BUNDLE_ROOTS:
        pending += sorted((package_dir / Path(*root.split(".")[1:])).glob("*.py"))
    files: dict[str, bytes] = {}
    while pending:
        path = pending.pop()
        name = "brkdoc/" + path.relative_to(package_dir).as_posix()
        if name in files:
            continue
        source = path.read_bytes()
        files[name] = source
        parent = path.parent
        while parent != package_dir.parent:
            pending.append(parent / "__init__.py")
            parent = parent.parent
        for module in _imports_of(source, str(path)):
            if module.startswith("."):
                raise PluginError("playground: relative imports cannot be bundled")
            top = module.split(".")[0]
            if top == "brkdoc":
                found = _module_file(package_dir, module)
                if found is not None:
                    pending.append(found)
            elif top in IMPURE or top not in sys.stdlib_module_names:
                raise PluginError(
                    f"playground: {name} imports {module}, which the in-page bundle cannot carry"
                    " (only brkdoc's pure modules and the pure standard library)"
                )
    return files


def check_same_source(files: dict[str, bytes], checkout: Path) -> None:
    """Stop the build if the package being bundled differs from the checkout's src/brkdoc."""
    if not checkout.is_dir():
        return
    for name, content in sorted(files.items()):
        mine = checkout / Path(name).relative_to("brkdoc")
        if not mine.is_file() or mine.read_bytes() != content:
            raise PluginError(
                f"playground: the brkdoc this build imports differs from src/{name}: reinstall"
                " it from the checkout (`make install`) so the page and the figures agree"
            )


def zip_bundle(files: dict[str, bytes]) -> bytes:
    """A deterministic zip of the bundle's files."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()


def imported_package_dir() -> Path:
    spec = importlib.util.find_spec("brkdoc")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("playground: cannot find the brkdoc package this build imports")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add Pyodide's core files and the simulator bundle to the site."""
    pinned_pyodide_version(ROOT)
    _download.clear()
    for name in PYODIDE_FILES:
        source = PYODIDE_DIR / name
        if not source.is_file():
            raise PluginError(f"playground: node_modules/pyodide/{name} is missing: run `npm ci`")
        uri = f"{PYODIDE_URI}/{name}"
        files.append(File.generated(config, uri, abs_src_path=str(source)))
        _download[uri] = source.stat().st_size
    package_dir = imported_package_dir()
    bundled = bundle_files(package_dir)
    checkout = (ROOT / "src" / "brkdoc").resolve()
    if package_dir != checkout:  # an editable install bundles the checkout itself
        check_same_source(bundled, checkout)
    archive = zip_bundle(bundled)
    files.append(File.generated(config, BUNDLE_URI, content=archive))
    _download[BUNDLE_URI] = len(archive)
    return files


def download_bytes() -> int:
    """What the first run downloads, in bytes (before any compression by the server)."""
    return sum(_download.values())


def format_megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _block_source(code_html: str) -> str:
    return html.unescape(_TAG.sub("", code_html))


def run_controls(block_html: str, total: int) -> str:
    """The block followed by its Run button, or by the note saying why it has none."""
    block = _PYTHON_BLOCK.fullmatch(block_html)
    if block is None:
        raise ValueError(f"not a highlighted Python block: {block_html[:80]!r}")
    return _controls_after(block, total)


# A page's blocks are judged again on every rebuild that `mkdocs serve` makes; the verdict
# depends on the source alone.
_verdict = functools.cache(verdict)


def _controls_after(block: re.Match[str], total: int) -> str:
    block_html = block.group(0)
    judged = _verdict(_block_source(block.group("code")))
    if not judged.runnable:
        return (
            f'{block_html}<p class="brkdoc-run-note" data-brkdoc-not-runnable>'
            f"Not runnable in this page: this block {html.escape(judged.reason)}.</p>"
        )
    size = format_megabytes(total)
    return (
        f'{block_html}<div class="brkdoc-run" data-brkdoc-run data-brkdoc-download-bytes="{total}">'
        '<button type="button" class="bp-button brkdoc-run__button">Run in this page</button>'
        f'<span class="brkdoc-run__note">Runs in your browser with brkdoc.sim; the first run'
        f" on a visit downloads {size}.</span>"
        '<div class="brkdoc-run__status" role="status" aria-live="polite"></div>'
        '<pre class="brkdoc-run__output" hidden><code></code></pre></div>'
    )


def profile_options(default: str = DEFAULT_GLIBC) -> str:
    """`<option>`s for the checked profiles, the default selected."""
    chosen = default if default in PROFILES else next(iter(PROFILES))
    return "".join(
        f'<option value="{html.escape(name)}"{" selected" if name == chosen else ""}>'
        f"glibc {html.escape(name)}</option>"
        for name in PROFILES
    )


def on_page_content(html_text: str, *, page: Page, **_: Any) -> str:
    total = download_bytes()
    if not total:
        raise PluginError("playground: on_files did not run, so no download size is known")
    html_text = _PYTHON_BLOCK.sub(lambda block: _controls_after(block, total), html_text)
    html_text = html_text.replace(DOWNLOAD_MARKER, format_megabytes(total))
    html_text = html_text.replace(
        'data-brkdoc-download-bytes=""', f'data-brkdoc-download-bytes="{total}"'
    )
    if PROFILES_MARKER in html_text:
        html_text, filled = _PROFILE_SELECT.subn(
            lambda match: match.group(1) + profile_options() + "</select>", html_text
        )
        if not filled:
            raise PluginError(
                f"playground: {page.file.src_uri} has a profile picker that is not empty"
            )
    return html_text
