"""hooks/notebook_cache.py: notebooks run again when the code or data they use changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from tests.loading import load_by_path

ROOT = Path(__file__).resolve().parent.parent
hook = load_by_path("hooks/notebook_cache.py", "notebook_cache_under_test")


def test_every_input_exists() -> None:
    for relative in hook.INPUTS:
        assert (ROOT / relative).exists(), relative


def test_the_site_config_turns_the_cache_on_with_a_folder_per_input_digest() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    plugin = config.plugins["mkdocs-jupyter"]
    # mkdocs.yml alone leaves it off: the plugin's own key misses brkdoc's code.
    cache_in_mkdocs_yml = plugin.config["cache"]
    assert cache_in_mkdocs_yml is False
    assert any(path.endswith("notebook_cache.py") for path in config["hooks"])
    hook.on_config(config)
    assert plugin.config["cache"] is True
    folder = Path(plugin.config["cache_dir"])
    assert folder.parent == hook.CACHE_ROOT
    assert folder == hook.cache_folder(ROOT)


def test_a_change_to_the_simulator_changes_the_folder(tmp_path: Path) -> None:
    for relative in hook.INPUTS:
        source = ROOT / relative
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            (target / "x").mkdir(parents=True)
            (target / "x" / "file.py").write_text("X = 1\n")
        else:
            target.write_bytes(source.read_bytes())
    before = hook.cache_folder(tmp_path)
    (tmp_path / "src" / "brkdoc" / "x" / "file.py").write_text("X = 2\n")
    assert hook.cache_folder(tmp_path) != before


def test_without_the_plugin_the_build_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    with pytest.raises(PluginError, match="mkdocs-jupyter plugin is not enabled"):
        hook.on_config(config)


def test_post_build_keeps_only_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hook, "CACHE_ROOT", tmp_path)
    (tmp_path / "old").mkdir()
    (tmp_path / "current").mkdir()
    config = load_config(str(ROOT / "mkdocs.yml"))
    config.plugins["mkdocs-jupyter"].config["cache_dir"] = str(tmp_path / "current")
    hook.on_post_build(config)
    assert [path.name for path in tmp_path.iterdir()] == ["current"]
