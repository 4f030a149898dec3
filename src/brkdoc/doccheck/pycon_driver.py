"""Run one `>>>` session file as a doctest, in this (fresh) interpreter.

Used by `runners.run_pycon` as `python -m brkdoc.doccheck.pycon_driver FILE`. ELLIPSIS is on,
and when the literal comparison fails the page's rules for addresses and PIDs are applied.
Exit status 0 means every example matched.
"""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

from brkdoc.doccheck.matching import compare


class _Checker(doctest.OutputChecker):
    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if super().check_output(want, got, optionflags):
            return True
        return compare(want, got) is None


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"__name__": "__main__"}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(checker=_Checker(), optionflags=doctest.ELLIPSIS)
    runner.run(test, out=sys.stdout.write)
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
