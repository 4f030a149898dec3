"""Fetch the locked glibc builds from Debian's package registry, or refresh the lock.

`python -m brkdoc.native.glibc_fetch fetch` (what `make glibcs` runs) downloads what the cache
lacks; `python -m brkdoc.native.glibc_fetch lock` (what `make glibc-lock` runs) pins the builds
the registry serves now.

Refreshing the lock runs apt with a private configuration under the cache (`glibc/apt/`): its
own sources list, package lists, archive folder and an empty dpkg status, so no root is needed
and the system's apt state is never touched. apt checks the package indices with the keyring of
the machine's own apt sources, and the lock records, for each build, what those signed indices
say: its pool path, size and SHA-256.

Fetching needs no package index: each .deb is downloaded straight from its pool path under the
archive address of the machine's own apt sources, all of them at once, and is unpacked only
when its SHA-256 is the locked one. With every locked build unpacked in the cache, `fetch`
touches no network.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from brkdoc.errors import BrkdocError
from brkdoc.native.glibcs import (
    CHECKED_VERSIONS,
    LOCK_COMMAND,
    LOCK_PATH,
    STAMP_NAME,
    GlibcUnavailable,
    LockedBuild,
    builds_dir,
    is_unpacked,
    locked_builds,
    system_version,
    unpacked_dir,
)

__all__ = [
    "AptConfig",
    "ArchiveSources",
    "archives_dir",
    "fetch_locked",
    "main",
    "refresh_lock",
    "system_sources",
]

# Where Debian keeps each glibc series as a libc6 binary (bullseye 2.31, bookworm 2.36, trixie
# 2.41, sid 2.43, experimental 2.44). The -security suites carry the point releases.
SUITES = (
    "bullseye",
    "bullseye-security",
    "bookworm",
    "bookworm-security",
    "trixie",
    "trixie-security",
    "sid",
    "experimental",
)
_DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# Seconds a download may wait for the archive between two reads.
_TIMEOUT = 60
_SYSTEM_SOURCES = (Path("/etc/apt/sources.list.d"), Path("/etc/apt/sources.list"))


@dataclass(frozen=True)
class ArchiveSources:
    """The Debian archive addresses the machine's apt uses, and the keyring that signs them."""

    archive: str
    security: str
    keyring: str

    def uri_for(self, suite: str) -> str:
        return self.security if suite.endswith("-security") else self.archive


def system_sources(paths: Sequence[Path] = _SYSTEM_SOURCES) -> ArchiveSources:
    """Read the archive URIs from the system's apt sources (deb822 `.sources` or one-line)."""
    entries: list[tuple[str, list[str], str]] = []
    for path in paths:
        files = [path]
        if path.is_dir():
            files = sorted(path.glob("*.sources")) + sorted(path.glob("*.list"))
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except OSError:
                continue
            deb822 = file.suffix == ".sources"
            entries += _deb822_entries(text) if deb822 else _one_line_entries(text)
    archive = security = None
    keyring = _DEFAULT_KEYRING
    for uri, suites, signed_by in entries:
        if any(suite.endswith("-security") for suite in suites):
            security = security or uri
        elif "debian" in uri:
            archive = archive or uri
            keyring = signed_by or keyring
    if archive is None:
        places = ", ".join(str(path) for path in paths)
        raise BrkdocError(f"no Debian archive found in the apt sources ({places})")
    fallback_security = archive.rstrip("/").removesuffix("/debian") + "/debian-security"
    return ArchiveSources(archive.rstrip("/"), (security or fallback_security).rstrip("/"), keyring)


def _deb822_entries(text: str) -> list[tuple[str, list[str], str]]:
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
            continue
        for uri in fields.get("uris", "").split():
            entries.append((uri, fields.get("suites", "").split(), fields.get("signed-by", "")))
    return entries


def _one_line_entries(text: str) -> list[tuple[str, list[str], str]]:
    entries = []
    for line in text.splitlines():
        found = re.match(r"^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)", line.strip())
        if found:
            options, uri, suite = found.groups()
            signed = re.search(r"signed-by=(\S+)", options or "")
            entries.append((uri, [suite], signed.group(1) if signed else ""))
    return entries


