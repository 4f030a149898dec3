"""Typed ctypes bindings to the running process's C library.

Every address crosses this boundary as a plain `int` (0 stands for NULL), so callers never touch
ctypes objects. The bindings resolve symbols in the process's global namespace, which means they
call the same `malloc` the Python interpreter itself uses: what a demo measures is the allocator
that is really serving this process.

Anything here that moves the program break or changes malloc's settings alters the whole process,
so brkdoc only calls those functions inside a child process (see `brkdoc.native.child`).
"""

from __future__ import annotations

import ctypes
import mmap as _mmap
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from brkdoc.errors import BrkdocError, NotGlibcError

# mallopt's parameter numbers (malloc/malloc.h's names) are defined in brkdoc.glibc_constants and
# offered here too so that a demo can write `libc.mallopt(libc.M_TOP_PAD, 0)`.
from brkdoc.glibc_constants import M_MMAP_MAX, M_MMAP_THRESHOLD, M_TOP_PAD, M_TRIM_THRESHOLD
from brkdoc.platform import glibc_version

__all__ = [
    "MADV_DONTNEED",
    "MADV_FREE",
    "MAP_ANONYMOUS",
    "MAP_FIXED_NOREPLACE",
    "MAP_PRIVATE",
    "MREMAP_MAYMOVE",
    "M_MMAP_MAX",
    "M_MMAP_THRESHOLD",
    "M_TOP_PAD",
    "M_TRIM_THRESHOLD",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "MallInfo2",
    "brk",
    "calloc",
    "free",
    "gnu_get_libc_version",
    "madvise",
    "mallinfo2",
    "malloc",
    "malloc_trim",
    "malloc_usable_size",
    "mallopt",
    "mmap",
    "mremap",
    "munmap",
    "realloc",
    "require_glibc",
    "sbrk",
]

# Linux's generic mman values; Python's mmap module carries the ones it knows for this platform.
PROT_NONE = 0
PROT_READ = _mmap.PROT_READ
PROT_WRITE = _mmap.PROT_WRITE
MAP_PRIVATE = _mmap.MAP_PRIVATE
MAP_ANONYMOUS = _mmap.MAP_ANONYMOUS
# Python 3.11's mmap module does not export this one; 0x100000 is its value in Linux's uapi
# (include/uapi/asm-generic/mman-common.h), the same on every architecture brkdoc targets.
MAP_FIXED_NOREPLACE = 0x100000
MADV_DONTNEED = _mmap.MADV_DONTNEED
MADV_FREE: int = getattr(_mmap, "MADV_FREE", 8)
MREMAP_MAYMOVE = 1

_MAP_FAILED = ctypes.c_void_p(-1).value
_SBRK_FAILED = _MAP_FAILED

# The brk system call has no stable libc wrapper that returns the kernel's answer (glibc's brk()
# returns 0/-1), so it goes through syscall(2). Numbers from each architecture's unistd tables.
_SYS_BRK = {"x86_64": 12, "aarch64": 214, "riscv64": 214, "i686": 45, "i386": 45, "ppc64le": 45}


@dataclass(frozen=True)
class MallInfo2:
    """`struct mallinfo2` (glibc 2.33+): malloc's own totals, in bytes or counts.

    The fields brkdoc relies on: `arena` (bytes obtained by brk or, after a brk failure, the mmap
    fallback), `hblks`/`hblkhd` (count and bytes of chunks that got their own mapping),
    `fordblks` (free bytes in the heap) and `keepcost` (size of the top chunk).
    """

    arena: int
    ordblks: int
    smblks: int
    hblks: int
    hblkhd: int
    usmblks: int
    fsmblks: int
    uordblks: int
    fordblks: int
    keepcost: int


class _CMallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in MallInfo2.__dataclass_fields__]


@cache
def _libc() -> ctypes.CDLL:
    """The C library's symbols as the process sees them, with return and argument types set."""
    lib = ctypes.CDLL(None, use_errno=True)
    voidp, size_t, ssize_t, c_int = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_ssize_t, ctypes.c_int
    signatures: dict[str, tuple[object, list[object]]] = {
        "sbrk": (voidp, [ssize_t]),
        "syscall": (ctypes.c_long, [ctypes.c_long, ctypes.c_long]),
        "mmap": (voidp, [voidp, size_t, c_int, c_int, c_int, ctypes.c_long]),
        "munmap": (c_int, [voidp, size_t]),
        "madvise": (c_int, [voidp, size_t, c_int]),
        "mremap": (voidp, [voidp, size_t, size_t, c_int]),
        "malloc": (voidp, [size_t]),
        "free": (None, [voidp]),
        "realloc": (voidp, [voidp, size_t]),
        "calloc": (voidp, [size_t, size_t]),
        "malloc_usable_size": (size_t, [voidp]),
        "mallopt": (c_int, [c_int, c_int]),
        "malloc_trim": (c_int, [size_t]),
        "mallinfo2": (_CMallInfo2, []),
        "gnu_get_libc_version": (ctypes.c_char_p, []),
    }
    for name, (restype, argtypes) in signatures.items():
        try:
            function = getattr(lib, name)
        except AttributeError:
            continue  # reported by require_glibc() or at the first call
        function.restype = restype
        function.argtypes = argtypes
    return lib


