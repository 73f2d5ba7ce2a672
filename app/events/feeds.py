"""The listing's feeds: an iCalendar file of the calls' events and an Atom feed of new calls,
each for the filters the reader chose. Every link starts with PUBLIC_BASE_URL, never with the
request's host (app/core/urls.py says why).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from app.core.extensions import aware
from app.core.urls import external_url
from app.events.formatting import event_dates, event_moment
from app.events.models import Event, WindowState

ATOM = "http://www.w3.org/2005/Atom"


def _window(event: Event, now: datetime) -> str:
    """Say where the call's application window stands, in the reader's language."""
    state = event.window_state(now)
    if state == WindowState.OPEN:
        return _(
            "Applications close on %(moment)s.",
            moment=event_moment(event, event.closes_at, closing=True),
        )
    if state == WindowState.NOT_OPEN:
        return _("Applications open on %(moment)s.", moment=event_moment(event, event.opens_at))
    if state == WindowState.CLOSED:
        return _(
            "Applications closed on %(moment)s.",
            moment=event_moment(event, event.closes_at, closing=True),
        )
    return _("The application period is not announced yet.")


def _summary(event: Event, now: datetime) -> str:
    where = f" · {event.place}" if event.place else ""
    return f"{event.institution.name} · {event_dates(event)}{where}\n{_window(event, now)}"


def to_ical(events: list[Event], now: datetime, filters: dict[str, Any]) -> bytes:
    """Write the calls' events as an iCalendar file: one all-day entry per event."""
    domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Staff Capacity Planner//Staff training events//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Staff training events"))
    calendar.add("url", external_url("events.index", **filters))
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}@{domain}")
        entry.add("dtstamp", aware(event.updated_at))
        entry.add("dtstart", event.starts_on)
        entry.add("dtend", event.ends_on + timedelta(days=1))
        entry.add("summary", event.title)
        if event.place:
            entry.add("location", event.place)
        link = external_url("events.call", event_id=event.id)
        entry.add("url", link)
        entry.add("description", f"{_summary(event, now)}\n{link}")
        if event.contact_email:
            entry.add("organizer", f"mailto:{event.contact_email}")
        calendar.add_component(entry)
    return calendar.to_ical()


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def to_atom(events: list[Event], now: datetime, filters: dict[str, Any]) -> bytes:
    """Write the calls as an Atom feed, the newest call first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    listing = external_url("events.index", **filters)
    _text(feed, "id", external_url("events.feed", kind="atom", **filters))
    _text(feed, "title", _("Staff training events"))
    _text(feed, "subtitle", _("New calls for staff training events, for the filters chosen."))
    updated = max((aware(event.updated_at) for event in events), default=now)
    _text(feed, "updated", updated.isoformat())
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": listing})
    ET.SubElement(
        feed,
        f"{{{ATOM}}}link",
        {"rel": "self", "href": external_url("events.feed", kind="atom", **filters)},
    )
    for event in events:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        link = external_url("events.call", event_id=event.id)
        _text(entry, "id", link)
        _text(entry, "title", event.title)
        _text(entry, "published", aware(event.created_at).isoformat())
        _text(entry, "updated", aware(event.updated_at).isoformat())
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": link})
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(author, "name", event.institution.name)
        _text(entry, "summary", _summary(event, now))
    text = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8")
