from __future__ import annotations

import os
import platform

from brkdoc.platform import describe_platform, glibc_version


def test_glibc_version_matches_confstr() -> None:
    assert os.confstr("CS_GNU_LIBC_VERSION") == f"glibc {glibc_version()}"


def test_describe_platform_reports_this_machine() -> None:
    facts = describe_platform()
    assert facts.kernel == platform.release()
    assert facts.page_size == os.sysconf("SC_PAGESIZE")
    assert set(facts.as_dict()) == {
        "libc",
        "libc_version",
        "kernel",
        "distribution",
        "machine",
        "page_size",
    }
