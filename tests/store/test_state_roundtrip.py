"""RunState.from_dict(state.to_dict()) == state, for generated states: a field dropped on both
sides (retry counters, say) would pass a to_dict-to-to_dict comparison and fail here."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.executor import (
    ActionRecord,
    CriterionRecord,
    Frame,
    RequestRecord,
    ResponseRecord,
    RunState,
    StepExecution,
)
from arazzo_engine.store import _vault

_TEXT = st.text(max_size=12)
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32), _TEXT)
_JSON = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)), max_leaves=8)
_OBJECT = st.dictionaries(_TEXT, _JSON, max_size=3)
_OPTIONAL_TEXT = st.none() | _TEXT
_FLOAT = st.floats(0, 1e6, allow_nan=False)

_CRITERION = st.builds(CriterionRecord, condition=_TEXT, passed=st.booleans(), detail=_TEXT,
                       type=_OPTIONAL_TEXT, context=_OPTIONAL_TEXT)
_ACTION = st.builds(ActionRecord, type=_TEXT, reason=_TEXT, name=_OPTIONAL_TEXT,
                    step_id=_OPTIONAL_TEXT, workflow_id=_OPTIONAL_TEXT,
                    delay=st.none() | _FLOAT, criteria=st.lists(_CRITERION, max_size=2))
_EXECUTION = st.builds(
    StepExecution, step_id=_TEXT, workflow_id=_TEXT, outcome=_TEXT, kind=_TEXT,
    attempt=st.integers(1, 9), depth=st.integers(0, 5),
    status_code=st.none() | st.integers(100, 599),
    request=st.none() | st.builds(RequestRecord, method=_TEXT, url=_TEXT,
                                  headers=st.dictionaries(_TEXT, _TEXT, max_size=2),
                                  body=_OPTIONAL_TEXT),
    response=st.none() | st.builds(ResponseRecord, status_code=st.none() | st.integers(),
                                   elapsed_ms=_FLOAT,
                                   headers=st.dictionaries(_TEXT, _TEXT, max_size=2),
                                   content_type=_TEXT, error=_OPTIONAL_TEXT),
    criteria=st.lists(_CRITERION, max_size=2), action=st.none() | _ACTION, outputs=_OBJECT,
    unresolved=st.dictionaries(_TEXT, _TEXT, max_size=2), error=_OPTIONAL_TEXT,
    api_message=_OPTIONAL_TEXT, child_workflow_id=_OPTIONAL_TEXT,
)
_FRAME = st.builds(
    Frame, document=_TEXT, workflow_id=_TEXT, inputs=_OBJECT, role=_TEXT,
    position=st.integers(0, 50), steps=st.dictionaries(_TEXT, _OBJECT, max_size=3),
    ran=st.lists(_TEXT, max_size=3), retries=st.dictionaries(_TEXT, st.integers(0, 9),
                                                             max_size=3),
    delay=_FLOAT, delay_reason=_TEXT, delay_detail=st.none() | _OBJECT,
    loop=st.none() | _OBJECT, dependencies=st.lists(_TEXT, max_size=2),
    detour=st.none() | _OBJECT, origin=st.none() | _OBJECT,
    budget=st.none() | _FLOAT, budget_ms=st.none() | _FLOAT,
)
_STATE = st.builds(
    RunState, workflow_id=_TEXT, document=_TEXT, frames=st.lists(_FRAME, max_size=3),
    workflows=st.dictionaries(_TEXT, _OBJECT, max_size=2),
    completed_dependencies=st.lists(_TEXT, max_size=2),
    completed_steps=st.lists(_TEXT, max_size=2),
    executions=st.lists(_EXECUTION, max_size=2), step_count=st.integers(0, 10**4),
    pending=st.none() | _OBJECT, finished=st.booleans(), outcome=_OPTIONAL_TEXT,
    outputs=_OBJECT, unresolved=st.dictionaries(_TEXT, _TEXT, max_size=2),
    error=_OPTIONAL_TEXT, expectations=st.lists(_OBJECT, max_size=2),
    secrets=st.lists(st.text(min_size=3, max_size=10), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(_STATE)
def test_the_state_round_trips_exactly(state: RunState) -> None:
    assert RunState.from_dict(state.to_dict()) == state
    assert RunState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_every_field_is_generated() -> None:
    """The strategies must cover every field, or a new one could be dropped unnoticed."""
    generated = {"RunState": _STATE, "Frame": _FRAME, "StepExecution": _EXECUTION}
    classes = {"RunState": RunState, "Frame": Frame, "StepExecution": StepExecution}
    for name, cls in classes.items():
        declared = {f.name for f in fields(cls) if f.compare}
        built = set(generated[name].wrapped_strategy.kwargs)  # type: ignore[attr-defined]
        assert declared == built, name


@settings(max_examples=300, deadline=None)
@given(value=_JSON, secrets=st.lists(st.text(min_size=3, max_size=8), max_size=4, unique=True))
def test_redacting_secrets_round_trips_and_hides_them(value: Any, secrets: list[str]) -> None:
    redacted = _vault.redact(value, secrets)
    assert _vault.restore(redacted, dict(enumerate(secrets))) == value
    for text in _strings(redacted):
        for piece in text.split("\0"):  # what a placeholder leaves between its NULs
            if piece.startswith("secret:") and piece[7:].isdigit():
                continue
            assert not any(secret in piece for secret in secrets if "\0" not in secret) \
                or any("\0" in s or "secret:" in s for s in secrets)


def test_a_secret_inside_a_placeholder_word_is_not_replaced_twice() -> None:
    secrets = ["token-123", "ret"]
    redacted = _vault.redact({"a": "Bearer token-123 and ret"}, secrets)
    assert _vault.restore(redacted, dict(enumerate(secrets))) == {"a": "Bearer token-123 and ret"}
    assert "token-123" not in json.dumps(redacted) and " ret" not in json.dumps(redacted)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
