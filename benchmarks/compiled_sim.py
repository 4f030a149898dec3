"""An optional mypyc-compiled copy of `brkdoc.sim`, built beside the source, never over it.

The pure-Python modules in src/brkdoc/sim and src/brkdoc/trace stay the source of truth (the
browser playground runs them, and `pip install` needs no compiler). This script copies the
`brkdoc` package into `.cache/compiled-sim/KEY/`, compiles there with mypyc the simulator's
modules, those of the trace format its hot loop calls (`IdTable`, the line checks) and glibc's
constants (mypyc is shipped with mypy, which the lock already has; it needs gcc and the Python
headers), and prints that folder. Put it first on PYTHONPATH to run the compiled model:

    PYTHONPATH=$(.venv/bin/python benchmarks/compiled_sim.py) .venv/bin/brkdoc simulate TRACE

KEY is a digest of brkdoc's source, this script, mypy's version and the interpreter, so an edit
to the model builds a new copy instead of running a stale one. `make sim-compiled` runs this script;
`benchmarks/sim_speed.py --compiled` times the copy; tests/test_compiled_sim.py checks that it
gives the same output as the pure modules on every example trace.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import version
from pathlib import Path

from brkdoc.buildcache import inputs_digest

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "compiled-sim"
# Every module of the model and of the trace format, as "sim/heap", except the packages'
# __init__ (which only re-export), and glibc's constants, which the model's hot path reads:
# compiled code reaches a name in an uncompiled module through that module's dictionary.
PACKAGES = ("sim", "trace")
MODULES = (
    *(
        f"{package}/{path.stem}"
        for package in PACKAGES
        for path in sorted((ROOT / "src" / "brkdoc" / package).glob("*.py"))
        if path.stem != "__init__"
    ),
    "glibc_constants",
)
_DONE = "compiled.ok"


def build_key() -> str:
    # This script is an input too: a change to MODULES must not reuse a copy compiled without it.
    return inputs_digest(
        ROOT, ["src/brkdoc", "benchmarks/compiled_sim.py"], version("mypy"), sys.version
    )


def build(quiet: bool = True) -> Path:
    """The folder holding the compiled copy for the current source, building it if needed."""
    target = CACHE / build_key()
    if (target / _DONE).is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(
        ROOT / "src" / "brkdoc",
        target / "brkdoc",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.so"),
    )
    mypyc = Path(sys.executable).with_name("mypyc")
    sources = [f"brkdoc/{name}.py" for name in MODULES]
    done = subprocess.run(
        [str(mypyc), *sources], cwd=target, capture_output=quiet, text=True, check=False
    )
    if done.returncode != 0:
        detail = (done.stdout or "") + (done.stderr or "")
        raise SystemExit(f"compiled_sim: mypyc failed:\n{detail.strip()[-3000:]}")
    shutil.rmtree(target / "build", ignore_errors=True)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    missing = [name for name in MODULES if not (target / "brkdoc" / f"{name}{suffix}").is_file()]
    if missing:
        raise SystemExit(f"compiled_sim: mypyc built no extension for {', '.join(missing)}")
    (target / _DONE).write_text(build_key() + "\n", encoding="utf-8")
    # One compiled copy at a time: the others belong to earlier source.
    for other in CACHE.iterdir():
        if other != target:
            shutil.rmtree(other, ignore_errors=True)
    return target


def main() -> int:
    print(build(quiet="-v" not in sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
