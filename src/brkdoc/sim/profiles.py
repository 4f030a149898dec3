"""Version profiles: the glibc releases the simulator models and what differs between them.

Five releases are modelled, the ones Debian's archive serves as `libc6` builds and that the
project checks against the real library: 2.31 (Debian 11), 2.36 (Debian 12), 2.41 (Debian 13),
2.43 (forky/sid) and 2.44 (experimental). Every rule that differs is a precomputed field of
`Profile`, so the hot paths test a boolean, never a version string. Each profile lists the
glibc commits (bminor/glibc ids) whose behaviour it follows, read in `malloc/malloc.c` and
`malloc/arena.c` at the release tag (glibc-2.31 .. glibc-2.42) or in the release tarball
(2.43, 2.44: Debian's `glibc_2.43.orig.tar.xz` and `glibc_2.44.orig.tar.xz`; the bminor/glibc
snapshot's development tip, 04e750e75b, has the same `malloc/malloc.c` as 2.43).

Debian's builds add the upstream stable branches (`debian/patches/git-updates.diff`). Their
changelogs (`changelog.Debian.gz` in 2.31-13+deb11u14, 2.41-12+deb13u5, 2.43-7 and 2.44-3)
name, between them, three malloc fixes: the memalign overflow check (CVE-2026-0861), no /sys
reads for THP on arm64, and a realloc fix for systems without mremap. None changes what malloc,
free, realloc or calloc do for one thread on x86-64 Linux, which has mremap.

>>> get_profile("2.41").calloc_uses_tcache, get_profile("2.36").calloc_uses_tcache
(True, False)
>>> get_profile("2.43").tcache_count, get_profile("2.36").tcache_count
(16, 7)
>>> try:
...     get_profile("2.39")
... except UnknownVersion as error:
...     print(error)
glibc 2.39 is not modelled; the checked versions are 2.31, 2.36, 2.41, 2.43, 2.44
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from brkdoc.errors import BrkdocError

__all__ = [
    "CHECKED_VERSIONS",
    "GLIBC_2_31",
    "GLIBC_2_36",
    "GLIBC_2_41",
    "GLIBC_2_43",
    "GLIBC_2_44",
    "PROFILES",
    "PROFILE_NAMES",
    "NoProfileError",
    "Profile",
    "UnknownVersion",
    "choose_profile",
    "get_profile",
    "profile_for_version",
]


class NoProfileError(BrkdocError):
    """No version was asked for, and the running C library is not one of the modelled ones."""

    exit_status = 2


class UnknownVersion(ValueError):
    """A glibc version that no profile models; the message names the checked ones."""

    def __init__(self, version: str) -> None:
        super().__init__(
            f"glibc {version} is not modelled; the checked versions are {', '.join(PROFILES)}"
        )
        self.version = version


@dataclass(frozen=True)
class Profile:
    """The rules that differ between the modelled glibc releases (x86-64, one thread).

    - `realloc_keeps_fitting_block`: `__libc_realloc` returns the block unchanged when the
      request grows within its usable bytes (less than 16 spare), before anything else
      (2.37 f4f2ca1509, narrowed to growing requests in 2.38 by 2fb12bbd09, BZ #30579).
    - `realloc_keeps_mmapped_within_page`: with the rule above, an mmapped block is also kept
      when at most a page would be spare (2.38 to 2.42; dropped in 2.43 by 19442c052c). It
      only saves a call that would keep the block anyway: `mremap_chunk` returns it unchanged
      when the page count stays the same.
    - `calloc_uses_tcache`: calloc takes a cached chunk of its size (2.41, 226e3b0a41).
    - `free_small_to_smallbin`: a freed chunk of small-bin size goes straight to its small
      bin, not to the unsorted bin (2.41, e2436d6f5a).
    - `has_fastbins`: fastbins and `malloc_consolidate` exist; M_MXFAST has an effect
      (gone in 2.43: e3062b06c5, bf1015fb2d, bb5a4f5295).
    - `tcache_count`: chunks per tcache bin (7; 16 from 2.43, 0b9210bd76).
    - `tcache_bins_total`: bins in `tcache_perthread_struct` (64; 76 from 2.42 with the
      large-chunk bins of cbfd798810), which sets the size of the tcache chunk.
    - `tcache_struct_chunk`: chunk size of the tcache struct when `tcache_init` takes it
      from `_int_malloc` (0x290; 2.43 pads the request twice: 0x310; 2.44 0x300).
    - `tcache_struct_chunk_on_free`: the same when the first free sets it up through
      `__libc_malloc2` (2.43 and 2.44: 0x300).
    - `tcache_lazy`: no tcache until the first free of a tcache-sized chunk (or a small-bin
      or exact unsorted hit in `_int_malloc`); malloc alone never sets it up (2.43, 2bf2188fae).
    - `remainders_bypass_tcache`: pieces realloc splits off, and the old block realloc
      moves away from, are merged into the bins, never cached (2.42, cd33535002).
    - `unsorted_stashes_tcache`: the unsorted scan caches exact fits before returning one
      (until 2.43; removed in 2.44).
    - `mmap_chunk_trailer`: mmapped chunks keep the normal layout, a 16-byte header after
      the chunk: the mapping is `ALIGN_UP(nb + 16, page)` and usable size is 8 bytes smaller
      (2.43, 614cfd0f8a).
    - `mremap_hblkhd_drift`: after mremap of an mmapped chunk, glibc's `mmapped_mem` (which
      mallinfo reports as hblkhd) grows by 16 bytes more than the mapping did (2.43 and
      2.44 `mremap_chunk`, which subtracts the chunk size rather than the mapping size).
    - `arena_limit_factor` / `arena_limit_floor`: the arena limit without M_ARENA_MAX is
      `cpus * factor` up to 2.43 (`NARENAS_FROM_NCORES`), `max(cpus, floor)` in 2.44
      (`arena_get2` in malloc/arena.c). Documented only: one thread never makes an arena.
    - `mmap_threshold_max`: the largest M_MMAP_THRESHOLD mallopt accepts, 0 for no limit
      (2.31 `do_set_mmap_threshold` refuses more than HEAP_MAX_SIZE / 2 = 32 MiB; the limit
      went with c1beb51d08, 2.35).
    - `morecore_args_swapped` / `morecore_from_request`: how sysmalloc sizes the mmap it
      falls back to when brk fails. Normally the old top and the request in whole pages, at
      least 1 MiB; 2.35 (0849eed45d) to 2.37 pass the page size and the 1 MiB minimum to
      `sysmalloc_mmap_fallback` in each other's places, so the length is rounded up to 1 MiB
      (fixed by 6a734e62f1 in 2.38); 2.43 sizes it from the request alone.

    Not a field, because nothing a correct or simply double-freeing program does can tell
    them apart: 2.42's stronger checks (eff1f680cf walks every tcache bin on a suspected
    double free, d10176c0ff checks sizes moved from a fastbin to the tcache, 4cf2d86936 the
    large-bin skip list) fire only on corrupted chunk headers, which the model does not keep.
    The messages the model raises are the same strings in every modelled version; which one
    a given double free raises differs (no "fasttop" from 2.43), and follows from the rules.
    """

    name: str
    commits: tuple[str, ...]
    realloc_keeps_fitting_block: bool
    realloc_keeps_mmapped_within_page: bool
    calloc_uses_tcache: bool
    free_small_to_smallbin: bool
    has_fastbins: bool
    tcache_count: int
    tcache_bins_total: int
    tcache_struct_chunk: int
    tcache_struct_chunk_on_free: int
    tcache_lazy: bool
    remainders_bypass_tcache: bool
    unsorted_stashes_tcache: bool
    mmap_chunk_trailer: bool
    mremap_hblkhd_drift: bool
    arena_limit_factor: int
    arena_limit_floor: int
    mmap_threshold_max: int
    morecore_args_swapped: bool
    morecore_from_request: bool

    def arena_limit(self, cpus: int) -> int:
        """The most arenas glibc makes for `cpus` online CPUs when M_ARENA_MAX is unset.

        ```pycon
        >>> from brkdoc.sim import GLIBC_2_43, GLIBC_2_44
        >>> GLIBC_2_43.arena_limit(2), GLIBC_2_44.arena_limit(2), GLIBC_2_44.arena_limit(64)
        (16, 8, 64)

        ```
        """
        if self.arena_limit_floor:
            return max(cpus, self.arena_limit_floor)
        return cpus * self.arena_limit_factor


GLIBC_2_36 = Profile(
    name="2.36",
    commits=("glibc-2.36",),
    realloc_keeps_fitting_block=False,
    realloc_keeps_mmapped_within_page=False,
    calloc_uses_tcache=False,
    free_small_to_smallbin=False,
    has_fastbins=True,
    tcache_count=7,
    tcache_bins_total=64,
    tcache_struct_chunk=0x290,
    tcache_struct_chunk_on_free=0x290,
    tcache_lazy=False,
    remainders_bypass_tcache=False,
    unsorted_stashes_tcache=True,
    mmap_chunk_trailer=False,
    mremap_hblkhd_drift=False,
    arena_limit_factor=8,
    arena_limit_floor=0,
    mmap_threshold_max=0,
    morecore_args_swapped=True,
    morecore_from_request=False,
)
GLIBC_2_31 = replace(
    GLIBC_2_36,
    name="2.31",
    commits=("glibc-2.31",),
    mmap_threshold_max=32 * 1024 * 1024,
    morecore_args_swapped=False,
)
GLIBC_2_41 = replace(
    GLIBC_2_36,
    name="2.41",
    commits=("glibc-2.41", "f4f2ca1509", "2fb12bbd09", "e2436d6f5a", "226e3b0a41"),
    realloc_keeps_fitting_block=True,
    realloc_keeps_mmapped_within_page=True,
    calloc_uses_tcache=True,
    free_small_to_smallbin=True,
    morecore_args_swapped=False,
)
GLIBC_2_43 = replace(
    GLIBC_2_41,
    name="2.43",
    commits=(
        "glibc-2.43",
        "2fb12bbd09",
        "19442c052c",
        "e2436d6f5a",
        "226e3b0a41",
        "cbfd798810",
        "cd33535002",
        "e3062b06c5",
        "bb5a4f5295",
        "0b9210bd76",
        "2bf2188fae",
        "614cfd0f8a",
    ),
    realloc_keeps_mmapped_within_page=False,
    has_fastbins=False,
    tcache_count=16,
    tcache_bins_total=76,
    tcache_struct_chunk=0x310,
    tcache_struct_chunk_on_free=0x300,
    tcache_lazy=True,
    remainders_bypass_tcache=True,
    mmap_chunk_trailer=True,
    mremap_hblkhd_drift=True,
    morecore_from_request=True,
)
GLIBC_2_44 = replace(
    GLIBC_2_43,
    name="2.44",
    commits=(*GLIBC_2_43.commits[1:], "glibc-2.44"),
    tcache_struct_chunk=0x300,
    unsorted_stashes_tcache=False,
    arena_limit_factor=1,
    arena_limit_floor=8,
)

PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (GLIBC_2_31, GLIBC_2_36, GLIBC_2_41, GLIBC_2_43, GLIBC_2_44)
}
PROFILE_NAMES = tuple(PROFILES)
CHECKED_VERSIONS = PROFILE_NAMES


def get_profile(version: str) -> Profile:
    """The profile of exactly this glibc version ("2.43"); `UnknownVersion` for any other.

    Nothing is mapped to a neighbouring version: a 2.39 model would be unchecked guesswork.
    """
    try:
        return PROFILES[version]
    except KeyError:
        raise UnknownVersion(version) from None


profile_for_version = get_profile


def choose_profile(requested: str | None, running: str | None) -> Profile:
    """The profile to model: that of `requested` if given (`UnknownVersion` if none models
    it), else that of `running`, the running glibc's version (None when the C library is not
    glibc); `NoProfileError` when neither names a profile. `brkdoc simulate` chooses so.

    >>> choose_profile(None, "2.41").name, choose_profile("2.43", "2.41").name
    ('2.41', '2.43')
    >>> try:
    ...     choose_profile(None, "2.39")
    ... except NoProfileError as error:
    ...     print(error.exit_status, str(error).split(";")[0])
    2 the running glibc is 2.39, which no profile models
    """
    if requested:
        return get_profile(requested)
    if running in PROFILES:
        return PROFILES[running]
    found = f"the running glibc is {running}" if running else "the running C library is not glibc"
    raise NoProfileError(
        f"{found}, which no profile models; choose one with --glibc ({', '.join(PROFILE_NAMES)})"
    )
