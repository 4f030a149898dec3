"""The locked glibc builds: the lock itself, looking builds up, and running programs on each.

These tests run on the builds `make glibcs` put in the cache (`make test` fetches them first).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from brkdoc.native import glibcs
from brkdoc.native.build import compile_cached
from brkdoc.native.glibc_fetch import format_lock
from brkdoc.platform import glibc_version
from brkdoc.sim import profiles

VERSION_PROGRAM = """
#include <gnu/libc-version.h>
#include <stdio.h>
int main (void) { printf ("%s\\n", gnu_get_libc_version ()); return 0; }
"""


def test_checked_versions_are_the_models_versions() -> None:
    assert glibcs.CHECKED_VERSIONS == profiles.CHECKED_VERSIONS == tuple(profiles.PROFILES)


def test_the_lock_pins_every_checked_version() -> None:
    locked = glibcs.locked_builds()
    assert sorted(locked) == sorted(glibcs.CHECKED_VERSIONS)
    for version, entry in locked.items():
        assert entry.build.startswith(f"{version}-")
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
        assert entry.size > 1_000_000


def test_the_lock_is_what_format_lock_writes() -> None:
    # The lock is only ever written by `make glibc-lock`; a hand edit shows up here.
    text = glibcs.LOCK_PATH.read_text(encoding="utf-8")
    assert format_lock(glibcs.locked_builds()) == text


@pytest.mark.parametrize("version", glibcs.CHECKED_VERSIONS)
def test_a_program_built_here_runs_on_each_build(version: str) -> None:
    libraries = glibcs.link_args(version)
    binary = compile_cached(VERSION_PROGRAM, "libc-version", ("-O2",), libraries=libraries)
    done = subprocess.run(
        glibcs.run_argv(version, [str(binary)]), capture_output=True, text=True, check=True
    )
    assert done.stdout == f"{version}\n"


@pytest.mark.parametrize("version", glibcs.CHECKED_VERSIONS)
def test_build_for_describes_the_build(version: str) -> None:
    build = glibcs.build_for(version)
    assert build.version == version
    assert build.build.startswith(version)
    assert build.is_system == (version == glibc_version())
    assert (build.libdir / "libc.so.6").exists()
    assert build.loader.name == "ld-linux-x86-64.so.2"
    if build.is_system:
        assert glibcs.run_argv(version, ["prog", "x"]) == ["prog", "x"]
    else:
        assert build.build == glibcs.locked_builds()[version].build
        assert glibcs.run_argv(version, ["prog"]) == [
            str(build.loader),
            "--library-path",
            str(build.libdir),
            "prog",
        ]


def test_only_builds_before_2_34_need_extra_link_arguments() -> None:
    needing = [v for v in glibcs.CHECKED_VERSIONS if glibcs.link_args(v)]
    assert needing == ["2.31"]
    args = glibcs.link_args("2.31")
    assert args[0] == "-nodefaultlibs"
    libdir = glibcs.build_for("2.31").libdir
    assert str(libdir / "libc.so.6") in args
    assert str(libdir / "libpthread.so.0") in glibcs.link_args("2.31", threads=True)
    assert glibcs.link_args("2.43", threads=True) == ("-pthread",)


def test_an_unchecked_version_is_refused_naming_the_checked_ones() -> None:
    with pytest.raises(
        glibcs.UnknownGlibc, match=r"glibc 2\.39 .*2\.31, 2\.36, 2\.41, 2\.43, 2\.44"
    ):
        glibcs.build_for("2.39")
    assert glibcs.UnknownGlibc.exit_status == 2


def test_an_unfetched_build_names_the_make_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    other = next(v for v in glibcs.CHECKED_VERSIONS if v != glibc_version())
    with pytest.raises(glibcs.GlibcUnavailable) as caught:
        glibcs.build_for(other)
    message = str(caught.value)
    assert message == (
        f"glibc {other} ({glibcs.locked_builds()[other].build}) is not fetched: run `make glibcs`"
    )


def test_a_half_unpacked_build_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    other = next(v for v in glibcs.CHECKED_VERSIONS if v != glibc_version())
    locked = glibcs.locked_builds()[other]
    folder = glibcs.unpacked_dir(locked)
    (folder / "usr/lib/x86_64-linux-gnu").mkdir(parents=True)
    (folder / glibcs.STAMP_NAME).write_text("0" * 64 + "\n", encoding="ascii")  # another build
    with pytest.raises(glibcs.GlibcUnavailable, match="is not fetched"):
        glibcs.build_for(other)


def test_a_broken_lock_names_the_lock_command(tmp_path: Path) -> None:
    lock = tmp_path / "glibc.lock"
    lock.write_text('[glibc."2.43"]\nbuild = "2.43-7"\n', encoding="utf-8")
    with pytest.raises(glibcs.GlibcUnavailable, match=r"lacks build.*run `make glibc-lock`"):
        glibcs.locked_builds(lock)
    lock.write_text("[glibc\n", encoding="utf-8")
    with pytest.raises(glibcs.GlibcUnavailable, match=r"run `make glibc-lock`"):
        glibcs.locked_builds(lock)
    with pytest.raises(glibcs.GlibcUnavailable, match=r"missing: run `make glibc-lock`"):
        glibcs.locked_builds(tmp_path / "absent.lock")


def test_mallinfo2_exists_from_2_33() -> None:
    assert [v for v in glibcs.CHECKED_VERSIONS if not glibcs.has_mallinfo2(v)] == ["2.31"]
