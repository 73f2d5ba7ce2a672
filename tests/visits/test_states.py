"""Every state and transition of a visit request, from the table of allowed transitions."""

from __future__ import annotations

import itertools

import pytest

from app.visits.models import (
    ACTIONS,
    TRANSITIONS,
    Actor,
    NotAllowed,
    State,
    VisitRequest,
)


@pytest.mark.parametrize(
    ("state", "action", "actor"), list(itertools.product(State, ACTIONS, Actor))
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
    reached = {State.UNVERIFIED} | {to for _who, to in TRANSITIONS.values()}
    assert reached == set(State)
    for final in (State.DECLINED, State.WITHDRAWN, State.RECORDED):
        assert not [key for key in TRANSITIONS if key[0] == final]


def test_allowed_lists_the_actions_of_one_actor():
    visit = VisitRequest(state=State.ROUTED)
    assert sorted(visit.allowed(Actor.UNIT)) == ["accept", "call", "decline", "propose"]
    assert visit.allowed(Actor.VISITOR) == ["withdraw"]
    assert visit.allowed(Actor.OFFICE) == ["route"]
