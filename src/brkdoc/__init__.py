"""brkdoc: how Linux programs get memory, shown on the live system.

`brkdoc.sim` is a pure model of glibc's malloc; `brkdoc.native` touches the real process
(in child processes); `brkdoc.cli` is the thin command-line front end.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
