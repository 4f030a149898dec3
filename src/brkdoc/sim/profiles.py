"""Version profiles: the glibc releases the simulator models and how they differ.

Between glibc 2.36 and 2.39 the changes that a single-threaded program using malloc, free,
realloc and calloc can observe come down to one: 2.39's `__libc_realloc` returns the block
unchanged when the new size fits in its usable bytes with less than 16 bytes to spare, or, for an
mmapped block, with at most a page to spare (commits f4f2ca1509 and 2fb12bbd09, BZ #30579).
In 2.36 such a realloc of an mmapped block calls mremap.

>>> profile_for_version("2.36").name, profile_for_version("2.39").name
('2.36', '2.39')
>>> profile_for_version("2.31").name, profile_for_version("2.40").name
('2.36', '2.39')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GLIBC_2_36",
    "GLIBC_2_39",
    "PROFILES",
    "PROFILE_NAMES",
    "Profile",
    "profile_for_version",
]


@dataclass(frozen=True)
class Profile:
    """What differs between the modelled glibc versions.

    `realloc_keeps_fitting_block`: realloc returns the same pointer when the request fits the
    block's usable size closely enough (2.38 and later), before looking at anything else.
    """

    name: str
    realloc_keeps_fitting_block: bool


GLIBC_2_36 = Profile(name="2.36", realloc_keeps_fitting_block=False)
GLIBC_2_39 = Profile(name="2.39", realloc_keeps_fitting_block=True)
PROFILES = {profile.name: profile for profile in (GLIBC_2_36, GLIBC_2_39)}
PROFILE_NAMES = tuple(PROFILES)


def profile_for_version(version: str) -> Profile:
    """The modelled profile nearest to a glibc version string such as "2.36".

    Versions up to 2.37 map to the 2.36 profile, later ones to 2.39. Only 2.36 and 2.39 have been
    checked against a live glibc; other versions are an approximation.
    """
    if version in PROFILES:
        return PROFILES[version]
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        raise ValueError(f"not a glibc version: {version!r}") from None
    return GLIBC_2_36 if (major, minor) <= (2, 37) else GLIBC_2_39
