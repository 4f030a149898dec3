"""One trace across glibc versions: each real build and each model profile side by side."""

from __future__ import annotations

from brkdoc.errors import BrkdocError
from brkdoc.native.glibcs import CHECKED_VERSIONS
from brkdoc.sim import Profile, UnknownVersion, get_profile

__all__ = ["model_profile"]


def model_profile(version: str) -> Profile:
    """The simulator's profile of glibc `version`; a one-line BrkdocError when none is checked.

    Every comparison of the model with a real build gets its profile here.
    """
    try:
        return get_profile(version)
    except UnknownVersion:
        raise BrkdocError(
            f"glibc {version} has no checked model; the checked versions are "
            f"{', '.join(CHECKED_VERSIONS)} (choose one with --glibc)"
        ) from None
