"""Fixtures shared by every test: a migrated database, the app, its client, sheet factories.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set
(`.ci/run` does both). The schema is built once per session by the real migrations, so every
test also exercises them; each test then starts from empty tables.

Under pytest-xdist (`make test` runs `-n 2`) each worker has a database of its own: a SQLite
file in the worker's own temporary folder, or on PostgreSQL a schema of its own (test_gw0, ...)
in TEST_DATABASE_URL's database, so the role needs no right to create databases.
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import freezegun
import pytest
import yaml
from babel.messages.catalog import Catalog
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings
from jinja2 import StrictUndefined
from sqlalchemy import create_engine, make_url, text
from werkzeug.routing.rules import Rule

from app import create_app
from app.core.extensions import db
from app.core.vocabularies import Vocabularies, load_vocabularies
from tests.catalogues import read_catalogue

# Property tests explore new examples on every run of a developer's machine, where a failure is
# a find; in CI (CI=true) they replay a fixed sequence, so a landing is judged on the code and
# not on the luck of the draw. A case a developer finds becomes a regression test of its own.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PRACTICES = PROJECT_ROOT / "practices"
VOCABULARY_FILE = PROJECT_ROOT / "data" / "vocabularies.yml"


# The rate limiter counts on the real clock even where a test freezes time: its memory store
# forgets expired counts in a thread of its own, which freezegun leaves on the real clock
# (it ignores calls from `threading`), so counts written at a frozen past moment vanished at
# once and no limit was ever reached under freeze_time.
freezegun.configure(extend_ignore_list=["limits"])


def pytest_configure(config: pytest.Config) -> None:
    """Compile the catalogues a test run reads, as `make test` does, when pytest runs alone.

    Only the controller compiles (xdist workers start after it), and only a catalogue whose
    .po is newer than its .mo.
    """
    if hasattr(config, "workerinput"):
        return
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (PROJECT_ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


def _reuse_url_builders() -> None:
    """Compile each URL rule's builder once per process instead of once per app.

    Werkzeug generates and compiles Python code for every rule each time an app's URL map is
    built: about half a second per create_app, and the suite makes an app for every test. The
    code depends only on what the key below holds, so an app made later gets the same
    functions; tests/core/test_url_builders.py checks that against a fresh compile.
    """
    compile_builder = Rule._compile_builder
    builders: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}

    def reused(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        key = builder_key(self, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    reused.compile_builder = compile_builder  # type: ignore[attr-defined]
    Rule._compile_builder = reused  # type: ignore[method-assign]


def builder_key(rule: Rule, append_unknown: bool) -> tuple[Any, ...]:
    """All that the code of a rule's URL builder is made from."""
    return (
        rule.rule,
        rule.host,
        rule.subdomain,
        rule.merge_slashes,
        tuple(rule._trace),
        repr(sorted((rule.defaults or {}).items())),
        tuple((name, type(converter)) for name, converter in rule._converters.items()),
        append_unknown,
    )


