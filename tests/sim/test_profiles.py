"""brkdoc.sim.profiles: five checked versions, nothing mapped to a neighbour."""

from __future__ import annotations

import dataclasses

import pytest

from brkdoc.sim import (
    GLIBC_2_31,
    GLIBC_2_36,
    GLIBC_2_41,
    GLIBC_2_43,
    GLIBC_2_44,
    PROFILE_NAMES,
    PROFILES,
    Heap,
    UnknownVersion,
    get_profile,
    profile_for_version,
    request2size,
)
from brkdoc.sim.params import SIZE_SZ
from brkdoc.sim.profiles import NoProfileError, choose_profile


def test_the_five_versions_in_order() -> None:
    assert tuple(PROFILES) == ("2.31", "2.36", "2.41", "2.43", "2.44")
    assert list(PROFILES.values()) == [GLIBC_2_31, GLIBC_2_36, GLIBC_2_41, GLIBC_2_43, GLIBC_2_44]
    for name, profile in PROFILES.items():
        assert get_profile(name) is profile
        assert profile_for_version(name) is profile


@pytest.mark.parametrize("version", ["2.39", "2.40", "2.42", "2.37", "2.30", "2.4", "", "x"])
def test_other_versions_are_refused_naming_the_checked_ones(version: str) -> None:
    with pytest.raises(UnknownVersion) as caught:
        get_profile(version)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        f"glibc {version} is not modelled; the checked versions are 2.31, 2.36, 2.41, 2.43, 2.44"
    )


def test_rules_are_precomputed_values_not_version_strings() -> None:
    for profile in PROFILES.values():
        for field in dataclasses.fields(profile):
            value = getattr(profile, field.name)
            if field.name not in ("name", "commits"):
                assert isinstance(value, bool | int), field.name
        assert profile.commits[0] == f"glibc-{profile.name}" or profile.name == "2.44"
        assert all(len(commit) >= 10 for commit in profile.commits if "glibc-" not in commit)


def test_tcache_struct_sizes_follow_from_the_bin_count() -> None:
    for profile in PROFILES.values():
        struct_bytes = profile.tcache_bins_total * (2 + SIZE_SZ)  # uint16 count + a pointer
        assert profile.tcache_struct_chunk_on_free == request2size(struct_bytes)
    # 2.43's tcache_init passes request2size(bytes) to _int_malloc, which pads it again.
    assert GLIBC_2_43.tcache_struct_chunk == request2size(request2size(760)) == 0x310
    assert GLIBC_2_44.tcache_struct_chunk == request2size(760) == 0x300
    assert GLIBC_2_36.tcache_struct_chunk == request2size(640) == 0x290


def test_neighbouring_profiles_differ_only_where_glibc_changed() -> None:
    changed = {
        ("2.31", "2.36"): {"mmap_threshold_max", "morecore_args_swapped"},
        ("2.36", "2.41"): {
            "morecore_args_swapped",
            "realloc_keeps_fitting_block",
            "realloc_keeps_mmapped_within_page",
            "calloc_uses_tcache",
            "free_small_to_smallbin",
        },
        ("2.41", "2.43"): {
            "realloc_keeps_mmapped_within_page",
            "has_fastbins",
            "tcache_count",
            "tcache_bins_total",
            "tcache_struct_chunk",
            "tcache_struct_chunk_on_free",
            "tcache_lazy",
            "remainders_bypass_tcache",
            "mmap_chunk_trailer",
            "mremap_hblkhd_drift",
            "morecore_from_request",
        },
        ("2.43", "2.44"): {
            "tcache_struct_chunk",
            "unsorted_stashes_tcache",
            "arena_limit_factor",
            "arena_limit_floor",
        },
    }
    for (old, new), fields in changed.items():
        before, after = get_profile(old), get_profile(new)
        differ = {
            field.name
            for field in dataclasses.fields(before)
            if field.name not in ("name", "commits")
            and getattr(before, field.name) != getattr(after, field.name)
        }
        assert differ == fields, (old, new)


def test_arena_limit_formula() -> None:
    assert [GLIBC_2_36.arena_limit(n) for n in (1, 2, 64)] == [8, 16, 512]
    assert [GLIBC_2_44.arena_limit(n) for n in (1, 2, 64)] == [8, 8, 64]


def test_mxfast_is_accepted_and_ignored_without_fastbins() -> None:
    heap = Heap(GLIBC_2_43)
    assert heap.mallopt(1, 0) == 1
    assert heap.mallopt(1, 10_000) == 1  # 2.41 would refuse more than 160
    assert Heap(GLIBC_2_41).mallopt(1, 10_000) == 0
    assert heap.tunables.max_fast == 0


def test_2_31_refuses_an_mmap_threshold_above_32_mib() -> None:
    assert Heap(GLIBC_2_31).mallopt(-3, 32 * 1024 * 1024 + 1) == 0
    assert Heap(GLIBC_2_31).mallopt(-3, 32 * 1024 * 1024) == 1
    assert Heap(GLIBC_2_36).mallopt(-3, 64 * 1024 * 1024) == 1


@pytest.mark.parametrize(
    ("requested", "running", "chosen"),
    [
        ("2.43", "2.36", "2.43"),
        (None, "2.41", "2.41"),
        ("2.31", None, "2.31"),
        ("2.44", "2.39", "2.44"),
    ],
)
def test_the_profile_asked_for_else_the_running_glibcs(
    requested: str | None, running: str | None, chosen: str
) -> None:
    assert choose_profile(requested, running) is PROFILES[chosen]


@pytest.mark.parametrize(
    ("running", "found"),
    [("2.39", "the running glibc is 2.39"), (None, "the running C library is not glibc")],
)
def test_no_profile_for_the_running_c_library_is_a_usage_error(
    running: str | None, found: str
) -> None:
    with pytest.raises(NoProfileError) as caught:
        choose_profile(None, running)
    assert str(caught.value) == (
        f"{found}, which no profile models; choose one with --glibc (2.31, 2.36, 2.41, 2.43, 2.44)"
    )
    assert caught.value.exit_status == 2


def test_a_version_asked_for_must_be_modelled() -> None:
    with pytest.raises(UnknownVersion):
        choose_profile("2.39", "2.36")


def test_the_model_has_a_profile_for_each_checked_build() -> None:
    # The CLI offers native.glibcs.CHECKED_VERSIONS as the model's versions too (so that
    # `brkdoc --help` need not load the model): the two lists must be the same.
    from brkdoc.native.glibcs import CHECKED_VERSIONS  # noqa: PLC0415 (native, in a sim test)

    assert PROFILE_NAMES == CHECKED_VERSIONS
