"""`brkdoc record`: a real program's allocations become a trace the model replays exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brkdoc.native.record import RecordSummary, convert_mtrace

PROGRAM = r"""
#include <stdlib.h>
#include <string.h>
int main(void)
{
  char *a = malloc(100);
  char *b = calloc(1, 200);
  void *c = NULL;
  a = realloc(a, 5000);
  free(b);
  for (int i = 0; i < 20; i++) { c = malloc(300000 + i); free(c); }
  posix_memalign(&c, 64, 64);
  free(c);
  free(a);
  return 0;
}
"""


def test_convert_mtrace_lines() -> None:
    lines = [
        "= Start",
        "@ ./prog:[0x117b] + 0x55c29cbf14a0 0x64",
        "@ ./prog:[0x11a3] < 0x55c29cbf14a0",
        "@ ./prog:[0x11a3] > 0x55c29cbf15e0 0x1388",
        "@ [0x7f00] - 0x55c29cbf1510",
        "@ ./prog:[0x11bf] ! 0x55c29cbf15e0 0xffffffffff",
        "@ ./prog:[0x11bf] - 0x55c29cbf15e0",
    ]
    summary = RecordSummary(output=Path("x.rep"))
    assert convert_mtrace(lines, summary) == ["a 0 100", "r 0 5000", "f 0"]
    assert (summary.unmatched_frees, summary.failed_reallocs, summary.ids) == (1, 1, 1)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_record_then_compare(tmp_path: Path) -> None:
    source = tmp_path / "prog.c"
    source.write_text(PROGRAM)
    binary = tmp_path / "prog"
    subprocess.run(["cc", "-O0", "-o", str(binary), str(source)], check=True)
    trace = tmp_path / "prog.rep"
    brkdoc = [sys.executable, "-m", "brkdoc"]
    recorded = subprocess.run(
        [*brkdoc, "record", "-o", str(trace), "--", str(binary)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert recorded.returncode == 0, recorded.stderr
    assert "note: 1 calloc call(s), recorded as malloc" in recorded.stdout
    assert "note: 1 memalign-family call(s), recorded as malloc" in recorded.stdout
    lines = trace.read_text().splitlines()
    assert lines[:4] == ["0", "23", "47", "1"]
    assert lines[4:7] == ["a 0 100", "a 1 200", "r 0 5000"]
    compared = subprocess.run(
        [*brkdoc, "compare", str(trace)], capture_output=True, text=True, check=False
    )
    assert compared.returncode == 0, compared.stdout + compared.stderr
