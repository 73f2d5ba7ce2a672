"""Practices to close a plan's gaps within a budget and effort: a small integer program.

Each practice of the catalogue the plan has not adopted covers some of the plan's gaps (a
mobility stage and target group pair no live activity reaches, or a goal of the plan none
serves, services.gaps). Choose at most `limit` practices, costing no more than the budget
and the person-days given, so that the gaps they close together weigh the most; among equal
choices, the cheaper. HiGHS (highspy) solves it, from a greedy start: the catalogue's size
decides the number of variables, the gaps the number of rows (at most a few dozen). Within
about a second it proves its choice the best, or answers with the best found and says so.

What a practice costs is not known from the sheet: it gives levels (1 to 3) of cost and of
personnel effort for its setup and its delivery. The figures per level are estimates set in
the configuration (SUGGEST_LEVEL_EUROS, SUGGEST_LEVEL_DAYS) and shown as estimates.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from flask import current_app
from sqlalchemy import select

from app.core.extensions import db
from app.core.vocabularies import Vocabularies
from app.planner.models import Plan
from app.planner.services import Gaps, adopted_practices
from app.practices.models import Practice, PracticeTerm

# A goal no activity serves weighs as much as this many stage and group pairs: a plan names
# few goals, and each says what the plan is for.
GOAL_WEIGHT = 4


@dataclass(frozen=True)
class Candidate:
    """A practice the plan could adopt: the gaps it would close and what it would cost."""

    id: int
    covers: frozenset[str]
    euros: int
    days: int
    slug: str = ""
    title: str = ""


@dataclass(frozen=True)
class Suggestion:
    """The practices chosen, each with the gaps it closes, and their total cost."""

    chosen: list[Candidate]
    closes: dict[int, list[str]] = field(default_factory=dict)
    euros: int = 0
    days: int = 0
    left_open: list[str] = field(default_factory=list)
    proven: bool = True


def gap_name(kind: str, *keys: str) -> str:
    """Name a gap: "pair:<stage>|<group>" or "goal:<key>"."""
    return f"{kind}:{'|'.join(keys)}"


def weights_of(gaps: Gaps) -> dict[str, int]:
    """Return each open gap of a plan with its weight."""
    weights = {
        gap_name("pair", stage, group): 1
        for stage, row in gaps.matrix.items()
        for group, count in row.items()
        if not count
    }
    weights.update({gap_name("goal", goal): GOAL_WEIGHT for goal in gaps.goal_gaps})
    return weights


@dataclass(frozen=True)
class Choice:
    """The candidates chosen, and whether the solver proved no other choice does better (it
    stops after SUGGEST_SECONDS in all and answers with the best it found)."""

    chosen: list[Candidate]
    proven: bool


# The time a suggestion may take, reading the catalogue included: a budgeted choice among
# thousands of practices can take HiGHS minutes to prove best; it answers with the best
# found by then (at least MIN_SOLVE_SECONDS of solving), never worse than the greedy start.
SUGGEST_SECONDS = 0.9
MIN_SOLVE_SECONDS = 0.1
MAX_COLUMNS = 1_000


def choose(
    candidates: Sequence[Candidate],
    weights: Mapping[str, int],
    *,
    euros: int | None,
    days: int | None,
    limit: int,
    seconds: float = SUGGEST_SECONDS,
) -> Choice:
    """Return the candidates whose gaps closed together weigh the most, within the budget,
    the person-days and the number given (None: no bound); the cheapest such set, or the
    best found within about `seconds`."""
    began = time.monotonic()
    useful = _distinct([c for c in candidates if c.covers & weights.keys()])
    if not useful or limit < 1:
        return Choice([], proven=True)
    start = _greedy(useful, weights, euros=euros, days=days, limit=limit)
    # Past a thousand columns HiGHS can spend more than the time allowed before its first
    # answer: it then weighs the candidates that close the most, alone or for what they
    # cost, with the greedy choice among them, and cannot prove the choice the best.
    shortlisted = len(useful) > MAX_COLUMNS
    if shortlisted:
        useful = _shortlist(useful, weights, start)
    gaps = sorted({gap for c in useful for gap in c.covers & weights.keys()})
    row_of = {gap: row for row, gap in enumerate(gaps)}
    n, m = len(useful), len(gaps)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    # Columns: one binary per candidate (chosen or not), then one per gap in [0, 1] (closed
    # or not). The objective: the weight of the gaps closed, less the cost as a tie-break
    # that all together weighs less than one gap.
    total = sum(c.euros + c.days for c in useful) + 1
    solver.addVars(n + m, np.zeros(n + m), np.ones(n + m))
    solver.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    solver.changeColsCost(
        n + m,
        np.arange(n + m, dtype=np.int32),
        np.array([-(c.euros + c.days) / total for c in useful] + [weights[g] for g in gaps]),
    )
    solver.changeObjectiveSense(highspy.ObjSense.kMaximize)
    # A gap is closed only if a chosen candidate covers it: closed - sum(chosen) <= 0.
    covering: list[list[int]] = [[] for _ in gaps]
    for index, candidate in enumerate(useful):
        for gap in candidate.covers & weights.keys():
            covering[row_of[gap]].append(index)
    starts, columns, values = [], [], []
    for row, chosen_by in enumerate(covering):
        starts.append(len(columns))
        columns += [n + row, *chosen_by]
        values += [1.0] + [-1.0] * len(chosen_by)
    solver.addRows(
        m,
        np.full(m, -highspy.kHighsInf),
        np.zeros(m),
        len(columns),
        np.array(starts, dtype=np.int32),
        np.array(columns, dtype=np.int32),
        np.array(values),
    )
    everyone = np.arange(n, dtype=np.int32)
    solver.addRow(-highspy.kHighsInf, limit, n, everyone, np.ones(n))
    if euros is not None:
        solver.addRow(-highspy.kHighsInf, euros, n, everyone, np.array([c.euros for c in useful]))
    if days is not None:
        solver.addRow(-highspy.kHighsInf, days, n, everyone, np.array([c.days for c in useful]))
    start_closed = set().union(*(c.covers for c in start)) if start else set()
    solution = highspy.HighsSolution()
    started = {id(c) for c in start}
    solution.col_value = [1.0 if id(c) in started else 0.0 for c in useful] + [
        1.0 if gap in start_closed else 0.0 for gap in gaps
    ]
    solver.setSolution(solution)
    left = seconds - (time.monotonic() - began)
    solver.setOptionValue("time_limit", max(MIN_SOLVE_SECONDS, left))
    solver.run()
    status = solver.getModelStatus()
    values_found = solver.getSolution().col_value
    if solver.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return Choice(start, proven=False)
    chosen = [c for i, c in enumerate(useful) if values_found[i] > 0.5]
    if _value(start, weights) > _value(chosen, weights):
        chosen = start
    return Choice(chosen, proven=status == highspy.HighsModelStatus.kOptimal and not shortlisted)


def _shortlist(
    candidates: list[Candidate], weights: Mapping[str, int], start: list[Candidate]
) -> list[Candidate]:
    """Return the candidates closing the most weight, and those closing the most for their
    cost, MAX_COLUMNS in all, with those of the greedy choice."""

    def weight(candidate: Candidate) -> int:
        return sum(weights.get(gap, 0) for gap in candidate.covers)

    by_weight = sorted(candidates, key=lambda c: -weight(c))
    by_rate = sorted(candidates, key=lambda c: -weight(c) / (1 + c.euros + c.days))
    kept: dict[int, Candidate] = {id(c): c for c in start}
    for first, second in zip(by_weight, by_rate, strict=True):
        if len(kept) >= MAX_COLUMNS:
            break
        kept.setdefault(id(first), first)
        kept.setdefault(id(second), second)
    return list(kept.values())


def _distinct(candidates: list[Candidate]) -> list[Candidate]:
    """Return one of each set of candidates closing the same gaps at the same cost (the
    first): a catalogue has many alike, and the solver needs only one of them."""
    seen: dict[tuple[frozenset[str], int, int], Candidate] = {}
    for candidate in candidates:
        key = (frozenset(candidate.covers), candidate.euros, candidate.days)
        seen.setdefault(key, candidate)
    return list(seen.values())


def _value(chosen: Sequence[Candidate], weights: Mapping[str, int]) -> int:
    """Return the weight of the gaps a set of candidates closes."""
    closed = set().union(*(c.covers for c in chosen)) if chosen else set()
    return sum(weights.get(gap, 0) for gap in closed)


def _greedy(
    candidates: Sequence[Candidate],
    weights: Mapping[str, int],
    *,
    euros: int | None,
    days: int | None,
    limit: int,
) -> list[Candidate]:
    """Return a good choice quickly: the candidate closing the most new weight per cost,
    again and again while it fits (the solver's start).

    Gaps are bits of an integer, one integer per weight, so that a candidate's new weight
    is a few bit counts: over thousands of candidates, sets were most of the time.
    """
    bit = {gap: 1 << index for index, gap in enumerate(weights)}
    by_weight: dict[int, int] = {}
    for gap, weight in weights.items():
        by_weight[weight] = by_weight.get(weight, 0) | bit[gap]
    masks = [sum(bit[gap] for gap in c.covers if gap in bit) for c in candidates]
    chosen: list[int] = []
    closed = 0
    spent_euros = spent_days = 0
    while len(chosen) < limit:
        best, best_rate = -1, 0.0
        for index, candidate in enumerate(candidates):
            new = masks[index] & ~closed
            if not new or index in chosen:
                continue
            if euros is not None and spent_euros + candidate.euros > euros:
                continue
            if days is not None and spent_days + candidate.days > days:
                continue
            gain = sum(weight * (new & mask).bit_count() for weight, mask in by_weight.items())
            rate = gain / (1 + candidate.euros + candidate.days)
            if rate > best_rate:
                best, best_rate = index, rate
        if best < 0:
            break
        chosen.append(best)
        closed |= masks[best]
        spent_euros += candidates[best].euros
        spent_days += candidates[best].days
    return [candidates[index] for index in chosen]


def suggest(
    plan: Plan,
    gaps: Gaps,
    vocab: Vocabularies,
    *,
    euros: int | None,
    days: int | None,
    limit: int,
) -> Suggestion:
    """Suggest practices of the catalogue that close the plan's gaps within the bounds."""
    began = time.monotonic()
    weights = weights_of(gaps)
    found_candidates = candidates(plan, weights)
    choice = choose(
        found_candidates,
        weights,
        euros=euros,
        days=days,
        limit=limit,
        seconds=SUGGEST_SECONDS - (time.monotonic() - began),
    )
    found = choice.chosen
    closes: dict[int, list[str]] = {}
    covered: set[str] = set()
    # Each gap is credited to the first practice that closes it, the one closing most first.
    for candidate in sorted(found, key=lambda c: -len(c.covers & weights.keys())):
        closes[candidate.id] = sorted(
            candidate.covers & weights.keys() - covered, key=lambda g: _order(g, vocab)
        )
        covered |= candidate.covers
    return Suggestion(
        chosen=sorted(found, key=lambda c: -len(closes[c.id])),
        closes=closes,
        euros=sum(c.euros for c in found),
        days=sum(c.days for c in found),
        left_open=sorted(weights.keys() - covered, key=lambda g: _order(g, vocab)),
        proven=choice.proven,
    )


def candidates(plan: Plan, weights: Mapping[str, int]) -> list[Candidate]:
    """Return the catalogue's practices the plan has not adopted that close any of its gaps.

    Two statements whatever the catalogue's size: the practices' levels, and their stage,
    group and goal terms.
    """
    adopted = adopted_practices(plan)
    rows = db.session.execute(
        select(
            Practice.id,
            Practice.slug,
            Practice.title,
            Practice.setup_cost,
            Practice.delivery_cost,
            Practice.setup_effort,
            Practice.delivery_effort,
        ).where(Practice.withdrawn_at.is_(None), Practice.id.not_in(adopted))
    ).all()
    terms: dict[int, dict[str, list[str]]] = {}
    for practice_id, vocabulary, key in db.session.execute(
        select(PracticeTerm.practice_id, PracticeTerm.vocabulary, PracticeTerm.key).where(
            PracticeTerm.vocabulary.in_(("mobility_stages", "target_groups", "goals"))
        )
    ):
        terms.setdefault(practice_id, {}).setdefault(vocabulary, []).append(key)
    euros_of = current_app.config["SUGGEST_LEVEL_EUROS"]
    days_of = current_app.config["SUGGEST_LEVEL_DAYS"]
    found = []
    for practice_id, slug, title, setup_cost, delivery_cost, setup_effort, delivery_effort in rows:
        its = terms.get(practice_id, {})
        covers = (
            frozenset(
                [
                    gap_name("pair", stage, group)
                    for stage in its.get("mobility_stages", [])
                    for group in its.get("target_groups", [])
                ]
                + [gap_name("goal", goal) for goal in its.get("goals", [])]
            )
        ).intersection(weights)
        if covers:
            found.append(
                Candidate(
                    id=practice_id,
                    covers=covers,
                    euros=euros_of[setup_cost] + euros_of[delivery_cost],
                    days=days_of[setup_effort] + days_of[delivery_effort],
                    slug=slug,
                    title=title,
                )
            )
    return found


def gap_label(gap: str, vocab: Vocabularies) -> str:
    """Name a gap as people read it: a goal's label, or "stage · group"."""
    kind, _, keys = gap.partition(":")
    if kind == "goal":
        return vocab.label("goals", keys)
    stage, _, group = keys.partition("|")
    return f"{vocab.label('mobility_stages', stage)} · {vocab.label('target_groups', group)}"


def _order(gap: str, vocab: Vocabularies) -> tuple[int, int, int]:
    """Sort gaps as the vocabularies list them: goals first, then stage by group."""
    kind, _, keys = gap.partition(":")
    if kind == "goal":
        return (0, vocab.position("goals", keys), 0)
    stage, _, group = keys.partition("|")
    return (1, vocab.position("mobility_stages", stage), vocab.position("target_groups", group))
