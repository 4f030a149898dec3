"""The real glibc builds brkdoc checks against, and how to run a program on each.

Five glibc versions are checked: the ones Debian's package registry carries as `libc6` builds.
The exact builds are pinned in `glibc.lock` (next to this module, TOML): Debian build, suite,
the .deb's SHA-256, size and path in the archive's pool. `make glibcs` (that is,
`python -m brkdoc.native.glibc_fetch fetch`) downloads them and unpacks each into
`$XDG_CACHE_HOME/brkdoc/glibc/<build>/`; this module only looks them up, so it never touches
the network.

A program runs on build V through V's own dynamic loader (`ld-linux-x86-64.so.2 --library-path
LIBDIR PROG`): no chroot and no root. The break and heap offsets it then reports are the same as
in a real installation of that build; absolute addresses differ, so compare offsets from the
initial break. The running system's own glibc is used as it is when its version is the one
asked for.
"""

from __future__ import annotations

import subprocess
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from brkdoc.errors import BrkdocError
from brkdoc.native.build import cache_dir
from brkdoc.platform import glibc_version

__all__ = [
    "CHECKED_VERSIONS",
    "FETCH_COMMAND",
    "LOCK_COMMAND",
    "LOCK_PATH",
    "STAMP_NAME",
    "GlibcBuild",
    "GlibcUnavailable",
    "LockedBuild",
    "UnknownGlibc",
    "build_for",
    "builds_dir",
    "check_version",
    "has_mallinfo2",
    "is_unpacked",
    "link_args",
    "locked_builds",
    "run_argv",
    "system_build_name",
    "system_version",
    "unpacked_dir",
]

CHECKED_VERSIONS: tuple[str, ...] = ("2.31", "2.36", "2.41", "2.43", "2.44")
LOCK_PATH = Path(__file__).with_name("glibc.lock")
FETCH_COMMAND = "make glibcs"
LOCK_COMMAND = "make glibc-lock"
# Debian moved the libraries from /lib to /usr/lib (the /usr merge) after bullseye.
_LIBDIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")
_LOADER = "ld-linux-x86-64.so.2"
# Written last when a build is unpacked; holds the .deb's SHA-256, so a half-unpacked or
# re-locked build is never used.
STAMP_NAME = ".brkdoc-sha256"


class GlibcUnavailable(BrkdocError):
    """A checked glibc build is not in the cache (or not locked); the message names the fix."""


class UnknownGlibc(BrkdocError, ValueError):
    """A version that is not one of CHECKED_VERSIONS; exit status 2 like a usage error."""

    exit_status = 2


@dataclass(frozen=True)
class LockedBuild:
    """One entry of glibc.lock: the Debian `libc6` build of a glibc version."""

    version: str
    build: str
    suite: str
    sha256: str
    size: int
    # Where the .deb lies under the suite's archive address, as the signed package index gives
    # it (`Filename:`), e.g. pool/main/g/glibc/libc6_2.43-7_amd64.deb.
    path: str


@dataclass(frozen=True)
class GlibcBuild:
    """A glibc that programs can run on: its libraries' folder and its dynamic loader."""

    version: str
    build: str
    libdir: Path
    loader: Path
    is_system: bool


def check_version(version: str) -> str:
    """`version` itself when it is checked; UnknownGlibc naming the checked ones otherwise."""
    if version not in CHECKED_VERSIONS:
        raise UnknownGlibc(
            f"glibc {version} is not one of the checked versions ({', '.join(CHECKED_VERSIONS)})"
        )
    return version


def locked_builds(path: Path = LOCK_PATH) -> dict[str, LockedBuild]:
    """The builds pinned in the lock, by glibc version."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GlibcUnavailable(f"{path} is missing: run `{LOCK_COMMAND}`") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise GlibcUnavailable(f"{path}: {error}; run `{LOCK_COMMAND}`") from None
    builds: dict[str, LockedBuild] = {}
    for version, entry in data.get("glibc", {}).items():
        try:
            builds[version] = LockedBuild(
                version,
                str(entry["build"]),
                str(entry["suite"]),
                str(entry["sha256"]),
                int(entry["size"]),
                str(entry["path"]),
            )
        except (KeyError, TypeError, ValueError):
            raise GlibcUnavailable(
                f"{path}: entry {version!r} lacks build, suite, sha256, size or path; "
                f"run `{LOCK_COMMAND}`"
            ) from None
    return builds


def builds_dir() -> Path:
    """Where fetched builds are unpacked: `$XDG_CACHE_HOME/brkdoc/glibc`."""
    return cache_dir() / "glibc"


def unpacked_dir(locked: LockedBuild) -> Path:
    return builds_dir() / locked.build


def is_unpacked(locked: LockedBuild) -> bool:
    """Whether the cache holds this exact build, completely unpacked."""
    stamp = unpacked_dir(locked) / STAMP_NAME
    try:
        return stamp.read_text(encoding="ascii").strip() == locked.sha256
    except OSError:
        return False


def system_version() -> str | None:
    """The running glibc's version when it is one of the checked ones, else None."""
    version = glibc_version()
    return version if version in CHECKED_VERSIONS else None


