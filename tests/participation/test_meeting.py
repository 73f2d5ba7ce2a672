"""The preparatory online meeting: invitations with a calendar file once, a reminder once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from freezegun import freeze_time
from icalendar import Calendar
from sqlalchemy import select

from app.applications.models import PlaceStatus
from app.core.extensions import aware, db
from app.core.i18n import locale_of
from app.events.formatting import event_moment
from app.mail.models import OutboxMessage
from app.participation import mailings
from tests.participation.conftest import translated

MEETING = datetime(2026, 4, 20, 7, 0, tzinfo=UTC)  # 10.00 in Helsinki
BEFORE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_every_participant_is_invited_once_with_a_calendar_invitation(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()

    assert mailings.invite_to_meeting(BEFORE) == 3
    db.session.commit()
    assert mailings.invite_to_meeting(BEFORE + timedelta(minutes=1)) == 0

    messages = _messages()
    assert sorted(m.recipient for m in messages) == [
        "chen@uni.example",
        "eleni@uni.example",
        "lodz@uni.example",
    ]
    assert "waiting@uni.example" not in {m.recipient for m in messages}
    for application in hosted.participants:
        db.session.refresh(application)
        assert application.meeting_invited_at is not None
    lodz = next(m for m in messages if m.recipient == "lodz@uni.example")
    assert "https://meet.example/prep" in lodz.body
    calendar = Calendar.from_ical(lodz.calendar)
    assert str(calendar["method"]) == "REQUEST"
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == MEETING
    assert entry.decoded("dtend") == MEETING + timedelta(hours=1)
    assert str(entry["location"]) == "https://meet.example/prep"
    assert str(entry["organizer"]) == "mailto:staffweek@example.org"
    assert str(entry["attendee"]) == "mailto:lodz@uni.example"
    assert entry["attendee"].params["CN"] == "Łucja Łódź-Ærø"
    assert str(entry["uid"]).startswith(f"event-{hosted.event.id}-meeting@")


def test_the_invitation_is_written_in_the_language_applied_in(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    db.session.commit()
    by_address = {m.recipient: m for m in _messages()}
    finnish = by_address["eleni@uni.example"]
    assert finnish.language == "fi"
    # The Helsinki time of the meeting, as Finnish writes it.
    assert "20. huhtikuuta 2026 klo 10.00" in finnish.body
    assert by_address["chen@uni.example"].language == "sv"
    assert "20 april 2026 kl. 10.00" in by_address["chen@uni.example"].body


def test_the_invitation_writes_the_time_as_the_event_pages_do(hosted, app):
    """One writer of an event's times: the email's time reads like the call page's, with
    the zone of the event's place named in the participant's language."""
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    by_address = {m.recipient: m for m in _messages()}
    for address, locale in (("eleni@uni.example", "fi"), ("chen@uni.example", "sv")):
        with app.test_request_context(), force_locale(locale_of(locale)):
            written = event_moment(hosted.event, MEETING)
        assert written in by_address[address].body
    assert (
        "20. huhtikuuta 2026 klo 10.00 (aikavyöhyke: Suomi)" in by_address["eleni@uni.example"].body
    )


def test_the_invitation_is_in_the_participants_language(hosted, catalogues):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    by_address = {m.recipient: m for m in _messages()}
    subject = translated("fi", "Preparatory online meeting: %(event)s")
    assert by_address["eleni@uni.example"].subject == subject % {"event": hosted.event.title}


def test_nobody_is_invited_before_decisions_are_sent_or_without_a_meeting(hosted):
    assert mailings.invite_to_meeting(BEFORE) == 0  # no meeting set
    hosted.event.meeting_at = MEETING
    hosted.event.decisions_sent_at = None
    db.session.commit()
    assert mailings.invite_to_meeting(BEFORE) == 0
    assert _messages() == []


def test_a_meeting_that_is_past_invites_nobody(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    assert mailings.invite_to_meeting(MEETING + timedelta(seconds=1)) == 0


def test_who_confirms_later_is_invited_on_the_next_run(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    waiting = hosted.people["waiting"]
    waiting.place = PlaceStatus.CONFIRMED
    db.session.commit()
    assert mailings.invite_to_meeting(BEFORE + timedelta(days=1)) == 1
    assert _messages()[-1].recipient == "waiting@uni.example"


def test_the_reminder_leaves_once_the_day_before(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    db.session.commit()
    day_before = MEETING - timedelta(days=1)
    assert mailings.remind_meeting(day_before - timedelta(seconds=1)) == 0
    assert mailings.remind_meeting(day_before) == 3
    db.session.commit()
    assert mailings.remind_meeting(day_before + timedelta(hours=1)) == 0
    assert aware(hosted.event.meeting_reminded_at) == day_before
    reminders = [m for m in _messages() if m.calendar is None]
    assert len(reminders) == 3
    assert all("Reminder" in m.subject for m in reminders if m.language == "en")


def test_the_calendar_file_holds_names_and_links_safely(hosted):
    hosted.event.meeting_at = MEETING
    hosted.event.title = "Days\r\nBCC: x@evil.example; <script>alert(1)</script>"
    hosted.participants[0].name = "Mallory\r\nATTENDEE:mailto:evil@example.org"
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    message = next(m for m in _messages() if m.recipient == "lodz@uni.example")
    calendar = Calendar.from_ical(message.calendar)
    (entry,) = calendar.walk("VEVENT")
    # One attendee only: a line break in a name never becomes a property of its own.
    assert str(entry["attendee"]) == "mailto:lodz@uni.example"
    assert "\n" not in str(entry["summary"])
    assert "\r" not in message.subject and "\n" not in message.subject


def _edit_meeting(event, now, **changes) -> None:
    """Save the event's editor as the organiser would, changing only what is given."""
    from app.events import services as events
    from app.events.schemas import EventFields

    data = {name: getattr(event, name) for name in EventFields.model_fields}
    data.update(events.local_fields(event))
    data.update(changes)
    with freeze_time(now):
        events.update_event(event, EventFields.model_validate(data), base_version=event.version)
        db.session.commit()


