"""The build machine's facts as a Markdown table, for the page "Where the outputs came from".

The site is built right after `make test` has run every block on the same machine
(`.ci/run`, and the Pages workflow), so the machine that built a copy of the site is the one on
which every output in it was last checked. `hooks/provenance.py` puts this table on the page at
build time; tests/test_provenance.py keeps the table and the live machine in step.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from brkdoc.platform import PlatformFacts, describe_platform

__all__ = ["MARKER", "build_machine_table", "randomize_va_space"]

MARKER = "<!-- brkdoc:build-machine -->"
_RANDOMIZE = Path("/proc/sys/kernel/randomize_va_space")


def randomize_va_space() -> str:
    """The kernel's address-space randomization level (0, 1 or 2), or "unknown"."""
    try:
        return _RANDOMIZE.read_text(encoding="ascii").strip()
    except OSError:
        return "unknown"


def _compiler() -> str:
    try:
        done = subprocess.run(
            ["gcc", "--version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return "not installed"
    return done.stdout.splitlines()[0] if done.stdout else "unknown"


def build_machine_table(facts: PlatformFacts | None = None) -> str:
    """A two-column Markdown table of the C library, kernel, distribution and the rest.

    >>> from brkdoc.platform import PlatformFacts
    >>> facts = PlatformFacts("glibc", "2.36", "6.1.0", "Debian GNU/Linux 12 (bookworm)",
    ...                       "x86_64", 4096)
    >>> print(build_machine_table(facts).splitlines()[2])
    | C library | glibc 2.36 |
    """
    facts = facts or describe_platform()
    rows = [
        ("C library", f"{facts.libc} {facts.libc_version}"),
        ("Kernel", facts.kernel),
        ("Distribution", facts.distribution),
        ("Machine", facts.machine),
        ("Page size", f"{facts.page_size} bytes"),
        ("Address-space randomization", f"randomize_va_space = {randomize_va_space()}"),
        ("C compiler", _compiler()),
    ]
    lines = ["| Fact | This build |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)
