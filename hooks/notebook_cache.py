"""MkDocs hook: execute the notebooks again only when something they depend on changed.

mkdocs-jupyter can keep each executed notebook in a cache, but its key covers only the
notebook's own text and the plugin's options, not the code the notebook imports or the data it
reads. Turning that cache on alone would serve a notebook drawn by yesterday's simulator. This
hook turns it on with a cache folder named after a digest of those other inputs (brkdoc's source,
the example traces, the locked environment, the Python version), so a change to any of them
starts from an empty folder and the notebooks run again; a change to a page alone reuses them.
mkdocs.yml leaves the plugin's cache off, so without this hook every build executes.

Enable it in mkdocs.yml with `hooks: [hooks/notebook_cache.py]`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from brkdoc.buildcache import inputs_digest

ROOT = Path(__file__).resolve().parent.parent
CACHE_ROOT = ROOT / ".cache" / "mkdocs-jupyter"
# What the notebooks import or read besides their own text (which mkdocs-jupyter hashes itself).
INPUTS = ("src/brkdoc", "examples/traces", "requirements.lock", "hooks/notebook_cache.py")
PLUGIN = "mkdocs-jupyter"


def cache_folder(root: Path) -> Path:
    """The cache folder for the current inputs."""
    return CACHE_ROOT / inputs_digest(root, INPUTS, sys.version)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    plugin = config.plugins.get(PLUGIN)
    if plugin is None:
        raise PluginError(f"notebook_cache: the {PLUGIN} plugin is not enabled in mkdocs.yml")
    plugin.config["cache"] = True
    plugin.config["cache_dir"] = str(cache_folder(ROOT))
    return config


def on_post_build(config: MkDocsConfig) -> None:
    """Remove the folders of earlier inputs, so the cache holds one set of notebooks."""
    plugin = config.plugins.get(PLUGIN)
    if plugin is None or not CACHE_ROOT.is_dir():
        return
    current = Path(plugin.config["cache_dir"])
    for folder in CACHE_ROOT.iterdir():
        if folder.is_dir() and folder != current:
            shutil.rmtree(folder, ignore_errors=True)