_reuse_url_builders()


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def worker_schema(url: str, worker: str | None) -> tuple[str, str]:
    """The schema a PostgreSQL test run owns, and the address that makes it the only one seen.

    A run without xdist uses the database's public schema, as it always did; an xdist worker
    its own schema, named after the worker, first and alone on its connections' search path.
    """
    if not worker:
        return "public", url
    schema = f"test_{worker}"
    address = make_url(url)
    options = " ".join(filter(None, [address.query.get("options"), f"-csearch_path={schema}"]))
    address = address.update_query_dict({"options": options})
    return schema, address.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the test database: TEST_DATABASE_URL (this worker's schema emptied first) or a
    fresh SQLite file (xdist gives each worker a temporary folder of its own)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    schema, url = worker_schema(_normalise(url), os.environ.get("PYTEST_XDIST_WORKER"))
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url


def make_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Build a test configuration."""
    return {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "VOCABULARY_FILE": str(VOCABULARY_FILE),
        "PRACTICES_DIR": str(SHIPPED_PRACTICES),
        "WTF_CSRF_ENABLED": False,
        # Still scrypt, at a cost that keeps hundreds of sign-ins in the suite fast.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        **overrides,
    }


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    """Upgrade the empty test database to head with the project's migrations, once."""
    from flask_migrate import upgrade

    app = create_app(make_config(database_url))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return database_url


def _empty_tables(engine: Any = None) -> None:
    """Delete every row, children first (SQLite's FTS triggers follow the deletes).

    Without an engine, those of the app of the current app context.
    """
    if engine is None:
        db.session.remove()
        engine = db.engine
    tables = list(reversed(db.metadata.sorted_tables))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


# The module whose last test left its rows in the database for its next test (the access
# matrix keeps its world between cells of different routes), or None when the tables are empty.
ROWS_KEPT = {"by": None}


@pytest.fixture(autouse=True)
def _start_from_empty_tables(request: pytest.FixtureRequest) -> None:
    """Empty the rows another module's test kept, before this test starts."""
    kept_by = ROWS_KEPT["by"]
    if kept_by is None or kept_by == request.module.__name__:
        return
    engine = create_engine(request.getfixturevalue("migrated_database"))
    try:
        _empty_tables(engine)
    finally:
        engine.dispose()
    ROWS_KEPT["by"] = None


class StrictTemplates(StrictUndefined):
    """Fail on any name a template uses that nobody passed, but for the absent CSRF field.

    The suite turns CSRF off (tests/core/test_csrf.py and the crawl turn it on), and then
    Flask-WTF gives forms no `csrf_token` field: that one name renders as nothing.
    """

    def __str__(self) -> str:
        if self._undefined_name == "csrf_token":
            return ""
        return super().__str__()


class BufferedClient(FlaskClient):
    """A test client that reads each response whole and closes it, as a WSGI server does.

    A streamed response (a plan's exports) holds its request's context until it is closed;
    dropped unread, the garbage collector would close it in the middle of a later request.
    Its parts stay apart in `response.response`, so a test still sees that it was streamed.
    """

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:
        return super().open(*args, buffered=buffered, **kwargs)


def build_app(database_url: str) -> Flask:
    """Create an app for a test: templates strict, and nothing of one request left in g."""
    app = create_app(make_config(database_url))
    app.test_client_class = BufferedClient

    def _forget_previous_user() -> None:
        # The test keeps one app context open across its requests, and Flask reuses it for
        # each request, so g would carry the user of the previous request (another client's).
        g.pop("_login_user", None)
        # Flask-WTF keeps the request's CSRF token in g too: carried over, it would stand for
        # a session that signing in has since replaced, and forms would be refused.
        g.pop("csrf_token", None)
        g.pop("csrf_valid", None)
        # Flask-Babel keeps the request's locale and catalogue there: each request chooses anew.
        g.pop("_flask_babel", None)
        g.pop("page_language", None)
        # A page's events by activity, read once per request (events.views.hosted_events).
        g.pop("hosted_events", None)

    # First of all hooks: the API's token check sets this request's user after it.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_previous_user)
    app.jinja_env.undefined = StrictTemplates
    return app


@pytest.fixture
def app(migrated_database: str) -> Iterator[Flask]:
    """Create an app on the migrated test database, and empty its tables afterwards."""
    app = build_app(migrated_database)
    with app.app_context():
        yield app
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, answering requests in threads (for races)."""
    import threading

    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    # Absolute links (emails, the feed's address) name this server, as PUBLIC_BASE_URL would.
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll ready() until it holds; fail naming what never came up after timeout seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not come up within {timeout:g} s", pytrace=False)
        time.sleep(0.05)


@pytest.fixture(scope="session")
def browser():
    """Launch Chromium once per test process; skip the browser tests where it is not installed.

    Here, not in tests/browser/conftest.py: browser tests of other folders (selection,
    participation) share this one instance, since Playwright's sync API allows one per process.
    """
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of the app's commands."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def vocab() -> Vocabularies:
    """The shipped vocabularies."""
    return load_vocabularies(VOCABULARY_FILE)


BASE_SHEET: dict[str, Any] = {
    "title": "Peer learning circle for welcome services",
    "slug": "peer-learning-circle",
    "summary": "Advisors from several offices meet to solve real cases together.",
    "goals": ["better-communication", "improved-skills"],
    "categories": ["capacity-building-staff"],
    "mobility_stages": ["institutional-setup"],
    "delivery_schedule": "periodic",
    "importance": "important",
    "scale_of_change": 1,
    "target_groups": ["administrative-staff"],
    "setup": {
        "cost": 1,
        "time": 2,
        "effort": 2,
        "actors": ["International office"],
        "partners": ["Neighbouring universities"],
        "indicators": [
            {"name": "Partner offices committed", "unit": "count", "direction": "higher"}
        ],
    },
    "delivery": {
        "cost": 1,
        "time": 1,
        "effort": 2,
        "actors": ["Hosting office"],
        "partners": [],
        "indicators": [
            {"name": "Participants per meeting", "unit": "count", "direction": "higher"}
        ],
    },
    "internal_actors": [{"unit": "Human resources", "role": "Counts the time as training."}],
    "external_collaborators": [{"organisation": "EURAXESS centre", "role": "Brings updates."}],
    "activity_types": [{"name": "Case clinic", "description": "Each office brings one case."}],
    "considerations": ["Agree a rhythm that people can keep."],
    "challenges": ["Busy periods empty the room."],
    "good_examples": [
        {
            "name": "Advisor workshops",
            "institution": "EURAXESS Germany",
            "description": "Twice a year.",
        }
    ],
    "related": [],
    "sources": [{"title": "Team notes"}],
}


@pytest.fixture
def sheet_data() -> Callable[..., dict[str, Any]]:
    """Return a factory of valid sheet data: sheet_data(slug=..., setup={...}, ...)."""

    def make(**overrides: Any) -> dict[str, Any]:
        data = copy.deepcopy(BASE_SHEET)
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return data

    return make


def sheet_text(data: dict[str, Any], body: str = "## About\n\nA short body.") -> str:
    """Write sheet data as a practice file (not necessarily canonical)."""
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{body}\n"


@pytest.fixture
def sheet_folder(tmp_path: Path, sheet_data: Callable[..., dict[str, Any]]) -> Callable[..., Path]:
    """Return a factory that writes sheets into a fresh folder: sheet_folder(data, data, ...)."""

    def make(*sheets: dict[str, Any], name: str = "sheets") -> Path:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        for data in sheets:
            (folder / f"{data['slug']}.md").write_text(sheet_text(data), encoding="utf-8")
        return folder

    return make


@pytest.fixture
def make_practice(app: Flask, sheet_data: Callable[..., dict[str, Any]], vocab: Vocabularies):
    """Return a factory that stores a practice built from sheet data overrides."""
    from app.practices.models import Practice
    from app.practices.schemas import PracticeSheet
    from app.practices.services import apply_sheet

    def make(body: str = "", **overrides: Any) -> Practice:
        data = sheet_data(**overrides)
        data["body"] = body
        sheet = PracticeSheet.model_validate(data, context={"vocab": vocab})
        practice = apply_sheet(Practice(), sheet)
        db.session.add(practice)
        db.session.commit()
        return practice

    return make


@pytest.fixture
def catalogue(app: Flask, runner: FlaskCliRunner) -> None:
    """Load the shipped practices/ folder, as `make run` does."""
    result = runner.invoke(args=["practices", "sync"])
    assert result.exit_code == 0, result.output


def postgres_only(app: Flask) -> None:
    """Skip a test unless the suite runs on PostgreSQL."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (see .ci/run)")


