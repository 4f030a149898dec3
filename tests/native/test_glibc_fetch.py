"""Fetching the locked builds: apt sources, the lock's format, downloads from a local archive,
and fetch without network."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
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


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a download started: the cache should have been enough")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AptConfig, "run", _no_apt)
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)


def test_a_warm_cache_fetches_nothing_and_touches_no_network(offline: None) -> None:
    glibcs.build_for("2.43")  # the real cache holds every build (make glibcs)
    assert glibc_fetch.fetch_locked(log=False) == []


def _other_version() -> str:
    return next(v for v in ("2.43", "2.41") if v != glibc_version())


def _other_versions() -> list[str]:
    return [v for v in ("2.31", "2.41", "2.43", "2.44") if v != glibc_version()]


def _lock(tmp_path: Path, builds: dict[str, glibcs.LockedBuild]) -> Path:
    lock = tmp_path / "glibc.lock"
    lock.write_text(format_lock(builds), encoding="utf-8")
    return lock


def _one_build_lock(tmp_path: Path, version: str, **changes: Any) -> Path:
    entry = glibcs.locked_builds()[version]
    fields = {**entry.__dict__, **changes}
    return _lock(tmp_path, {version: glibcs.LockedBuild(**fields)})


# The real cache's .debs, named before any test points XDG_CACHE_HOME elsewhere.
_REAL_ARCHIVES = glibc_fetch.archives_dir()


def _cached_deb(locked: glibcs.LockedBuild) -> Path:
    """The .deb `make glibcs` downloaded into the real cache."""
    deb = _REAL_ARCHIVES / f"libc6_{locked.build}_amd64.deb"
    assert deb.exists(), "make glibcs keeps each .deb in the cache"
    return deb


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local Debian archive over HTTP (its root folder is yielded), standing in for the
    machine's apt sources, and an empty cache."""
    root = tmp_path / "archive"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_address[1]}"
    sources = ArchiveSources(f"{address}/debian", f"{address}/debian-security", "/k.gpg")
    monkeypatch.setattr(glibc_fetch, "system_sources", lambda: sources)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(AptConfig, "run", _no_apt)
    yield root
    server.shutdown()
    server.server_close()
    thread.join()


def _serve(root: Path, locked: glibcs.LockedBuild, deb: Path) -> None:
    folder = "debian-security" if locked.suite.endswith("-security") else "debian"
    target = root / folder / locked.path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(deb, target)


def test_a_downloaded_deb_is_verified_and_unpacked_without_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None
) -> None:
    version = _other_version()
    locked = glibcs.locked_builds()[version]
    deb = _cached_deb(locked)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    archives = glibc_fetch.archives_dir()
    archives.mkdir(parents=True)
    shutil.copy(deb, archives)
    lock = _one_build_lock(tmp_path, version)
    assert [m.build for m in glibc_fetch.fetch_locked(lock, log=False)] == [locked.build]
    build = glibcs.build_for(version)
    assert build.libdir.is_relative_to(tmp_path)
    assert (build.libdir / "libc.so.6").exists()


def test_the_builds_are_downloaded_from_their_pool_paths_at_once(
    tmp_path: Path, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = _other_versions()
    builds = {version: glibcs.locked_builds()[version] for version in versions}
    for locked in builds.values():
        _serve(archive, locked, _cached_deb(locked))
    lock = _lock(tmp_path, builds)
    assert [m.version for m in glibc_fetch.fetch_locked(lock, log=False)] == versions
    for version, locked in builds.items():
        build = glibcs.build_for(version)
        assert build.libdir.is_relative_to(tmp_path)
        assert (build.libdir / "libc.so.6").exists()
        assert glibc_fetch._sha256(_cached_deb(locked)) == locked.sha256
        assert (glibc_fetch.archives_dir() / _cached_deb(locked).name).exists()
    assert not list(glibc_fetch.archives_dir().glob(".downloading-*"))
    # Everything is in the cache now: a second fetch downloads nothing.
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    assert glibc_fetch.fetch_locked(lock, log=False) == []


def test_a_build_the_registry_dropped_names_the_lock_command(tmp_path: Path, archive: Path) -> None:
    # The archive answers 404 for a pool file it no longer has.
    lock = _one_build_lock(
        tmp_path,
        "2.41",
        build="2.41-12+deb13u4",
        path="pool/main/g/glibc/libc6_2.41-12+deb13u4_amd64.deb",
    )
    with pytest.raises(glibcs.GlibcUnavailable) as caught:
        glibc_fetch.fetch_locked(lock, log=False)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("glibc.lock: libc6 2.41-12+deb13u4 (glibc 2.41) is no longer served by ")
    assert text.endswith(" trixie: run `make glibc-lock` to lock the current builds")


def test_a_replaced_build_is_refused_and_not_kept(tmp_path: Path, archive: Path) -> None:
    version = _other_version()
    locked = glibcs.locked_builds()[version]
    impostor = tmp_path / "impostor.deb"
    impostor.write_bytes(b"!<arch>\n" + b"x" * 1000)
    _serve(archive, locked, impostor)
    with pytest.raises(glibcs.GlibcUnavailable) as caught:
        glibc_fetch.fetch_locked(_one_build_lock(tmp_path, version), log=False)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"libc6 {locked.build} from the registry has SHA-256 ")
    assert text.endswith(
        f"not the locked {locked.sha256}: the build was replaced under the "
        "same name; check, then run `make glibc-lock`"
    )
    assert not list(glibc_fetch.archives_dir().iterdir())
    assert not glibcs.is_unpacked(locked)


def test_an_unreachable_registry_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # A port nothing listens on: bind one, then close it.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    address = f"http://127.0.0.1:{server.server_address[1]}"
    server.server_close()
    sources = ArchiveSources(f"{address}/debian", f"{address}/debian-security", "/k.gpg")
    monkeypatch.setattr(glibc_fetch, "system_sources", lambda: sources)
    version = _other_version()
    locked = glibcs.locked_builds()[version]
    url = f"{sources.uri_for(locked.suite)}/{locked.path}"
    with pytest.raises(BrkdocError) as caught:
        glibc_fetch.fetch_locked(_one_build_lock(tmp_path, version), log=False)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"cannot read the package registry ({sources.uri_for(locked.suite)}): ")
    assert f": {url}: " in text
    assert "refused" in text


def test_an_unreachable_registry_is_one_line_when_locking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def run(self: AptConfig, tool: str, *args: str, cwd: Path | None = None) -> Any:
        error = (
            "W: Failed to fetch http://deb.debian.org/debian/dists/sid/InRelease\n"
            "E: Some index files failed to download."
        )
        return subprocess.CompletedProcess([tool], 100, "", error)

    monkeypatch.setattr(AptConfig, "run", run)
    lock = tmp_path / "glibc.lock"
    fetch = r"W: Failed to fetch http://deb.debian.org/.*/sid/"
    with pytest.raises(BrkdocError, match=rf"^cannot read the package registry .*: {fetch}"):
        glibc_fetch.refresh_lock(lock)
    assert not lock.exists()


def test_the_module_prints_usage_for_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert glibc_fetch.main(["fetch", "extra"]) == 2
    assert capsys.readouterr().err == "usage: python -m brkdoc.native.glibc_fetch fetch|lock\n"
