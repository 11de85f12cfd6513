"""The crew is an extra (radar-inference[crew]): without crewai a configured model fails at start.

``sys.modules["crewai"] = None`` is how Python itself marks a module as absent: both
``import crewai`` and ``importlib.util.find_spec("crewai")`` then behave as in an install
without the extra. The install itself is proven by tests/deploy (the image without the extra
refuses RADAR_LLM_MODEL) and by scripts/check_imports.py.
"""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError

from radar_inference.crew import CrewUnavailable, load_crewai
from radar_inference.settings import CREW_MISSING, InferenceSettings


@pytest.fixture
def without_crewai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "crewai", None)


@pytest.mark.usefixtures("without_crewai")
def test_a_model_without_the_extra_is_refused_at_start() -> None:
    with pytest.raises(ValidationError) as refused:
        InferenceSettings(llm_model="llama3.1")
    assert CREW_MISSING in str(refused.value)
    assert "radar-inference[crew]" in CREW_MISSING
    assert "RADAR_LLM_MODEL" in CREW_MISSING


@pytest.mark.usefixtures("without_crewai")
def test_no_model_needs_no_extra() -> None:
    assert InferenceSettings(llm_model="").llm_model == ""


@pytest.mark.usefixtures("without_crewai")
def test_loading_the_crew_without_the_extra_says_what_to_install() -> None:
    with pytest.raises(CrewUnavailable, match=r"radar-inference\[crew\]"):
        load_crewai()


def test_the_dev_environment_has_the_extra() -> None:
    """`make venv` installs the dev group, which asks for radar-inference[crew]."""
    pytest.importorskip("crewai", reason="crewai absent: run `make venv` (dev group)")
    assert InferenceSettings(llm_model="llama3.1").llm_model == "llama3.1"
