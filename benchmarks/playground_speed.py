"""The in-page playground: what its first run downloads and how long it takes, and its speed.

Run: `.venv/bin/python benchmarks/playground_speed.py [--site DIR] [--ops N]` after `npm ci`.
It builds the site (or serves the one `--site` names) on 127.0.0.1, opens the playground in a
fresh headless Chromium (an empty cache, as a first visit), and measures

- the first run: bytes of every file the runtime fetched (uncompressed: this server, unlike
  GitHub Pages, compresses nothing) and the time from asking for a run to Python being ready;
- speed: `brkdocPlayground.simulate` (parse, simulate, format every operation as JSONL) on a
  CS:APP trace and on a generated trace (`benchmarks/sim_speed.py`'s workload), timed in the
  page, beside `brkdoc simulate --jsonl` on the same files in CPython: timed in-process around
  the same library function (`brkdoc.sim.jsonl.jsonl_lines`), and as a whole command; and, for
  scale, the command's own speed figure in summary mode, which formats nothing per operation.

The outputs are compared too: a speed figure for a wrong answer would mean nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import Request, sync_playwright

from brkdoc.sim.jsonl import jsonl_lines
from brkdoc.sim.profiles import PROFILES
from brkdoc.trace import parse_trace

ROOT = Path(__file__).resolve().parent.parent
BASE = "/brkdoc/"
TIMEOUT = 300_000
# What the runtime fetches: Pyodide's files and the simulator bundle (not, say, the favicon).
RUNTIME_FILE = re.compile(r"/assets/(pyodide/[^/]+|playground/brkdoc\.zip)$")


def _build(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=ROOT,
        check=True,
    )
    return out


def _serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def translate_path(self, path: str) -> str:
            return super().translate_path("/" + path.removeprefix(BASE))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{BASE}"


def _generated_trace(ops: int) -> str:
    spec = importlib.util.spec_from_file_location("sim_speed", ROOT / "benchmarks" / "sim_speed.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return f"0\n{ops}\n{ops}\n1\n" + "".join(module.generate(ops, 1))


def _cpython(text: str, name: str, glibc: str) -> tuple[str, float]:
    started = time.perf_counter()
    ops = list(parse_trace(text.splitlines(), name))
    output = "".join(jsonl_lines(ops, name, PROFILES[glibc]))
    return output, time.perf_counter() - started


def _command(path: Path, glibc: str) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc", "simulate", "--jsonl", "--glibc", glibc, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, time.perf_counter() - started


def _summary_speed(path: Path, glibc: str) -> str:
    """The "speed:" figure of `brkdoc simulate` without --jsonl (totals only, no output per op)."""
    done = subprocess.run(
        [sys.executable, "-m", "brkdoc", "simulate", "--glibc", glibc, path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(line for line in done.stdout.splitlines() if line.startswith("speed:"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--ops", type=int, default=200_000, help="generated trace length")
    parser.add_argument("--glibc", default="2.36", choices=list(PROFILES))
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="playground-speed-"))
    try:
        site = args.site or _build(scratch / "site")
        server, base = _serve(site)
        traces = {
            "binary2-bal.rep": (ROOT / "examples/traces/csapp/binary2-bal.rep").read_text(),
            f"generated-{args.ops}.rep": _generated_trace(args.ops),
        }
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=shutil.which("chromium"), headless=True
            )
            page = browser.new_context(base_url=base).new_page()
            page.set_default_timeout(TIMEOUT)
            fetched: list[Request] = []

            def keep(request: Request) -> None:
                fetched.append(request)

            page.on("requestfinished", keep)
            page.goto("playground/", wait_until="load")
            page.wait_for_load_state("networkidle")
            before = len(fetched)
            seconds = page.evaluate(
                "async () => { const t = performance.now(); await brkdocPlayground.load();"
                " return (performance.now() - t) / 1000; }"
            )
            runtime = [r for r in fetched[before:] if RUNTIME_FILE.search(r.url)]
            size = sum(request.sizes()["responseBodySize"] for request in runtime)
            print(
                f"first run: {len(runtime)} files, {size:,} bytes, Python ready in {seconds:.1f} s"
            )
            for request in runtime:
                print(f"  {request.sizes()['responseBodySize']:>10,} B  {request.url[len(base) :]}")
            for name, text in traces.items():
                ops = sum(1 for line in text.splitlines()[4:] if line.strip())
                in_page, page_seconds = page.evaluate(
                    "async ([text, glibc, file]) => { const t = performance.now();"
                    " const out = await brkdocPlayground.simulate(text, {glibc, file});"
                    " return [out, (performance.now() - t) / 1000]; }",
                    [text, args.glibc, name],
                )
                mine, cpython_seconds = _cpython(text, name, args.glibc)
                path = scratch / name
                path.write_text(text)
                printed, command_seconds = _command(path, args.glibc)
                if not in_page == mine == printed:
                    print(
                        f"{name}: the page, the library and the command disagree", file=sys.stderr
                    )
                    return 1
                print(
                    f"{name}: {ops:,} ops; in the page {ops / page_seconds:,.0f} ops/s"
                    f" ({page_seconds:.2f} s); CPython {sys.version.split()[0]}"
                    f" {ops / cpython_seconds:,.0f} ops/s ({cpython_seconds:.2f} s);"
                    f" the whole command {command_seconds:.2f} s;"
                    f" summary mode (no JSONL) {_summary_speed(path, args.glibc)}"
                )
            browser.close()
        server.shutdown()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
