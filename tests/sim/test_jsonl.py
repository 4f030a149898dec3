"""brkdoc.sim.jsonl: the one function behind `simulate --jsonl`, and its error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from brkdoc.cli import main
from brkdoc.errors import BrkdocError
from brkdoc.sim import simulate
from brkdoc.sim.jsonl import jsonl_lines
from brkdoc.sim.profiles import PROFILES, Profile
from brkdoc.trace import format_observation, parse_trace

TRACE = ["2", "4", "a 0 40000", "a 1 200000", "f 1", "r 0 100"]
DOUBLE_FREE = ["1", "3", "a 0 24", "f 0", "f 0"]


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_one_line_per_observation(profile: Profile) -> None:
    ops = list(parse_trace(TRACE, "t.rep"))
    expected = [format_observation(obs) + "\n" for obs in simulate(ops, profile)]
    assert list(jsonl_lines(ops, "t.rep", profile)) == expected


def test_an_abort_names_file_line_message_and_op_after_the_lines_before_it() -> None:
    ops = list(parse_trace(DOUBLE_FREE, "twice.rep"))
    printed: list[str] = []
    with pytest.raises(BrkdocError) as raised:
        printed.extend(jsonl_lines(ops, "twice.rep", PROFILES["2.36"]))
    assert len(printed) == 2
    assert str(raised.value) == ("twice.rep:5: free(): double free detected in tcache 2 (op 'f 0')")


@pytest.mark.parametrize("lines", [TRACE, DOUBLE_FREE], ids=["ok", "abort"])
def test_the_cli_prints_exactly_these_lines(
    lines: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.rep"
    path.write_text("\n".join(lines) + "\n")
    ops = list(parse_trace(lines, str(path)))
    printed: list[str] = []
    message = None
    try:
        printed.extend(jsonl_lines(ops, str(path), PROFILES["2.36"]))
    except BrkdocError as error:
        message = str(error)
    status = main(["simulate", "--jsonl", "--glibc", "2.36", str(path)])
    out, err = capsys.readouterr()
    assert out == "".join(printed)
    assert status == (0 if message is None else 1)
    assert err == ("" if message is None else f"brkdoc: {message}\n")
