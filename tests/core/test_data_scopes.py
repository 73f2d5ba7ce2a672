"""Scoped data versions: a write confined to one plan renews that plan's pages (and its
institution's overview), and no other's; anything else renews every page.

See app/core/data_version.py. The pages keyed on a scope read no scoped row of another scope:
checked on the fully populated world by changing every scoped row of one plan and rendering
the other plan's pages afresh.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app.core import data_version as versions
from app.core.data_version import DataState, data_version, scoped_version
from app.core.extensions import db
from app.indicators.models import Indicator, IndicatorTarget, Measurement, PeriodApproval
from app.institutions.models import Unit
from app.planner.models import Activity, ChecklistItem, Plan
from tests.conftest import login
from tests.world import build_world


def unscoped() -> int:
    return int(db.session.scalar(select(DataState.unscoped)) or 0)


@pytest.fixture
def two_plans(two_institutions, make_plan):
    """Institution A's plan with its activity, and a second plan of A with one of its own."""
    people, ids = two_institutions
    plan = db.session.get(Plan, ids["plan"])
    second = make_plan(plan.institution, title="Second plan")
    db.session.add(Activity(plan=second, title="Activity of the second plan"))
    db.session.commit()
    return people, ids, plan, second


def test_an_edit_of_one_plan_renews_its_scopes_and_no_other(app, two_plans):
    _people, _ids, plan, second = two_plans
    institution = ("institution", plan.institution_id)
    before = {scope: scoped_version(scope) for scope in (("plan", plan.id), ("plan", second.id))}
    overview, everything, shared = scoped_version(institution), data_version(), unscoped()
    plan.activities[0].title = "Edited"
    db.session.add(ChecklistItem(activity=plan.activities[0], text="Book the rooms"))
    db.session.commit()
    assert scoped_version(("plan", plan.id))[1] == before[("plan", plan.id)][1] + 1
    assert scoped_version(("plan", second.id)) == before[("plan", second.id)]
    assert scoped_version(institution)[1] == overview[1] + 1
    assert unscoped() == shared, "writes outside every scope"
    assert data_version() == everything + 1, "every write still moves the version of all"


def test_the_other_plans_page_is_answered_from_the_store(app, two_plans, count_queries):
    people, _ids, plan, second = two_plans
    client = app.test_client()
    login(client, people["viewer"].email)
    page = f"/plans/{second.id}"
    client.get(page)
    plan.activities[0].title = "Edited elsewhere"
    db.session.commit()
    with count_queries() as hit:
        assert client.get(page).status_code == 200
    assert not any("activities" in statement for statement in hit.statements), hit.statements


@pytest.mark.parametrize(
    "write",
    [
        "core statement",
        "unscoped table",
        "activity moved",
        "plan moved",
        "activity deleted",
        "plan deleted",
    ],
)
def test_writes_that_cannot_be_confined_renew_everything(app, two_plans, write):
    _people, _ids, plan, second = two_plans
    shared = unscoped()
    activity = plan.activities[0]
    if write == "core statement":
        db.session.execute(update(Activity).where(Activity.id == activity.id).values(title="x"))
    elif write == "unscoped table":
        db.session.add(Unit(institution_id=plan.institution_id, name="A new unit", kind="other"))
        activity.title = "and a scoped row with it"
    elif write == "activity moved":
        activity.plan = second
    elif write == "plan moved":
        plan.institution_id = _other_institution(plan)
    elif write == "activity deleted":  # events.activity_id is set to NULL by the database
        db.session.delete(activity)
    else:
        db.session.delete(second)
    db.session.commit()
    assert unscoped() == shared + 1


def _other_institution(plan: Plan) -> int:
    from app.institutions.models import Institution

    return int(
        db.session.scalar(select(Institution.id).where(Institution.id != plan.institution_id))
    )


def test_a_write_with_nothing_in_it_or_rolled_back_moves_no_scope(app, two_plans):
    _people, _ids, plan, _second = two_plans
    before, shared = scoped_version(("plan", plan.id)), unscoped()
    plan.activities[0].title = "Rolled back"
    db.session.flush()
    db.session.rollback()
    assert scoped_version(("plan", plan.id)) == before
    assert unscoped() == shared


def test_a_flush_failed_in_a_savepoint_leaves_later_core_writes_unconfined(app, two_plans):
    _people, _ids, plan, _second = two_plans
    shared = unscoped()
    activity_id = plan.activities[0].id
    savepoint = db.session.begin_nested()
    db.session.add(Activity(plan_id=plan.id, title=None))  # NOT NULL: the flush fails
    with pytest.raises(Exception):  # the database's own error
        db.session.flush()
    savepoint.rollback()
    db.session.execute(update(Activity).where(Activity.id == activity_id).values(title="Core"))
    db.session.commit()
    assert unscoped() == shared + 1


