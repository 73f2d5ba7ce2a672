"""The whole event in Chromium, on frozen clocks: an organiser hosts the Helsinki event from a
plan activity, three applicants from other institutions apply (one on a phone), the window
closes, the committee scores, the decisions go out, a place given back goes to the waiting
list, attendance is marked on a phone, the participant downloads a certificate and gives
feedback, and the plan's dashboard shows figures equal to the records. Each page is checked by
axe; screenshots in tests/artifacts/event-journey-NN-*.png."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from tests.browser.axe import audit
from tests.browser.conftest import PageProblems, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BEFORE_OPENING = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
DURING = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 2, 13, 22, 0, tzinfo=UTC)  # 14 Feb 00:00 in Helsinki
AFTER_CLOSE = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
EVENT_DAY = datetime(2026, 5, 6, 7, 0, tzinfo=UTC)  # 10:00 in Helsinki, the first day
AFTER_EVENT = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)
TRACKS = [
    ("Global mobility networks", "Mobility staff of international offices", "Networks\nFunding", 1),
    ("Communications", "Communication officers", "Campaigns\nSocial media", 10),
    (
        "Transforming learning environments",
        "Teachers and educational developers",
        "Hybrid teaching",
        10,
    ),
    ("Language and communication teaching", "Language teachers", "Plurilingual classrooms", 10),
]
# Name, email, institution typed, country, on a phone.
APPLICANTS = [
    ("Aino Virtanen", "aino@tampere.example", "Tampere University", "Germany", False),
    ("Bruno Keller", "bruno@wien.example", "Universität Wien", "Austria", True),
    ("Chiara Rossi", "chiara@bologna.example", "Università di Bologna", "Italy", False),
]


class Shots:
    """The journey's numbered screenshots, each page checked by axe first."""

    def __init__(self) -> None:
        self.taken = 0

    def __call__(self, page, name: str) -> None:
        audit(page)
        self.taken += 1
        screenshot(page, f"event-journey-{self.taken:02d}-{name}")


def _fits(page) -> None:
    """Nothing is wider than the viewport (no sideways scrolling)."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _new_page(browser, problems: PageProblems, *, phone: bool):
    """A page of another person's browser, recording console errors like the `page` fixture."""
    if phone:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: m.type == "error" and problems.messages.append(m.text))
    page.on("pageerror", lambda e: problems.messages.append(str(e)))
    return page


def _as(page, base: str, email: str) -> None:
    """Sign in afresh: the session cookie of another frozen day has aged out."""
    page.context.clear_cookies()
    sign_in(page, base, email, landing=r".*/(practices|plans.*)$")


def _mailed_link(email: str) -> str:
    """The applicant's link in the newest mail the app wrote to them (the outbox table):
    each mail carries a fresh one, and the one before stops working."""
    from app.core.extensions import db
    from app.mail.models import OutboxMessage

    db.session.rollback()  # read what the server's requests committed
    bodies = db.session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == email)
        .order_by(OutboxMessage.id.desc())
    ).all()
    for body in bodies:
        found = re.search(r"http://127\.0\.0\.1:\d+/applications/[A-Za-z0-9_-]+", body)
        if found:
            return found.group(0)
    raise AssertionError(f"no mail to {email} with a link")


@pytest.fixture
def hosted(live_server, make_institution, make_user, vocab):
    """The host, its organiser and a committee member, and a plan with the activity adopted
    from the practice "international-staff-training-days"."""
    from app.core.extensions import db
    from app.planner.services import adopt_practice, create_plan
    from app.practices.models import Practice

    host = make_institution("helsinki", name="University of Helsinki")
    make_user("organiser@helsinki.example", institution=host, role="event_organiser")
    make_user("reviewer@helsinki.example", institution=host, role="viewer")
    plan = create_plan(
        host,
        title="Staff development 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    practice = db.session.scalar(
        select(Practice).where(Practice.slug == "international-staff-training-days")
    )
    (activity,) = adopt_practice(plan, practice, ["delivery"], vocab, by="test")
    activity.start_date, activity.end_date = date(2026, 5, 6), date(2026, 5, 8)
    db.session.commit()
    return plan, activity


