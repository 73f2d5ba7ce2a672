"""Suggesting practices that close a plan's gaps: optimal, within budget, effort and count."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.extensions import db
from app.planner import services, suggestions
from app.planner.models import Activity
from app.planner.suggestions import Candidate, choose

GAPS = [f"pair:s{i}|g{i}" for i in range(6)] + ["goal:a", "goal:b"]


@st.composite
def instances(draw):
    """A small catalogue, the plan's gaps with weights, and bounds (None: unbounded)."""
    count = draw(st.integers(min_value=0, max_value=7))
    candidates = [
        Candidate(
            id=i,
            covers=frozenset(draw(st.sets(st.sampled_from(GAPS), max_size=4))),
            euros=draw(st.integers(min_value=0, max_value=20)),
            days=draw(st.integers(min_value=0, max_value=10)),
        )
        for i in range(count)
    ]
    weights = {
        gap: draw(st.integers(min_value=1, max_value=4)) for gap in GAPS[: draw(st.integers(1, 8))]
    }
    euros = draw(st.none() | st.integers(min_value=0, max_value=40))
    days = draw(st.none() | st.integers(min_value=0, max_value=20))
    limit = draw(st.integers(min_value=0, max_value=4))
    return candidates, weights, euros, days, limit


def _value(chosen, weights) -> int:
    covered = set().union(*(c.covers for c in chosen)) if chosen else set()
    return sum(weight for gap, weight in weights.items() if gap in covered)


def _fits(chosen, euros, days, limit) -> bool:
    return (
        len(chosen) <= limit
        and (euros is None or sum(c.euros for c in chosen) <= euros)
        and (days is None or sum(c.days for c in chosen) <= days)
    )


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_choice_is_as_good_as_the_best_of_every_set_and_within_the_bounds(instance):
    candidates, weights, euros, days, limit = instance
    choice = choose(candidates, weights, euros=euros, days=days, limit=limit)
    chosen = choice.chosen
    assert choice.proven
    assert _fits(chosen, euros, days, limit)
    best = max(
        (
            (_value(subset, weights), -sum(c.euros + c.days for c in subset))
            for size in range(len(candidates) + 1)
            for subset in itertools.combinations(candidates, size)
            if _fits(subset, euros, days, limit)
        ),
        default=(0, 0),
    )
    # As many gaps closed as any set within the bounds closes, and among those the cheapest.
    assert (_value(chosen, weights), -sum(c.euros + c.days for c in chosen)) == best


def test_a_practice_past_the_budget_or_the_effort_is_left_out():
    wide = Candidate(id=1, covers=frozenset(GAPS), euros=100, days=1)
    narrow = Candidate(id=2, covers=frozenset(GAPS[:1]), euros=10, days=1)
    weights = dict.fromkeys(GAPS, 1)
    assert choose([wide, narrow], weights, euros=50, days=None, limit=3).chosen == [narrow]
    assert choose([wide, narrow], weights, euros=None, days=None, limit=3).chosen == [wide]
    assert choose([wide, narrow], weights, euros=None, days=0, limit=3).chosen == []
    assert choose([wide, narrow], weights, euros=None, days=None, limit=0).chosen == []


def _plan(make_institution):
    plan = services.create_plan(
        make_institution("uni-s"),
        title="Gaps 2027",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
    )
    plan.goals = ["visibility"]
    db.session.commit()
    return plan


def test_suggestions_close_the_gaps_of_practices_not_yet_adopted(
    app, make_institution, make_practice, vocab
):
    plan = _plan(make_institution)
    arrival = make_practice(
        slug="arrival-desk",
        mobility_stages=["upon-arrival"],
        target_groups=["students", "families"],
        goals=["visibility"],
        setup={"cost": 1, "time": 1, "effort": 1},
        delivery={"cost": 1, "time": 1, "effort": 1},
    )
    adopted = make_practice(
        slug="already-there", mobility_stages=["after-leaving"], target_groups=["lecturers"]
    )
    services.adopt_practice(plan, adopted, ["setup"], vocab)
    db.session.commit()
    gaps = services.gaps(plan, vocab)
    found = suggestions.suggest(plan, gaps, vocab, euros=None, days=None, limit=3)
    slugs = [c.slug for c in found.chosen]
    assert "arrival-desk" in slugs and "already-there" not in slugs
    closes = found.closes[arrival.id]
    assert closes[0] == "goal:visibility"  # goals first, then stage by group
    assert "pair:upon-arrival|students" in closes and "pair:upon-arrival|families" in closes
    # Two low levels per phase: the configured estimates of both phases.
    levels = app.config["SUGGEST_LEVEL_EUROS"]
    assert next(c for c in found.chosen if c.id == arrival.id).euros == 2 * levels[1]
    assert "goal:visibility" not in found.left_open
    # Adopting them closes what they said they would.
    for candidate in found.chosen:
        practice = db.session.get(type(arrival), candidate.id)
        services.adopt_practice(plan, practice, ["setup", "delivery"], vocab)
    db.session.commit()
    after = services.gaps(plan, vocab)
    assert after.goals["visibility"] >= 1 and after.matrix["upon-arrival"]["students"] >= 1
    assert db.session.query(Activity).filter_by(plan_id=plan.id).count() >= 3
