"""Every state and transition of a visit request, from the table of allowed transitions."""

from __future__ import annotations

import itertools

import pytest

from app.visits.models import (
    ACTIONS,
    TRANSITIONS,
    NotAllowed,
    VisitActor,
    VisitRequest,
    VisitState,
)


@pytest.mark.parametrize(
    ("state", "action", "actor"), list(itertools.product(VisitState, ACTIONS, VisitActor))
)
def test_every_step_from_every_state_is_as_the_table_says(state, action, actor):
    visit = VisitRequest(state=state)
    step = TRANSITIONS.get((state, action))
    if step is not None and step[0] == actor:
        assert visit.move(action, actor) == step[1]
        assert visit.state == step[1]
    else:
        with pytest.raises(NotAllowed):
            visit.move(action, actor)
        assert visit.state == state


def test_every_state_is_reached_and_the_ends_are_final():
    reached = {VisitState.UNVERIFIED} | {to for _who, to in TRANSITIONS.values()}
    assert reached == set(VisitState)
    for final in (VisitState.DECLINED, VisitState.WITHDRAWN, VisitState.RECORDED):
        assert not [key for key in TRANSITIONS if key[0] == final]


def test_allowed_lists_the_actions_of_one_actor():
    visit = VisitRequest(state=VisitState.ROUTED)
    assert sorted(visit.allowed(VisitActor.UNIT)) == ["accept", "call", "decline", "propose"]
    assert visit.allowed(VisitActor.VISITOR) == ["withdraw"]
    assert visit.allowed(VisitActor.OFFICE) == ["route"]
