"""Rewrite the committed `.out` file of every example from a live run.

Usage: python -m brkdoc.doccheck.regen [FOLDER]   (default: examples)
Only examples that already have a `.out` file are rewritten; create an empty one to opt in.
A file whose output still matches under the page rules (addresses and PIDs aside) is left
alone, so regenerating does not churn addresses in the history.
"""

from __future__ import annotations

import sys
from pathlib import Path

from brkdoc.doccheck.examples import ExampleFailed, find_examples, run_example
from brkdoc.doccheck.matching import compare


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "examples")
    status = 0
    for example in find_examples(root):
        if not example.has_expected:
            continue
        try:
            output = run_example(example)
        except ExampleFailed as error:
            print(f"regen: {error}", file=sys.stderr)
            status = 1
            continue
        old = example.expected_path.read_text(encoding="utf-8")
        if compare(old, output or "") is None:
            continue
        example.expected_path.write_text(output or "", encoding="utf-8")
        print(f"wrote {example.expected_path}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
