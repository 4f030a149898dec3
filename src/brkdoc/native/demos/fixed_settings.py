"""What the `fixed-threshold` demo can fix, and how: names only, so that the CLI can offer them.

`brkdoc --help` builds its choices from these without importing the demo, which brings the
child-process machinery with it. The demo itself (`fixed_threshold`) reads them from here.
"""

from __future__ import annotations

from typing import Literal

from brkdoc.glibc_constants import (
    DEFAULT_MMAP_MAX,
    DEFAULT_MMAP_THRESHOLD,
    DEFAULT_TOP_PAD,
    DEFAULT_TRIM_THRESHOLD,
    M_MMAP_MAX,
    M_MMAP_THRESHOLD,
    M_TOP_PAD,
    M_TRIM_THRESHOLD,
)

__all__ = ["NAME", "SETTINGS", "VIAS", "Via"]

NAME = "fixed-threshold"

Via = Literal["mallopt", "env", "tunable"]
VIAS: tuple[Via, ...] = ("mallopt", "env", "tunable")
# Each setting with its mallopt parameter and glibc's own default value: fixing a setting
# switches the dynamic threshold off even when the value does not change.
SETTINGS = {
    "mmap_threshold": (M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD),
    "trim_threshold": (M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD),
    "top_pad": (M_TOP_PAD, DEFAULT_TOP_PAD),
    "mmap_max": (M_MMAP_MAX, DEFAULT_MMAP_MAX),
}