def listed_count() -> int:
    """Count the practices the catalogue lists (not withdrawn), straight from the table."""
    from sqlalchemy import func, select

    from app.practices.models import Practice

    return db.session.scalar(
        select(func.count()).select_from(Practice).where(Practice.withdrawn_at.is_(None))
    )


PASSWORD = "a sentence nobody guesses"


@pytest.fixture
def make_institution(app: Flask):
    """Return a factory of institutions: make_institution("uni-a")."""
    from app.institutions.models import Institution

    def make(slug: str = "uni-a", **overrides: Any) -> Institution:
        institution = Institution(
            slug=slug,
            name=overrides.pop("name", slug.replace("-", " ").title()),
            country="Finland",
            kind="research-university",
            **overrides,
        )
        db.session.add(institution)
        db.session.commit()
        return institution

    return make


@pytest.fixture
def make_user(app: Flask):
    """Return a factory of users: make_user("a@x.org", institution=inst, role="planner")."""
    from app.accounts import services

    def make(
        email: str = "user@example.org",
        password: str | None = PASSWORD,
        *,
        institution: Any = None,
        role: str | None = None,
        **flags: Any,
    ):
        user = services.create_user(email, password, **flags)
        if institution is not None:
            services.set_role(user, institution, role or "viewer", by="test")
        db.session.commit()
        return user

    return make


def login(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the real form."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def institution_objects(
    institution: Any,
    manager: Any,
    network: Any,
    *,
    guest: str,
    plan_title: str = "Plan",
    activity_title: str = "Activity",
) -> dict[str, Any]:
    """Give an institution a unit, a network membership, a partnership, an invitation, and a
    plan with an activity, a proposed indicator, an indicator, a value with evidence and an
    approved window; flush, and return their ids (and the plan's feed token and versions)."""
    from flask import current_app

    from app.accounts import services
    from app.indicators.models import EvidenceFile, Indicator, Measurement, PeriodApproval
    from app.institutions.models import NetworkMembership, StrategicPartnership, Unit
    from app.planner.models import Activity, ProposedIndicator
    from app.planner.services import create_plan, feed_token

    unit = Unit(name="International office", kind="international-office")
    membership = NetworkMembership(network=network, role="Member")
    partnership = StrategicPartnership(partner_name="Partner U", priority_areas=["Forestry"])
    institution.units.append(unit)
    institution.memberships.append(membership)
    institution.partnerships.append(partnership)
    with current_app.test_request_context():  # the invitation's email holds a link
        invitation = services.invite(institution, guest, "viewer", manager)
    plan = create_plan(
        institution,
        title=plan_title,
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
    )
    activity = Activity(plan=plan, title=activity_title)
    proposed = ProposedIndicator(
        activity=activity, name="Participants", unit="count", direction="higher"
    )
    indicator = Indicator(plan=plan, name="Partners represented", frequency="quarterly")
    evidence = EvidenceFile(
        filename="list.pdf", content_type="application/pdf", size=4, content=b"%PDF"
    )
    measurement = Measurement(
        indicator=indicator,
        period_key="2027-Q1",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 3, 31),
        value=3,
        evidence=evidence,
    )
    approval = PeriodApproval(
        plan=plan,
        period_key="2027-Q4",
        window_start=date(2027, 10, 1),
        window_end=date(2027, 12, 31),
        approved_by=manager.email,
    )
    db.session.add_all([activity, proposed, indicator, measurement, approval])
    db.session.flush()
    return {
        "slug": institution.slug,
        "unit": unit.id,
        "membership": membership.id,
        "partnership": partnership.id,
        "invitation": invitation.id,
        "plan": plan.id,
        "plan_version": plan.version,
        "activity": activity.id,
        "activity_version": activity.version,
        "indicator_version": indicator.version,
        "proposed": proposed.id,
        "indicator": indicator.id,
        "evidence": evidence.id,
        "approval": approval.id,
        "feed": feed_token(plan, manager),  # the manager's own address of the plan's feed
    }


