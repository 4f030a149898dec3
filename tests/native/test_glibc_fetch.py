"""Fetching the locked builds: apt sources, the lock's format, and fetch without network."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from brkdoc.errors import BrkdocError
from brkdoc.native import glibc_fetch, glibcs
from brkdoc.native.glibc_fetch import (
    AptConfig,
    ArchiveSources,
    format_lock,
    newest_builds,
    system_sources,
)
from brkdoc.platform import glibc_version

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""

MADISON = """\
     libc6 |     2.44-3 | http://deb.debian.org/debian experimental/main amd64 Packages
     libc6 |     2.43-7 | http://deb.debian.org/debian sid/main amd64 Packages
     libc6 | 2.41-12+deb13u5 | http://deb.debian.org/debian trixie/main amd64 Packages
     libc6 | 2.36-9+deb12u14 | http://deb.debian.org/debian bookworm/main amd64 Packages
     libc6 | 2.36-9+deb12u7 | http://d.example/d-security bookworm-security/main amd64 Packages
     libc6 | 2.31-13+deb11u14 | http://d.example/d-security bullseye-security/main amd64 Packages
     libc6 | 2.31-13+deb11u11 | http://deb.debian.org/debian bullseye/main amd64 Packages
"""


def test_archive_addresses_come_from_deb822_sources(tmp_path: Path) -> None:
    (tmp_path / "debian.sources").write_text(DEB822, encoding="utf-8")
    sources = system_sources([tmp_path])
    assert sources == ArchiveSources(
        "http://mirror.example/debian",
        "http://mirror.example/debian-security",
        "/usr/share/keyrings/debian-archive-keyring.gpg",
    )
    assert sources.uri_for("trixie-security") == "http://mirror.example/debian-security"
    assert sources.uri_for("sid") == "http://mirror.example/debian"


def test_archive_addresses_come_from_one_line_sources(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text(
        "# a comment\ndeb [signed-by=/k.gpg] http://m.example/debian bookworm main\n",
        encoding="utf-8",
    )
    sources = system_sources([listing])
    assert sources == ArchiveSources(
        "http://m.example/debian", "http://m.example/debian-security", "/k.gpg"
    )


def test_no_debian_source_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BrkdocError, match="no Debian archive found in the apt sources"):
        system_sources([tmp_path])


def test_the_private_config_keeps_apt_away_from_the_system(tmp_path: Path) -> None:
    sources = ArchiveSources("http://a/debian", "http://a/debian-security", "/k.gpg")
    config = AptConfig(tmp_path, sources, ["sid", "trixie-security"])
    config.write()
    options = config.options()
    settings = dict(option.split("=", 1) for option in options[1::2])
    assert settings["Dir::State::status"] == str(tmp_path / "status")
    assert settings["Acquire::Check-Valid-Until"] == "false"
    assert all(
        settings[key].startswith(str(tmp_path))
        for key in ("Dir::Etc", "Dir::State::Lists", "Dir::Cache", "Dir::Cache::Archives")
    )
    assert (tmp_path / "etc" / "sources.list").read_text(encoding="utf-8") == (
        "deb [signed-by=/k.gpg] http://a/debian sid main\n"
        "deb [signed-by=/k.gpg] http://a/debian-security trixie-security main\n"
    )


def test_newest_build_of_each_version_wins() -> None:
    assert newest_builds(MADISON) == {
        "2.44": ("2.44-3", "experimental"),
        "2.43": ("2.43-7", "sid"),
        "2.41": ("2.41-12+deb13u5", "trixie"),
        "2.36": ("2.36-9+deb12u14", "bookworm"),
        "2.31": ("2.31-13+deb11u14", "bullseye-security"),
    }


def test_format_lock_round_trips(tmp_path: Path) -> None:
    lock = tmp_path / "glibc.lock"
    builds = glibcs.locked_builds()
    lock.write_text(format_lock(builds), encoding="utf-8")
    assert glibcs.locked_builds(lock) == builds


def _no_apt(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    raise AssertionError("apt ran: the cache should have been enough")


def test_a_warm_cache_fetches_nothing_and_touches_no_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    glibcs.build_for("2.43")  # the real cache holds every build (make glibcs)
    monkeypatch.setattr(AptConfig, "run", _no_apt)
    assert glibc_fetch.fetch_locked(log=False) == []


def _other_version() -> str:
    return next(v for v in ("2.43", "2.41") if v != glibc_version())


def _one_build_lock(tmp_path: Path, version: str, **changes: Any) -> Path:
    entry = glibcs.locked_builds()[version]
    fields = {**entry.__dict__, **changes}
    lock = tmp_path / "glibc.lock"
    lock.write_text(format_lock({version: glibcs.LockedBuild(**fields)}), encoding="utf-8")
    return lock


def test_a_downloaded_deb_is_verified_and_unpacked_without_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = _other_version()
    locked = glibcs.locked_builds()[version]
    deb = glibc_fetch.apt_root() / "archives" / f"libc6_{locked.build}_amd64.deb"
    assert deb.exists(), "make glibcs keeps each .deb in the cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    archives = glibc_fetch.apt_root() / "archives"
    archives.mkdir(parents=True)
    shutil.copy(deb, archives)
    monkeypatch.setattr(AptConfig, "run", _no_apt)
    lock = _one_build_lock(tmp_path, version)
    assert [m.build for m in glibc_fetch.fetch_locked(lock, log=False)] == [locked.build]
    build = glibcs.build_for(version)
    assert build.libdir.is_relative_to(tmp_path)
    assert (build.libdir / "libc.so.6").exists()


def _fake_apt(stderr: str) -> Any:
    def run(self: AptConfig, tool: str, *args: str, cwd: Path | None = None) -> Any:
        if args[0] == "update":
            return subprocess.CompletedProcess([tool], 0, "", "")
        return subprocess.CompletedProcess([tool], 100, "", stderr)

    return run


def test_a_build_the_registry_dropped_names_the_lock_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lock = _one_build_lock(tmp_path, "2.41", build="2.41-12+deb13u4")
    # What apt-get download prints for a build the package lists no longer have:
    message = "E: Version '2.41-12+deb13u4' for 'libc6' was not found\n"
    monkeypatch.setattr(AptConfig, "run", _fake_apt(message))
    with pytest.raises(glibcs.GlibcUnavailable) as caught:
        glibc_fetch.fetch_locked(lock, log=False)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("glibc.lock: libc6 2.41-12+deb13u4 (glibc 2.41) is no longer served by ")
    assert text.endswith(" trixie: run `make glibc-lock` to lock the current builds")


def test_an_unreachable_registry_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lock = _one_build_lock(tmp_path, _other_version())

    def run(self: AptConfig, tool: str, *args: str, cwd: Path | None = None) -> Any:
        error = (
            "W: Failed to fetch http://deb.debian.org/debian/dists/sid/InRelease\n"
            "E: Some index files failed to download."
        )
        return subprocess.CompletedProcess([tool], 100, "", error)

    monkeypatch.setattr(AptConfig, "run", run)
    fetch = r"W: Failed to fetch http://deb.debian.org/.*/sid/"
    with pytest.raises(BrkdocError, match=rf"^cannot read the package registry .*: {fetch}"):
        glibc_fetch.fetch_locked(lock, log=False)


def test_the_module_prints_usage_for_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert glibc_fetch.main(["fetch", "extra"]) == 2
    assert capsys.readouterr().err == "usage: python -m brkdoc.native.glibc_fetch fetch|lock\n"
