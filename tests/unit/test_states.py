"""Every allowed and every forbidden transition of the closed loop (SPEC §4)."""

from __future__ import annotations

import itertools

import pytest

from core.cases.states import Action, Status, allowed_actions, next_status
from core.errors import InvalidTransition

A = Action
# The loop as the rule books describe it, written out independently of the table.
EXPECTED: dict[Status, dict[Action, Status]] = {
    Status.REPORTED: {A.ACCEPT: Status.ACCEPTED, A.REJECT: Status.REJECTED,
                      A.MERGE: Status.REJECTED, A.LINK: Status.REPORTED,
                      A.ATTACH: Status.REPORTED},
    Status.ACCEPTED: {A.DISPATCH: Status.DISPATCHED, A.CLAIM: Status.DISPATCHED,
                      A.ESCALATE: Status.DISPATCHED, A.REJECT: Status.REJECTED,
                      A.MERGE: Status.REJECTED, A.SUPERVISE: Status.ACCEPTED,
                      A.LINK: Status.ACCEPTED, A.ATTACH: Status.ACCEPTED},
    Status.DISPATCHED: {A.DISPATCH: Status.DISPATCHED, A.CLAIM: Status.DISPATCHED,
                        A.FEEDBACK: Status.DISPATCHED, A.RESOLVE: Status.RESOLVED,
                        A.ESCALATE: Status.DISPATCHED, A.FORWARD: Status.DISPATCHED,
                        A.REQUEST_EXTENSION: Status.DISPATCHED,
                        A.DECIDE_EXTENSION: Status.DISPATCHED, A.REJECT: Status.REJECTED,
                        A.MERGE: Status.REJECTED, A.SUPERVISE: Status.DISPATCHED,
                        A.LINK: Status.DISPATCHED, A.ATTACH: Status.DISPATCHED},
    Status.RESOLVED: {A.VERIFY_PASS: Status.CLOSED, A.VERIFY_RETURN: Status.DISPATCHED,
                      A.SUPERVISE: Status.RESOLVED, A.LINK: Status.RESOLVED,
                      A.ATTACH: Status.RESOLVED},
    Status.CLOSED: {A.RATE: Status.CLOSED, A.REOPEN: Status.DISPATCHED},
    Status.REJECTED: {},
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_pair(status: Status, action: Action) -> None:
    expected = EXPECTED[status].get(action)
    if expected is None:
        with pytest.raises(InvalidTransition) as err:
            next_status(status, action)
        assert "不能" in str(err.value)
    else:
        assert next_status(status, action) == expected


def test_report_only_creates() -> None:
    for status in Status:
        with pytest.raises(InvalidTransition):
            next_status(status, Action.REPORT)


def test_rejected_is_terminal_and_closed_only_rates_or_reopens() -> None:
    assert allowed_actions(Status.REJECTED) == []
    assert set(allowed_actions(Status.CLOSED)) == {Action.RATE, Action.REOPEN}


def test_the_main_line_reaches_closed() -> None:
    state = Status.REPORTED
    for action in (A.ACCEPT, A.DISPATCH, A.RESOLVE, A.VERIFY_PASS):
        state = next_status(state, action)
    assert state == Status.CLOSED