@pytest.fixture
def two_institutions(make_institution, make_user):
    """Institution A with a manager, a planner, a viewer, a unit and an invitation; and B."""
    from app.institutions.models import Network

    a, b = make_institution("uni-a"), make_institution("uni-b")
    people = {
        role: make_user(f"{role}@a.example", institution=a, role=role)
        for role in ("manager", "planner", "viewer")
    }
    people["outsider"] = make_user("manager@b.example", institution=b, role="manager")
    people["curator"] = make_user("curator@example.org", is_curator=True)
    people["admin"] = make_user("admin@example.org", is_admin=True)
    network = Network(slug="net", name="A network", kind="research-network")
    ids = institution_objects(
        a,
        people["manager"],
        network,
        guest="guest@example.org",
        plan_title="Plan A",
        activity_title="Activity A",
    )
    db.session.commit()
    ids["member"] = people["viewer"].id
    return people, ids


class QueryCounter:
    """The SQL statements run while counting."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """Return a context manager that records the statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(*args: Any) -> None:
            # Queries, not the BEGIN that SQLite transactions start with (extensions.py).
            if not args[2].startswith("BEGIN"):
                counter.statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def make_plan(app: Flask, make_institution):
    """Return a factory of plans for 2027: make_plan(institution=None, **overrides)."""
    from app.planner.services import create_plan

    def make(institution: Any = None, **overrides: Any):
        plan = create_plan(
            institution or make_institution(),
            title=overrides.pop("title", "Plan 2027"),
            period_start=overrides.pop("period_start", date(2027, 1, 1)),
            period_end=overrides.pop("period_end", date(2027, 12, 31)),
            **overrides,
        )
        db.session.commit()
        return plan

    return make


# What the access matrix counted in the xdist workers, added up as each worker finishes.
WORKERS_MATRIX_TALLY: Counter[str] = Counter()


def _matrix_tally() -> Counter[str]:
    """The access matrix's tally of this process (tests/test_access_matrix.py), if it ran."""
    import sys

    matrix = sys.modules.get("tests.test_access_matrix")
    return Counter(getattr(matrix, "TALLY", None) or {})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker, hand the matrix's tally to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["access_matrix_tally"] = dict(_matrix_tally())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the xdist controller, add up the tally a worker handed over."""
    WORKERS_MATRIX_TALLY.update(getattr(node, "workeroutput", {}).get("access_matrix_tally", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the size of the access matrix when it ran (tests/test_access_matrix.py)."""
    tally = _matrix_tally() + WORKERS_MATRIX_TALLY
    if not tally:
        return
    outcomes = ", ".join(
        f"{key.removeprefix('expected ')}: {count}"
        for key, count in sorted(tally.items())
        if key.startswith("expected ")
    )
    terminalreporter.write_line(
        f"access matrix: {tally['cells']} cells checked, expecting {outcomes}; "
        f"{tally['not applicable']} not applicable (routes owned by no institution or person "
        "have no 'other' column)"
    )


@pytest.fixture
def catalogues(app: Flask) -> Iterator[dict[str, Catalog]]:
    """Answer each request in the language it asks for, from the merged catalogues (compiled
    by the session), and give the Finnish and Swedish ones to read what a page should say.

    The tests keep one app context across requests, and Flask-Babel keeps each request's
    locale in g: it is forgotten before each request, as a new app context would.
    """

    def forget() -> None:
        g.pop("_flask_babel", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget)
    yield {language: read_catalogue(language) for language in ("fi", "sv")}
    app.before_request_funcs[None].remove(forget)
