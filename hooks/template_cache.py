"""MkDocs hook: keep the theme's compiled Jinja templates between builds.

`make serve` loads the configuration afresh for every rebuild, so each rebuild gets a new Jinja
environment that compiles Material's templates again (about a second of every rebuild). Jinja's
own bytecode cache keeps the compiled form under `.cache/jinja/`, keyed by template name and a
checksum of the template's source, so an edited or upgraded template is compiled again.

Enable it in mkdocs.yml with `hooks: [hooks/template_cache.py]`.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "jinja"


def on_env(env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(CACHE_DIR))
    return env
