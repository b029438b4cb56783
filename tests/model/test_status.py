"""The status transition table."""

from __future__ import annotations

import pytest

from runplane.model import (
    FINAL_STATUSES,
    TRANSITIONS,
    ExecutionStatus,
    InvalidTransition,
    check_transition,
)

S = ExecutionStatus


def test_the_table_is_exactly_the_documented_moves() -> None:
    moves = {(old, new) for old, targets in TRANSITIONS.items() for new in targets}
    assert moves == {
        (S.PENDING, S.RUNNING),
        (S.PENDING, S.CANCELLED),
        (S.RUNNING, S.COMPLETED),
        (S.RUNNING, S.FAILED),
        (S.RUNNING, S.CANCELLED),
        (S.RUNNING, S.DRY_RUN),
    }
    assert {S.COMPLETED, S.FAILED, S.CANCELLED, S.DRY_RUN} == FINAL_STATUSES


@pytest.mark.parametrize("final", sorted(FINAL_STATUSES))
@pytest.mark.parametrize("target", list(S))
def test_end_states_are_final(final: ExecutionStatus, target: ExecutionStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(final, target)


def test_pending_cannot_complete_without_running() -> None:
    with pytest.raises(InvalidTransition, match="from pending to completed"):
        check_transition(S.PENDING, S.COMPLETED)
