"""How an event's times and days are written, for its pages and its emails alike.

A time of an event is read as a time of the event's place, whoever reads it: the call says
when applications close where the event is held, and names that zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from datetime import time as dt_time

from babel import Locale
from babel.dates import format_date, format_interval, format_time, get_timezone_location
from flask_babel import pgettext

from app.core.i18n import current_locale
from app.events.models import Event


def _locale() -> Locale:
    return current_locale() or Locale.parse("en_GB")


def event_moment(event: Event, moment: datetime | None, *, closing: bool = False) -> str:
    """Write a stored time as a time of the event's place, naming its zone in the reader's
    language ("14 January 2026, 00:00 (Finland Time)").

    A closing time at midnight is written as the end of the day before (13 February 2026,
    24:00): that is the day a call names as its last.
    """
    if moment is None:
        return "—"
    locale = _locale()
    local = event.local(moment)
    time = format_time(local, "short", locale=locale)
    if closing and local.time() == dt_time(0, 0):
        local -= timedelta(days=1)
        time = re.sub(r"^0?0(?=\D)", "24", time)
    # Babel's CLDR joins a date and a time with a bare space in Finnish and Swedish, where
    # people write "klo" and "kl.": the join is a message each language writes its own way.
    written = pgettext(
        "a day and its time",
        "%(date)s, %(time)s",
        date=format_date(local, "long", locale=locale),
        time=time,
    )
    return f"{written} ({get_timezone_location(event.zone, locale=locale)})"


def event_dates(event: Event) -> str:
    """Write an event's days as one span in the reader's language ("6 to 8 May 2026")."""
    locale = _locale()
    if event.starts_on == event.ends_on:
        return format_date(event.starts_on, "long", locale=locale)
    return format_interval(event.starts_on, event.ends_on, "yMMMd", locale=locale)