def test_an_event_from_call_to_computed_indicators(live_server, journey, browser, hosted):
    from app.applications.models import Application, Decision, PlaceStatus
    from app.core.extensions import db
    from app.events.models import Event
    from app.indicators.models import Indicator, Measurement
    from app.participation.models import Attendance, Feedback

    plan, activity = hosted
    base = live_server
    page = journey
    page.set_default_timeout(10_000)
    others = PageProblems()
    _shot = Shots()

    # 1. Before the window: the organiser hosts the plan's activity as the event.
    with freeze_time(BEFORE_OPENING, tick=True):
        _as(page, base, "organiser@helsinki.example")
        page.goto(f"{base}/plans/{plan.id}")
        audit(page)
        page.get_by_role("link", name=re.compile("^Host this as an event")).first.click()
        page.wait_for_url(re.compile(r"/events/new\?activity="))
        page.get_by_label("Title", exact=True).fill("International Staff Training Days 2026")
        page.get_by_label("First day").fill("2026-05-06")
        page.get_by_label("Last day").fill("2026-05-08")
        page.get_by_label("Place", exact=True).fill("Helsinki")
        page.get_by_label("Working languages").fill("en")
        page.get_by_label("Description (Markdown)").fill(
            "Three days of **workshops** and visits for staff of partner universities."
        )
        page.get_by_label("Applications open", exact=True).fill("2026-01-14T00:00")
        page.get_by_label("Applications close", exact=True).fill("2026-02-14T00:00")
        assert page.get_by_label("Time zone").input_value() == "Europe/Helsinki"
        assert page.get_by_label("Plan activity it carries out").input_value() == str(activity.id)
        _shot(page, "new-event")
        page.get_by_role("button", name="Save the event").click()
        page.wait_for_url(re.compile(r"/institutions/helsinki/events/\d+$"))
        audit(page)
        event_id = int(page.url.rsplit("/", 1)[1])
        manage = f"{base}/institutions/helsinki/events/{event_id}"

        page.goto(f"{manage}/tracks")
        for n, (title, group, topics, places) in enumerate(TRACKS):
            page.get_by_label("Title", exact=True).fill(title)
            page.get_by_label("Target group").fill(group)
            page.get_by_label("Topics (one per line)").fill(topics)
            page.get_by_label("Places").fill(str(places))
            page.get_by_role("button", name="Save the track").click()
            page.wait_for_url(re.compile(r"/tracks$"))
            page.locator(".track-list > li > strong").nth(n).get_by_text(title).wait_for()
        _shot(page, "tracks")
        page.get_by_role("link", name=re.compile("^Questions")).first.click()
        page.wait_for_url(re.compile(r"/questions$"))
        page.get_by_label("Kind of answer").select_option("short_text")
        page.get_by_label("Question", exact=True).fill("Which network do you bring?")
        page.get_by_label("An answer is required").check()
        page.get_by_role("button", name="Save the question").click()
        page.get_by_text("The question is added.").wait_for()
        audit(page)

        page.goto(f"{manage}/rubric")
        for title, weight in (("Fit with the track", 3), ("Motivation", 1)):
            page.get_by_label("Criterion", exact=True).fill(title)
            page.get_by_label("Weight").fill(str(weight))
            page.get_by_role("button", name="Save the criterion").click()
            page.get_by_role("cell", name=title).first.wait_for()
        _shot(page, "rubric")

        page.goto(f"{manage}/committee")
        page.get_by_label("Member of the institution").select_option(
            label="reviewer@helsinki.example"
        )
        page.get_by_label("Track", exact=True).select_option(label="Global mobility networks")
        page.get_by_role("button", name="Add to the committee").click()
        page.wait_for_load_state()
        _shot(page, "committee")

        page.goto(manage)
        page.get_by_role("button", name="Publish the call").click()
        page.get_by_text("The call is published.").wait_for()
        _shot(page, "published")
        page.goto(f"{base}/events/{event_id}")
        page.get_by_text("Applications open on 14 January 2026").wait_for()
        _shot(page, "call-before-opening")

    db.session.rollback()
    event = db.session.get(Event, event_id)
    assert event.activity_id == activity.id and len(event.tracks) == 4
    assert [c.weight for c in event.criteria] == [3, 1]

    # 2. The window is open: three applicants of other institutions apply by the mailed link.
    with freeze_time(DURING, tick=True):
        for n, (name, email, institution, country, phone) in enumerate(APPLICANTS):
            applicant = _new_page(browser, others, phone=phone)
            applicant.goto(f"{base}/events/{event_id}")
            audit(applicant)
            if n == 0:
                _shot(applicant, "call-open")
            applicant.get_by_role("link", name="Apply").click()
            applicant.get_by_label("Email").fill(email)
            applicant.get_by_role("button", name="Email me the link").click()
            applicant.get_by_text(f"A link is on its way to {email}").wait_for()
            audit(applicant)
            applicant.goto(_mailed_link(email))
            applicant.get_by_label("Your name").fill(name)
            applicant.get_by_label("Current role").fill("Mobility coordinator")
            applicant.get_by_label("Institution", exact=True).fill(institution)
            applicant.get_by_label("Country").select_option(label=country)
            applicant.get_by_label("Professional background").fill(
                "Ten years in an international office."
            )
            applicant.get_by_label("Track", exact=True).select_option(
                label="Global mobility networks"
            )
            applicant.get_by_role("button", name="Show this track’s questions").click()
            applicant.get_by_label("Which network do you bring?").fill("UNICA")
            applicant.get_by_label("I agree that my data is used").check()
            if phone:
                _fits(applicant)
                _shot(applicant, "apply-phone")
            applicant.get_by_role("button", name="Send the application").click()
            applicant.get_by_text("Your application is sent.").wait_for()
            audit(applicant)
            if phone:
                _fits(applicant)
                _shot(applicant, "applied-phone")
            applicant.context.close()

    db.session.rollback()
    applications = {
        a.email: a
        for a in db.session.scalars(select(Application).where(Application.event_id == event_id))
    }
    assert sorted(applications) == sorted(email for _, email, *_ in APPLICANTS)
    assert {a.track.title for a in applications.values()} == {"Global mobility networks"}

    # 3a. One second before the close: nothing may be sent.
    with freeze_time(CLOSES - timedelta(minutes=2), tick=True):
        _as(page, base, "organiser@helsinki.example")
    # A clock that stands still (a ticking one would pass the close while the page loads);
    # Playwright's own event loop keeps the real clock for its timeouts.
    with freeze_time(CLOSES - timedelta(seconds=1), real_asyncio=True):
        page.goto(f"{manage}/selection")
        assert page.get_by_role("button", name="Send the decisions").count() == 0
        _shot(page, "selection-before-close")
        refused = page.request.post(f"{manage}/selection/send", max_redirects=0)
        assert refused.status >= 300, refused.status
    db.session.rollback()
    assert db.session.get(Event, event_id).decisions_sent_at is None

    # 3b. After the close: the committee member scores, the organiser decides and sends.
    scores = {
        "aino@tampere.example": (5, 4),
        "bruno@wien.example": (4, 4),
        "chiara@bologna.example": (2, 3),
    }
    with freeze_time(AFTER_CLOSE, tick=True):
        _as(page, base, "reviewer@helsinki.example")
        page.goto(f"{manage}/review")
        _shot(page, "review-list")
        for email, (fit, motivation) in scores.items():
            page.goto(f"{manage}/review/{applications[email].id}")
            audit(page)
            page.get_by_role("group", name="Fit with the track").get_by_label(
                str(fit), exact=True
            ).check()
            page.get_by_role("group", name="Motivation").get_by_label(
                str(motivation), exact=True
            ).check()
            page.get_by_label("Comment for the committee").fill("Clear plans for the home office.")
            if email == "aino@tampere.example":
                _shot(page, "review")
            page.get_by_role("button", name="Save the review").click()
            page.wait_for_load_state()
            audit(page)

        _as(page, base, "organiser@helsinki.example")
        page.goto(f"{manage}/selection")
        aino, bruno, chiara = (applications[email].id for _, email, *_ in APPLICANTS)
        page.select_option(f"#decision_{aino}", "accepted")
        page.select_option(f"#decision_{bruno}", "waiting_list")
        page.fill(f"#rank_{bruno}", "1")
        page.select_option(f"#decision_{chiara}", "declined")
        page.get_by_role("button", name="Save the decisions").first.click()
        page.wait_for_load_state()
        # The weighted means of the rubric: (3 x fit + motivation) / 4.
        for name, mean in (
            ("Aino Virtanen", "4.75"),
            ("Bruno Keller", "4.00"),
            ("Chiara Rossi", "2.25"),
        ):
            assert mean in page.locator("tr", has_text=name).inner_text(), name
        _shot(page, "decisions-prepared")
        page.get_by_role("button", name="Send the decisions").click()
        page.wait_for_load_state()
        page.get_by_text(re.compile("The decisions were sent on")).wait_for()
        _shot(page, "decisions-sent")

    db.session.rollback()
    assert db.session.get(Event, event_id).decisions_sent_at is not None

    # 4. The accepted gives the place back; the first on the waiting list takes it.
    with freeze_time(AFTER_CLOSE + timedelta(hours=2), tick=True):
        own = _new_page(browser, others, phone=False)
        own.goto(_mailed_link("aino@tampere.example"))
        own.get_by_text("Your application to Global mobility networks is accepted.").wait_for()
        _shot(own, "offer-accepted")
        own.get_by_role("button", name="Decline the place").click()
        own.get_by_role("heading", name="Decline the place?").wait_for()
        _shot(own, "decline-asked")
        own.get_by_role("button", name="Decline the place").click()
        own.wait_for_load_state()
        assert "You have declined the place." in own.inner_text("main")
        _shot(own, "declined")
        own.context.close()
        phone = _new_page(browser, others, phone=True)
        phone.goto(_mailed_link("bruno@wien.example"))
        phone.get_by_text("A place has opened for you in Global mobility networks.").wait_for()
        _fits(phone)
        _shot(phone, "offer-promoted-phone")
        phone.get_by_role("button", name="Confirm my place").click()
        phone.wait_for_load_state()
        phone.get_by_text(
            re.compile("Your place in Global mobility networks is confirmed")
        ).wait_for()
        _shot(phone, "confirmed-phone")
        phone.context.close()

    db.session.rollback()
    places = {
        a.email: a.place
        for a in db.session.scalars(select(Application).where(Application.event_id == event_id))
    }
    assert places["aino@tampere.example"] == PlaceStatus.DECLINED
    assert places["bruno@wien.example"] == PlaceStatus.CONFIRMED
    assert db.session.get(Application, bruno).decision == Decision.ACCEPTED

    # 5. During the event the organiser marks attendance on a phone; afterwards the
    # participant downloads the certificate and gives feedback.
    with freeze_time(EVENT_DAY, tick=True):
        page.set_viewport_size(PHONE)
        _as(page, base, "organiser@helsinki.example")
        page.goto(f"{manage}/checkin")
        audit(page)
        page.locator(f"#p-{bruno}").get_by_role("button", name="Mark present").click()
        page.wait_for_load_state()
        assert page.locator(f"#p-{bruno}.present").count() == 1
        _fits(page)
        _shot(page, "checkin-phone")
        page.set_viewport_size(DESKTOP)

    with freeze_time(AFTER_EVENT, tick=True):
        participant = _new_page(browser, others, phone=False)
        participant.goto(_mailed_link("bruno@wien.example"))
        _shot(participant, "after-the-event")
        link = participant.get_by_role("link", name="Download your certificate of attendance (PDF)")
        answer = participant.request.get(base + link.get_attribute("href").replace(base, ""))
        assert answer.ok and answer.headers["content-type"].startswith("application/pdf")
        pdf = answer.body()
        assert pdf.startswith(b"%PDF")
        from pypdf import PdfReader

        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Bruno Keller" in text and "International Staff Training Days 2026" in text
        participant.get_by_role("link", name="Give your feedback on the event").click()
        participant.wait_for_load_state()
        participant.get_by_role("group", name="How was the event as a whole?").get_by_label(
            "4, very good"
        ).check()
        participant.get_by_role("group", name="How was your track?").get_by_label(
            "5, excellent"
        ).check()
        participant.get_by_label("What will you change at home after the event?").fill(
            "A welcome week for incoming staff."
        )
        participant.get_by_role("button", name="Send feedback").click()
        participant.wait_for_load_state()
        assert participant.get_by_role("status").first.inner_text().startswith("Thank you")
        _shot(participant, "feedback-sent")
        participant.context.close()

        # 6. The plan's dashboard shows the computed figures, equal to the records.
        _as(page, base, "organiser@helsinki.example")
        page.goto(f"{base}/plans/{plan.id}/dashboard")
        _shot(page, "dashboard")
        dashboard = page.inner_text("main")
        shown = {
            label: page.locator("tr", has=page.get_by_role("link", name=label, exact=True))
            .locator("td")
            .nth(1)
            .inner_text()
            for label in (
                "Applications received",
                "Places filled",
                "Participants attended",
                "Mean satisfaction",
            )
        }

    db.session.rollback()
    records = {
        "event.applications": db.session.scalar(
            select(func.count()).select_from(Application).where(Application.event_id == event_id)
        ),
        "event.places_filled": db.session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.event_id == event_id, Application.place == PlaceStatus.CONFIRMED)
        ),
        "event.attended": db.session.scalar(
            select(func.count(func.distinct(Attendance.application_id)))
        ),
        "event.satisfaction": db.session.scalar(select(func.avg(Feedback.overall))),
    }
    assert records == {
        "event.applications": 3,
        "event.places_filled": 1,
        "event.attended": 1,
        "event.satisfaction": 4,
    }
    values = dict(
        db.session.execute(
            select(Indicator.source, Measurement.value)
            .join(Measurement, Measurement.indicator_id == Indicator.id)
            .where(Indicator.activity_id == activity.id)
        ).all()
    )
    for key, expected in records.items():
        assert values[key] == expected, key
    assert shown == {
        "Applications received": "3",
        "Places filled": "1",
        "Participants attended": "1",
        "Mean satisfaction": "4",
    }
    assert "Computed from event records" in dashboard
    assert "3 applications; 0 withdrawn" in dashboard
    assert "1 participant" in dashboard
    assert "1 feedback response" in dashboard
    assert others.messages == [], others.messages