def test_the_database_followed_deletions_are_known_from_the_schema(app):
    followed = versions._followed_tables()
    # events.activity_id (SET NULL), sendings.plan_id and .activity_id (CASCADE)
    assert {"activities", "plans"} <= followed
    assert "activity_checklist_items" not in followed


def test_scope_names_are_checked(app):
    with pytest.raises(LookupError, match="no such scope"):
        scoped_version(("everything'; --", 1))


@pytest.fixture
def world(app, runner):
    return build_world(app, runner)


SCOPED_PAGES = [
    "/plans/{plan}",
    "/plans/{plan}?group=month",
    "/plans/{plan}/dashboard",
    "/plans/{plan}/indicators",
]


def test_a_plans_pages_read_no_scoped_row_of_another_plan(app, world):
    """Every scoped row of the main plan changes or goes; the other plan's stored pages are
    still what a fresh rendering gives, so keeping them was right."""
    main, other = world.plans[0], world.plans[1]
    client = app.test_client()
    login(client, world.people["manager"].email)
    pages = [page.format(plan=other) for page in SCOPED_PAGES]
    stored = {page: client.get(page) for page in pages}
    edited = [page.format(plan=main) for page in SCOPED_PAGES]
    was = {page: client.get(page).get_data(as_text=True) for page in edited}
    assert all(response.status_code == 200 for response in stored.values())
    before, shared = scoped_version(("plan", other)), unscoped()
    main_before = scoped_version(("plan", main))

    plan = db.session.get(Plan, main)
    plan.title, plan.goals_text = "The main plan, renamed", "Other goals"
    for activity in plan.activities:
        activity.title = f"Renamed {activity.id}"
        activity.effort_planned = 1
        for item in activity.checklist:
            db.session.delete(item)
        for proposed in activity.indicators:
            db.session.delete(proposed)
        for change in activity.status_changes:
            db.session.delete(change)
    for indicator in db.session.scalars(
        select(Indicator).where(Indicator.plan_id == main, Indicator.source.is_(None))
    ):
        indicator.name = f"Renamed {indicator.id}"
        for target in indicator.targets:
            db.session.delete(target)
        for measurement in indicator.measurements:
            for change in measurement.changes:
                db.session.delete(change)
            db.session.delete(measurement)
    for approval in db.session.scalars(
        select(PeriodApproval).where(PeriodApproval.plan_id == main)
    ):
        db.session.delete(approval)
    db.session.add(
        IndicatorTarget(
            indicator_id=db.session.scalar(
                select(Indicator.id).where(Indicator.plan_id == main).limit(1)
            ),
            period_key="2027",
            value=5,
        )
    )
    db.session.commit()

    assert unscoped() == shared, "every write was confined to the main plan"
    assert scoped_version(("plan", main)) != main_before
    assert scoped_version(("plan", other)) == before
    assert (
        db.session.scalar(
            select(Measurement.id)
            .join(Indicator)
            .where(Indicator.plan_id == main)
            .where(Indicator.source.is_(None))
            .limit(1)
        )
        is None
    )
    for page in edited:  # what changed shows on the main plan's pages
        assert client.get(page).get_data(as_text=True) != was[page], page
    app.config["CACHE_PAGES"] = False
    for page in pages:
        fresh = client.get(page)
        assert _tokenless(fresh) == _tokenless(stored[page]), page


def _tokenless(response) -> str:
    """A page without its CSRF tokens, which are signed with the second they are made."""
    return CSRF_TOKEN.sub("token", response.get_data(as_text=True))


CSRF_TOKEN = re.compile(
    r'(?<=name="csrf-token" content=")[^"]+|(?<=name="csrf_token" value=")[^"]+'
)


def test_a_kept_row_of_a_scope_must_name_it(app, two_plans):
    from app.core.snapshots import kept

    _people, _ids, plan, _second = two_plans
    with app.test_request_context("/"), pytest.raises(LookupError, match="belongs to a scope"):
        kept("a plan", plan.id, lambda: db.session.get(Plan, plan.id))


def test_an_edit_in_a_plan_keeps_the_readers_accounts(app, two_plans, count_queries):
    people, _ids, plan, second = two_plans
    client = app.test_client()
    login(client, people["viewer"].email)
    page = f"/plans/{second.id}"
    client.get(page)
    plan.activities[0].title = "Edited elsewhere"
    db.session.commit()
    db.session.remove()
    with count_queries() as hit:
        assert client.get(page).status_code == 200
    assert not any("FROM users" in statement for statement in hit.statements), hit.statements
