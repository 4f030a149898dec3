"""Each misuse case on each real glibc build ends with the message (or signal) the catalogue
records, and the model agrees word for word."""

from __future__ import annotations

import pytest

from brkdoc.native.misuse import run_on_glibc
from brkdoc.platform import glibc_version
from brkdoc.sim import get_profile
from brkdoc.sim.misuse import CATALOGUE, run_on_model
from tests.misuse_expected import CASE_NAMES, VERSIONS, expected

SYSTEM = glibc_version()

pytestmark = pytest.mark.skipif(SYSTEM is None, reason="the misuse runner needs glibc")


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("version", VERSIONS)
def test_glibc_and_the_model_end_the_case_alike(version: str, name: str) -> None:
    case = CATALOGUE[name]
    real = run_on_glibc(case, glibc=None if version == SYSTEM else version)
    assert (real.steps_done, real.message or real.crash) == expected(name, version)
    assert run_on_model(case, get_profile(version)) == real
