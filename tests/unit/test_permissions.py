"""Who may do what, by role, level, jurisdiction and assignment (SPEC §4, §9)."""

from __future__ import annotations

import itertools

import pytest

from core.cases.permissions import Facts, refusal
from core.cases.states import Action
from core.registry.models import Role

R = Role
LEVELS = ("grid", "community", "town", "county")
ALL = set(Role)
# Written out from SPEC §4's table: roles allowed for a case in their jurisdiction that is
# NOT assigned to them.
LEADS = {"grid": {R.LEADER, R.MANAGER, R.CENTRE, R.ADMIN},
         "community": {R.MANAGER, R.CENTRE, R.ADMIN},
         "town": {R.CENTRE, R.ADMIN}, "county": {R.CENTRE, R.ADMIN}}
VERIFY = {"grid": {R.MANAGER, R.ADMIN}, "community": {R.MANAGER, R.ADMIN},
          "town": {R.CENTRE, R.ADMIN}, "county": {R.CENTRE, R.ADMIN}}
EXTEND = {"grid": {R.MANAGER, R.ADMIN}, "community": {R.SUPERVISOR, R.CENTRE, R.ADMIN},
          "town": {R.CENTRE, R.ADMIN}, "county": {R.CENTRE, R.ADMIN}}
EXPECTED_OTHERS = {
    Action.ACCEPT: {lvl: {R.LEADER, R.MANAGER, R.CENTRE, R.ADMIN} for lvl in LEVELS},
    Action.DISPATCH: LEADS, Action.REJECT: LEADS, Action.MERGE: LEADS,
    Action.CLAIM: {lvl: ALL - {R.SUPERVISOR} for lvl in LEVELS},
    Action.FEEDBACK: LEADS, Action.RESOLVE: LEADS, Action.ESCALATE: LEADS,
    Action.REQUEST_EXTENSION: {lvl: set() for lvl in LEVELS},
    Action.FORWARD: {lvl: {R.CENTRE, R.ADMIN} for lvl in LEVELS},
    Action.DECIDE_EXTENSION: EXTEND,
    Action.VERIFY_PASS: VERIFY, Action.VERIFY_RETURN: VERIFY,
    Action.REOPEN: {lvl: {R.MANAGER, R.CENTRE, R.ADMIN} for lvl in LEVELS},
}
# What the assignee may additionally do on their own case.
ASSIGNEE_EXTRA = {Action.FEEDBACK, Action.RESOLVE, Action.ESCALATE, Action.REQUEST_EXTENSION}

CASES = list(itertools.product(EXPECTED_OTHERS, Role, LEVELS))


@pytest.mark.parametrize(("action", "role", "level"), CASES)
def test_not_assigned_in_jurisdiction(action: Action, role: Role, level: str) -> None:
    reason = refusal(action, Facts(role=role, in_jurisdiction=True, is_assignee=False, level=level))
    allowed = role in EXPECTED_OTHERS[action][level]
    assert (reason is None) == allowed, (action, role, level, reason)
    if not allowed:
        assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason)  # readable Chinese


@pytest.mark.parametrize(("action", "role", "level"), CASES)
def test_assignee(action: Action, role: Role, level: str) -> None:
    reason = refusal(action, Facts(role=role, in_jurisdiction=True, is_assignee=True, level=level))
    allowed = role in EXPECTED_OTHERS[action][level] or action in ASSIGNEE_EXTRA
    if action in {Action.VERIFY_PASS, Action.VERIFY_RETURN} and role != R.ADMIN:
        allowed = False  # nobody verifies their own work
    assert (reason is None) == allowed, (action, role, level, reason)


@pytest.mark.parametrize(("action", "role", "level"), CASES)
def test_outside_jurisdiction_always_refused(action: Action, role: Role, level: str) -> None:
    for assignee in (False, True):
        reason = refusal(action, Facts(role=role, in_jurisdiction=False, is_assignee=assignee,
                                       level=level))
        assert reason == "该事件不在您的管辖范围内"


def test_department_staff_act_on_their_department_cases() -> None:
    facts = Facts(role=R.DEPARTMENT, in_jurisdiction=True, is_assignee=False, level="town",
                  same_department=True)
    assert refusal(Action.RESOLVE, facts) is None
    assert refusal(Action.FEEDBACK, facts) is None
    assert refusal(Action.DISPATCH, facts) is not None
    other = Facts(role=R.DEPARTMENT, in_jurisdiction=True, is_assignee=False, level="town")
    assert refusal(Action.RESOLVE, other) == "只有承办人可以办结"