@cache
def system_build_name() -> str:
    """The Debian build of the running glibc (e.g. 2.36-9+deb12u14), or its bare version."""
    try:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", "libc6"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        done = None
    version = glibc_version() or "unknown"
    if done is not None and done.returncode == 0 and done.stdout.startswith(version):
        return done.stdout.strip()
    return version


def build_for(version: str) -> GlibcBuild:
    """The glibc build for `version`: the system's own, or the fetched one from the cache."""
    check_version(version)
    if version == system_version():
        libdir, loader = _system_paths()
        return GlibcBuild(version, system_build_name(), libdir, loader, is_system=True)
    locked = locked_builds().get(version)
    if locked is None:
        raise GlibcUnavailable(f"glibc {version} is not in {LOCK_PATH.name}: run `{LOCK_COMMAND}`")
    if not is_unpacked(locked):
        raise GlibcUnavailable(
            f"glibc {version} ({locked.build}) is not fetched: run `{FETCH_COMMAND}`"
        )
    root = unpacked_dir(locked)
    for libdir in (root / sub for sub in _LIBDIRS):
        if (libdir / _LOADER).exists():
            return GlibcBuild(version, locked.build, libdir, libdir / _LOADER, is_system=False)
    raise GlibcUnavailable(
        f"glibc {version} ({locked.build}) in {root} has no {_LOADER}: run `{FETCH_COMMAND}`"
    )


@cache
def _system_paths() -> tuple[Path, Path]:
    """Where the running glibc's libc.so.6 and loader are, read from this process's maps."""
    libdir = loader = Path()
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    except OSError:
        return libdir, loader
    for line in maps.splitlines():
        path = Path(line.split(maxsplit=5)[-1]) if line.count("/") else None
        if path is None:
            continue
        if path.name.startswith("libc.so") or path.name.startswith("libc-2."):
            libdir = path.parent
        elif path.name.startswith("ld-linux"):
            loader = path
    return libdir, loader


def run_argv(version: str | None, argv: list[str]) -> list[str]:
    """The command that runs `argv` on glibc `version`: through that build's own loader, with
    its libraries first. Unchanged for the system's own glibc, and for None (the running one)."""
    if version is None:
        return list(argv)
    build = build_for(version)
    if build.is_system:
        return list(argv)
    return [str(build.loader), "--library-path", str(build.libdir), *argv]


def link_args(version: str, *, threads: bool = False) -> tuple[str, ...]:
    """Extra gcc arguments (after the sources) so a program built here starts on `version`;
    `threads` for a program that uses pthreads.

    The system's start files call `__libc_start_main@GLIBC_2.34`, which glibc 2.31 lacks.
    Linking against 2.31's own libc.so.6 (and libpthread.so.0, separate before 2.34) binds
    every symbol to the versions 2.31 exports. The system's libc_nonshared.a still comes along:
    its members (atexit, at_quick_exit, pthread_atfork, __stack_chk_fail_local) call only
    symbols that 2.31 exports too. Newer builds export every old version, so they need nothing
    (but `-pthread` with `threads`).
    """
    build = build_for(version)
    if build.is_system or _version_key(version) >= (2, 34):
        return ("-pthread",) if threads else ()
    nonshared = _compiler_file("libc_nonshared.a")
    pthread = (str(build.libdir / "libpthread.so.0"),) if threads else ()
    # rpath-link: the linker checks libpthread's own needs against 2.31's loader, not ours.
    return (
        "-nodefaultlibs",
        f"-Wl,-rpath-link,{build.libdir}",
        *pthread,
        str(build.libdir / "libc.so.6"),
        nonshared,
        "-lgcc",
    )


def has_mallinfo2(version: str) -> bool:
    """mallinfo2 (size_t fields) exists from glibc 2.33; older builds have only mallinfo."""
    return _version_key(check_version(version)) >= (2, 33)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def _compiler_file(name: str) -> str:
    try:
        done = subprocess.run(
            ["gcc", f"-print-file-name={name}"], capture_output=True, text=True, check=False
        )
    except OSError:
        raise GlibcUnavailable("linking for glibc 2.31 needs gcc: install gcc") from None
    return done.stdout.strip() or name
