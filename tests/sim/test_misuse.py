"""The model ends each misuse case as the real glibc does, with glibc's words, on every version."""

from __future__ import annotations

import pytest

from brkdoc.sim import get_profile
from brkdoc.sim.misuse import CATALOGUE, Outcome, run_on_model
from tests.misuse_expected import CASE_NAMES, VERSIONS, expected


def _as_expected(outcome: Outcome) -> tuple[int, str | None]:
    return outcome.steps_done, outcome.message or outcome.crash


def test_the_catalogue_has_at_least_twelve_cases_all_with_expectations() -> None:
    assert len(CATALOGUE) >= 12
    assert set(CATALOGUE) == set(CASE_NAMES)


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("version", VERSIONS)
def test_the_model_ends_the_case_as_glibc_does(version: str, name: str) -> None:
    outcome = run_on_model(CATALOGUE[name], get_profile(version))
    assert _as_expected(outcome) == expected(name, version)


def test_a_case_the_model_gets_wrong_is_noticed() -> None:
    # The check bites: on 2.36's profile the fastbin-top case is "fasttop", not 2.43's message.
    outcome = run_on_model(CATALOGUE["double-free-at-the-fastbin-top"], get_profile("2.36"))
    assert _as_expected(outcome) != expected("double-free-at-the-fastbin-top", "2.43")