class AptConfig:
    """A private apt configuration rooted at `root`, listing `suites` of `sources`."""

    def __init__(self, root: Path, sources: ArchiveSources, suites: Sequence[str]) -> None:
        self.root = root
        self.sources = sources
        self.suites = tuple(suites)

    @property
    def archives(self) -> Path:
        return self.root / "archives"

    def options(self) -> list[str]:
        settings = {
            "Dir::Etc": self.root / "etc",
            "Dir::State::Lists": self.root / "lists",
            "Dir::Cache": self.root / "cache",
            "Dir::Cache::Archives": self.archives,
            "Dir::State::status": self.root / "status",
            "APT::Architecture": "amd64",
            # sid's Release file is regenerated often and is sometimes seen expired.
            "Acquire::Check-Valid-Until": "false",
            "Acquire::Languages": "none",
            "APT::Get::List-Cleanup": "false",
        }
        if os.geteuid() == 0:
            # Files here belong to root, so apt's _apt download user could not write them.
            settings["APT::Sandbox::User"] = "root"
        return [arg for key, value in settings.items() for arg in ("-o", f"{key}={value}")]

    def write(self) -> None:
        for sub in (
            "etc/sources.list.d",
            "etc/preferences.d",
            "lists/partial",
            "cache",
            "archives/partial",
        ):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "status").touch()
        lines = [
            f"deb [signed-by={self.sources.keyring}] {self.sources.uri_for(suite)} {suite} main"
            for suite in self.suites
        ]
        (self.root / "etc" / "sources.list").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(
        self, tool: str, *args: str, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [tool, *self.options(), *args],
                capture_output=True,
                text=True,
                check=False,
                cwd=cwd,
                env={**os.environ, "LC_ALL": "C"},
            )
        except OSError as error:
            raise BrkdocError(f"cannot run {tool}: {error.strerror} (needs Debian's apt)") from None

    def update(self) -> None:
        # Without --error-on=any, apt-get update exits 0 when it could fetch nothing at all,
        # and a later "version not found" would wrongly blame the lock.
        done = self.run("apt-get", "update", "--error-on=any")
        if done.returncode != 0:
            raise BrkdocError(
                f"cannot read the package registry ({self.sources.archive}): "
                f"apt-get update failed: {_last_error(done.stderr)}"
            )


def _last_error(stderr: str) -> str:
    """apt's most telling line: the first failed fetch, else its last error or warning."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fetches = [line for line in lines if "Failed to fetch" in line]
    errors = [line for line in lines if line.startswith(("E:", "W:"))]
    return fetches[0] if fetches else (errors or lines or ["no message"])[-1]


def apt_root() -> Path:
    return builds_dir() / "apt"


@contextmanager
def _cache_lock() -> Iterator[None]:
    """One fetch at a time per cache (parallel test runners may start several)."""
    directory = builds_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def missing_builds(lock_path: Path = LOCK_PATH) -> list[LockedBuild]:
    """Locked builds, other than the running system's own, that the cache does not hold."""
    own = system_version()
    return [
        locked
        for version, locked in sorted(locked_builds(lock_path).items())
        if version != own and not is_unpacked(locked)
    ]


def archives_dir() -> Path:
    """Where downloaded .debs are kept (apt's archive folder of the private configuration)."""
    return apt_root() / "archives"


def fetch_locked(lock_path: Path = LOCK_PATH, *, log: bool = True) -> list[LockedBuild]:
    """Download, verify and unpack every locked build the cache lacks; returns those fetched."""
    with _cache_lock():
        missing = missing_builds(lock_path)
        if not missing:
            return []
        sources = system_sources()
        # The builds do not depend on each other, and the time goes to the network and to
        # dpkg-deb, not to Python: fetch them all at once.
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            futures = [pool.submit(_fetch_one, sources, locked) for locked in missing]
        failures = [error for error in (future.exception() for future in futures) if error]
        if failures:
            raise failures[0]
        if log:
            for locked in missing:
                print(f"glibc {locked.version}: {locked.build} unpacked in {unpacked_dir(locked)}")
        return missing


def _fetch_one(sources: ArchiveSources, locked: LockedBuild) -> None:
    _unpack(_cached_deb(locked) or _download(sources, locked), locked)


def _deb_name(locked: LockedBuild) -> str:
    # apt escapes ':' in versions as %3a in file names; libc6 builds have no epoch.
    return f"libc6_{locked.build}_amd64.deb"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached_deb(locked: LockedBuild) -> Path | None:
    deb = archives_dir() / _deb_name(locked)
    return deb if deb.exists() and _sha256(deb) == locked.sha256 else None