def _calendar_entry(message: OutboxMessage):
    calendar = Calendar.from_ical(message.calendar)
    (entry,) = calendar.walk("VEVENT")
    return str(calendar["method"]), entry


def test_a_moved_meeting_is_mailed_again_and_updates_the_calendar_entry(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    assert mailings.invite_to_meeting(BEFORE) == 3
    db.session.commit()
    first_uid = str(_calendar_entry(_messages()[0])[1]["uid"])

    # Moved a day later, in the editor's Helsinki time.
    _edit_meeting(hosted.event, BEFORE + timedelta(hours=1), meeting_at=datetime(2026, 4, 21, 10))
    assert hosted.event.meeting_sequence == 1
    assert mailings.invite_to_meeting(BEFORE + timedelta(hours=2)) == 3
    db.session.commit()
    assert mailings.invite_to_meeting(BEFORE + timedelta(hours=3)) == 0

    changed = _messages()[3:]
    assert sorted(m.recipient for m in changed) == [
        "chen@uni.example",
        "eleni@uni.example",
        "lodz@uni.example",
    ]
    english = next(m for m in changed if m.recipient == "lodz@uni.example")
    assert english.subject.startswith("Changed: preparatory online meeting")
    assert "21 April 2026, 10:00 (Finland Time)" in english.body
    method, entry = _calendar_entry(english)
    assert method == "REQUEST"
    assert str(entry["uid"]) == first_uid  # the same entry, updated
    assert entry["sequence"] == 1
    assert entry.decoded("dtstart") == MEETING + timedelta(days=1)


def test_the_reminder_follows_a_meeting_moved_after_it_was_sent(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    assert mailings.remind_meeting(MEETING - timedelta(hours=2)) == 3
    db.session.commit()
    _edit_meeting(hosted.event, MEETING - timedelta(hours=1), meeting_at=datetime(2026, 4, 27, 10))
    assert hosted.event.meeting_reminded_at is None
    assert mailings.remind_meeting(MEETING) == 0  # the new time is a week away
    assert mailings.remind_meeting(MEETING + timedelta(days=6)) == 3


def test_a_meeting_called_off_is_cancelled_once_and_a_new_time_invites_again(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    db.session.commit()

    _edit_meeting(hosted.event, BEFORE + timedelta(hours=1), meeting_at=None)
    assert mailings.invite_to_meeting(BEFORE + timedelta(hours=2)) == 3
    db.session.commit()
    assert mailings.invite_to_meeting(BEFORE + timedelta(hours=3)) == 0
    cancelled = _messages()[3:]
    english = next(m for m in cancelled if m.recipient == "lodz@uni.example")
    assert english.subject.startswith("Cancelled: preparatory online meeting")
    method, entry = _calendar_entry(english)
    assert (method, str(entry["status"]), entry["sequence"]) == ("CANCEL", "CANCELLED", 1)

    _edit_meeting(hosted.event, BEFORE + timedelta(hours=4), meeting_at=datetime(2026, 4, 22, 10))
    assert mailings.invite_to_meeting(BEFORE + timedelta(hours=5)) == 3
    again = _messages()[6:]
    assert all(
        m.subject.startswith("Preparatory online meeting") for m in again if m.language == "en"
    )
    assert all(_calendar_entry(m)[1]["sequence"] == 2 for m in again)


def test_an_edit_that_leaves_the_meeting_alone_mails_nobody_again(hosted):
    hosted.event.meeting_at = MEETING
    db.session.commit()
    mailings.invite_to_meeting(BEFORE)
    db.session.commit()
    _edit_meeting(hosted.event, BEFORE + timedelta(hours=1), title="Staff Training Days")
    assert hosted.event.meeting_sequence == 0
    assert mailings.invite_to_meeting(BEFORE + timedelta(hours=2)) == 0