def require_glibc() -> str:
    """Return the glibc version, or raise NotGlibcError when the C library is something else."""
    version = glibc_version()
    if version is None:
        raise NotGlibcError(
            "the live demos need glibc's malloc, and this process's C library is not glibc "
            "(musl, macOS and others allocate differently)"
        )
    return version


def _function(name: str) -> Callable[..., Any]:
    try:
        function: Callable[..., Any] = getattr(_libc(), name)
    except AttributeError:
        require_glibc()
        raise BrkdocError(f"this C library has no {name}()") from None
    return function


def _address(value: int | None) -> int:
    return 0 if value is None else value


def _os_error(call: str) -> OSError:
    errno = ctypes.get_errno()
    return OSError(errno, f"{call}: {os.strerror(errno)}")


def gnu_get_libc_version() -> str:
    """The glibc version string, e.g. "2.36"."""
    raw: bytes = _function("gnu_get_libc_version")()
    return raw.decode()


def sbrk(increment: int) -> int:
    """Move the break by `increment` bytes; return the old break. sbrk(0) just reads it.

    Raises OSError (ENOMEM) when the kernel refuses to move the break.
    """
    result = _address(_function("sbrk")(increment))
    if result == _SBRK_FAILED:
        raise _os_error(f"sbrk({increment})")
    return result


def brk(address: int) -> int:
    """The raw brk system call: ask for the break at `address`, return where the kernel put it.

    The kernel never reports an error; a refused request returns the unchanged break (brk(2),
    "C library/kernel differences"). `brk(0)` reads the break. Moving the break this way bypasses
    glibc's cached `__curbrk`, so only use it to read, or in a process where malloc will not run.
    """
    number = _SYS_BRK.get(platform.machine())
    if number is None:
        raise BrkdocError(
            f"brkdoc does not know the brk system call number on {platform.machine()}"
        )
    result: int = _function("syscall")(number, address)
    return result


def mmap(
    length: int, prot: int, flags: int, *, address: int = 0, fd: int = -1, offset: int = 0
) -> int:
    """mmap(2); returns the mapping's address or raises OSError."""
    result = _address(_function("mmap")(address or None, length, prot, flags, fd, offset))
    if result == _MAP_FAILED:
        raise _os_error(f"mmap({length})")
    return result


def munmap(address: int, length: int) -> None:
    """munmap(2); raises OSError on failure."""
    if _function("munmap")(address, length) != 0:
        raise _os_error("munmap")


def madvise(address: int, length: int, advice: int) -> None:
    """madvise(2); raises OSError on failure."""
    if _function("madvise")(address, length, advice) != 0:
        raise _os_error("madvise")


def mremap(address: int, old_length: int, new_length: int, flags: int = MREMAP_MAYMOVE) -> int:
    """mremap(2) without a new-address argument; returns the (possibly moved) address."""
    result = _address(_function("mremap")(address, old_length, new_length, flags))
    if result == _MAP_FAILED:
        raise _os_error("mremap")
    return result


def malloc(size: int) -> int:
    """malloc(3); returns the address, 0 when the allocation failed."""
    return _address(_function("malloc")(size))


def free(address: int) -> None:
    """free(3). Passing an address malloc did not return corrupts the heap, as in C."""
    _function("free")(address or None)


def realloc(address: int, size: int) -> int:
    """realloc(3); returns the new address, 0 on failure (or when size is 0 and it freed)."""
    return _address(_function("realloc")(address or None, size))


def calloc(count: int, size: int) -> int:
    """calloc(3); returns the address of zeroed memory, 0 on failure."""
    return _address(_function("calloc")(count, size))


def malloc_usable_size(address: int) -> int:
    """How many bytes the block at `address` can really hold (at least what was asked)."""
    size: int = _function("malloc_usable_size")(address or None)
    return size


def mallopt(parameter: int, value: int) -> bool:
    """mallopt(3); True when glibc accepted the setting."""
    return bool(_function("mallopt")(parameter, value))


def malloc_trim(pad: int = 0) -> bool:
    """malloc_trim(3); True when some memory was given back to the system."""
    return bool(_function("malloc_trim")(pad))


def mallinfo2() -> MallInfo2:
    """malloc's totals for all arenas (glibc 2.33 and later)."""
    raw = _function("mallinfo2")()
    return MallInfo2(*(int(getattr(raw, name)) for name in MallInfo2.__dataclass_fields__))
