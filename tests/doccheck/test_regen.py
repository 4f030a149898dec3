from __future__ import annotations

from pathlib import Path

from brkdoc.doccheck.regen import main


def test_regen_rewrites_only_real_changes(tmp_path: Path) -> None:
    source = '#include <stdio.h>\nint main(void) { printf("at %p\\n", (void *)&main); return 0; }\n'
    (tmp_path / "d.c").write_text(source)
    (tmp_path / "d.out").write_text("at 0x555555554000\n")
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "d.out").read_text() == "at 0x555555554000\n"
    (tmp_path / "d.out").write_text("stale\n")
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "d.out").read_text().startswith("at 0x")
