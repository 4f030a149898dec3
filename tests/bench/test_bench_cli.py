"""`brkdoc bench`: --help, --json shape, and the table."""

from __future__ import annotations

import json
import shutil

import pytest

from brkdoc.cli import main

needs_gcc = pytest.mark.skipif(
    shutil.which("gcc") is None, reason="no C compiler to build the probe"
)


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0
    assert "--json" in capsys.readouterr().out


def test_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--nonsense"])
    assert exit_info.value.code == 2


@needs_gcc
def test_json_is_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--quick", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == 1
    assert {"costs", "vmas", "returns", "sweep", "machine", "raw"} <= set(data)


@needs_gcc
def test_table_goes_to_stdout_and_wall_time_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--quick"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("machine: ")
    assert "malloc + free" in captured.out
    assert captured.err.startswith("measured in ")