def _download(sources: ArchiveSources, locked: LockedBuild) -> Path:
    """The locked .deb, downloaded from the archive into `archives_dir()` and verified."""
    base = sources.uri_for(locked.suite)
    url = f"{base}/{locked.path}"
    archives = archives_dir()
    archives.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=archives, prefix=".downloading-")
    scratch = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _copy_url(url, out, locked.size)
        if digest != locked.sha256:
            raise GlibcUnavailable(
                f"libc6 {locked.build} from the registry has SHA-256 {digest}, not the locked "
                f"{locked.sha256}: the build was replaced under the same name; check, then run "
                f"`{LOCK_COMMAND}`"
            )
        deb = archives / _deb_name(locked)
        os.replace(scratch, deb)
    except urllib.error.HTTPError as error:
        error.close()  # it holds the connection the error page came on
        # The archive drops a build from its pool once a newer one replaces it.
        if error.code in (404, 410):
            raise GlibcUnavailable(
                f"{LOCK_PATH.name}: libc6 {locked.build} (glibc {locked.version}) is no longer "
                f"served by {base} {locked.suite}: run `{LOCK_COMMAND}` to lock the current builds"
            ) from None
        raise GlibcUnavailable(
            f"cannot read the package registry ({base}): {url}: HTTP {error.code} {error.reason}"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        raise GlibcUnavailable(
            f"cannot read the package registry ({base}): {url}: {reason}"
        ) from None
    finally:
        scratch.unlink(missing_ok=True)
    return deb


def _copy_url(url: str, out: BinaryIO, limit: int) -> str:
    """Write what `url` serves to `out`, up to one byte past `limit`; returns its SHA-256."""
    digest = hashlib.sha256()
    received = 0
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
        # A file longer than the locked size is not the locked build: the hash check says so
        # without reading the rest.
        while received <= limit and (block := response.read(1 << 16)):
            received += len(block)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def _unpack(deb: Path, locked: LockedBuild) -> None:
    target = unpacked_dir(locked)
    with tempfile.TemporaryDirectory(dir=builds_dir()) as scratch:
        staging = Path(scratch) / "root"
        done = subprocess.run(
            ["dpkg-deb", "-x", str(deb), str(staging)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise GlibcUnavailable(f"cannot unpack {deb.name}: {_last_error(done.stderr)}")
        (staging / STAMP_NAME).write_text(locked.sha256 + "\n", encoding="ascii")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)


# ---------------------------------------------------------------- refreshing the lock

_MADISON = re.compile(r"^\s*libc6\s*\|\s*(\S+)\s*\|\s*(\S+)\s+(\S+?)/\S+\s+amd64\s+Packages")


def newest_builds(madison: str) -> dict[str, tuple[str, str]]:
    """From `apt-cache madison libc6` output: version -> (newest build, its suite).

    madison lists builds newest first, so the first build seen of each version wins.
    """
    found: dict[str, tuple[str, str]] = {}
    for line in madison.splitlines():
        match = _MADISON.match(line)
        if match:
            build, _uri, suite = match.groups()
            found.setdefault(build.split("-")[0], (build, suite))
    return found


def _package_field(show: str, name: str) -> str:
    match = re.search(rf"^{name}: (\S+)$", show, re.MULTILINE)
    if match is None:
        raise BrkdocError(f"apt-cache show printed no {name} field")
    return match.group(1)


def refresh_lock(lock_path: Path = LOCK_PATH) -> dict[str, LockedBuild]:
    """Pin the newest libc6 build the registry serves for each checked version."""
    with _cache_lock():
        config = AptConfig(apt_root(), system_sources(), SUITES)
        config.write()
        config.update()
        madison = config.run("apt-cache", "madison", "libc6")
        builds = newest_builds(madison.stdout)
        locked: dict[str, LockedBuild] = {}
        for version in CHECKED_VERSIONS:
            if version not in builds:
                raise BrkdocError(f"the registry serves no libc6 build of glibc {version}")
            build, suite = builds[version]
            show = config.run("apt-cache", "show", f"libc6={build}").stdout
            locked[version] = LockedBuild(
                version,
                build,
                suite,
                _package_field(show, "SHA256"),
                int(_package_field(show, "Size")),
                _package_field(show, "Filename"),
            )
    lock_path.write_text(format_lock(locked), encoding="utf-8")
    return locked


def format_lock(builds: dict[str, LockedBuild]) -> str:
    lines = [
        "# The Debian libc6 builds brkdoc checks against, with the SHA-256 of each .deb.",
        f"# Written by `{LOCK_COMMAND}`; `make glibcs` downloads and verifies them.",
    ]
    for version in sorted(builds, key=lambda v: tuple(int(p) for p in v.split("."))):
        entry = builds[version]
        lines += [
            "",
            f'[glibc."{version}"]',
            f'build = "{entry.build}"',
            f'suite = "{entry.suite}"',
            f'sha256 = "{entry.sha256}"',
            f"size = {entry.size}",
            f'path = "{entry.path}"',
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in (["fetch"], ["lock"]):
        print("usage: python -m brkdoc.native.glibc_fetch fetch|lock", file=sys.stderr)
        return 2
    try:
        if args == ["fetch"]:
            fetch_locked()
        else:
            for entry in refresh_lock().values():
                print(f"glibc {entry.version}: {entry.build} ({entry.suite})")
    except BrkdocError as error:
        print(f"brkdoc: {error}", file=sys.stderr)
        return error.exit_status
    return 0


if __name__ == "__main__":
    sys.exit(main())
