"""Facts about the machine: C library, kernel, distribution, architecture, page size."""

from __future__ import annotations

import ctypes
import os
import platform
from dataclasses import asdict, dataclass

__all__ = ["PlatformFacts", "describe_platform", "glibc_version"]


@dataclass(frozen=True)
class PlatformFacts:
    libc: str
    libc_version: str
    kernel: str
    distribution: str
    machine: str
    page_size: int

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)


def glibc_version() -> str | None:
    """The running glibc's version (`gnu_get_libc_version()`), or None on another C library."""
    try:
        libc = ctypes.CDLL(None)
        fn = libc.gnu_get_libc_version
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_char_p
    fn.argtypes = []
    raw: bytes = fn()
    return raw.decode()


def _distribution() -> str:
    try:
        release = platform.freedesktop_os_release()
    except OSError:
        return "unknown"
    return release.get("PRETTY_NAME", release.get("NAME", "unknown"))


def describe_platform() -> PlatformFacts:
    version = glibc_version()
    return PlatformFacts(
        libc="glibc" if version else "unknown (not glibc)",
        libc_version=version or "unknown",
        kernel=platform.release(),
        distribution=_distribution(),
        machine=platform.machine(),
        page_size=os.sysconf("SC_PAGESIZE"),
    )
