"""The figures an event gives its plan activity: what each computed indicator counts, from
the counts of the records (Records), and how the counts behind a value read.

The sources are registered with the indicators (app.indicators.computed) at import; records.py
counts the records and keeps the values in step with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.formatting import number
from app.core.i18n import lazy_gettext as _l
from app.indicators import computed
from app.indicators.computed import Figure, Source

CENT = Decimal("0.01")
PREFIX = "event."


@dataclass(frozen=True)
class Records:
    """The counts of the records of one or more events (those of one reporting period).

    Participants are the applicants who confirmed a place (not withdrawn): countries,
    partners and networks are counted among them.
    """

    applications: int = 0  # submitted and not withdrawn
    withdrawn: int = 0
    per_track: dict[str, int] = field(default_factory=dict)  # by track title
    tracks: int = 0
    places: int = 0  # the tracks' capacities
    participants: int = 0  # confirmed places
    attended: int = 0  # present on at least one day
    countries: int = 0
    partners: int = 0  # distinct strategic partners of the host
    from_partners: int = 0  # participants from a strategic partner
    networks: int = 0
    responses: int = 0  # feedback given
    overall_total: int = 0  # the sum of the overall ratings


def _ratio(part: int, whole: int, times: int = 1) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * times / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def _count(what: str, num: int) -> str:
    """Name a count of records in the reader's language."""
    words = {
        "applications": ngettext("%(num)d application", "%(num)d applications", num),
        "withdrawn": ngettext("%(num)d withdrawn", "%(num)d withdrawn", num),
        "tracks": ngettext("%(num)d track", "%(num)d tracks", num),
        "places": ngettext("%(num)d place", "%(num)d places", num),
        "participants": ngettext(
            "%(num)d participant (confirmed place)", "%(num)d participants (confirmed places)", num
        ),
        "attended": ngettext("%(num)d attended", "%(num)d attended", num),
        "countries": ngettext("%(num)d country", "%(num)d countries", num),
        "partners": ngettext("%(num)d partner institution", "%(num)d partner institutions", num),
        "from_partners": ngettext(
            "%(num)d participant from partners", "%(num)d participants from partners", num
        ),
        "networks": ngettext("%(num)d network", "%(num)d networks", num),
        "responses": ngettext("%(num)d feedback response", "%(num)d feedback responses", num),
        "events": ngettext("%(num)d event", "%(num)d events", num),
    }
    return words[what]


def describe(basis: Mapping[str, Any]) -> str:
    """Write the counts behind a computed value as the reader reads them."""
    parts = [
        _count(name, int(basis[name]))
        for name in (
            "applications",
            "withdrawn",
            "attended",
            "participants",
            "places",
            "tracks",
            "countries",
            "partners",
            "from_partners",
            "networks",
            "responses",
        )
        if name in basis
    ]
    if isinstance(basis.get("per_track"), dict):
        parts.extend(
            _("%(track)s: %(count)s", track=title, count=number(count))
            for title, count in basis["per_track"].items()
        )
    if len(basis.get("events", [])) > 1:
        parts.append(_count("events", len(basis["events"])))
    return "; ".join(parts)


def _source(
    key: str,
    label: Any,
    description: Any,
    unit: str,
    aggregation: str,
    compute: Any,
    **extra: Any,
) -> Source:
    return computed.register(
        Source(PREFIX + key, label, description, unit, aggregation, compute, describe, **extra)
    )


def _applications(r: Records) -> Figure:
    return Decimal(r.applications), {"applications": r.applications, "withdrawn": r.withdrawn}


def _per_track(r: Records) -> Figure:
    return _ratio(r.applications, r.tracks), {
        "applications": r.applications,
        "tracks": r.tracks,
        "per_track": dict(r.per_track),
    }


def _places_filled(r: Records) -> Figure:
    return Decimal(r.participants), {"participants": r.participants, "places": r.places}


def _attended(r: Records) -> Figure:
    return Decimal(r.attended), {"attended": r.attended, "participants": r.participants}


def _countries(r: Records) -> Figure:
    return Decimal(r.countries), {"countries": r.countries, "participants": r.participants}


def _partners(r: Records) -> Figure:
    return Decimal(r.partners), {"partners": r.partners, "participants": r.participants}


def _networks(r: Records) -> Figure:
    return Decimal(r.networks), {"networks": r.networks, "participants": r.participants}


def _partner_share(r: Records) -> Figure:
    return _ratio(r.from_partners, r.participants, 100), {
        "from_partners": r.from_partners,
        "participants": r.participants,
    }


def _satisfaction(r: Records) -> Figure:
    return _ratio(r.overall_total, r.responses), {"responses": r.responses}


def _per_place(r: Records) -> Figure:
    return _ratio(r.applications, r.places), {"applications": r.applications, "places": r.places}


SOURCES = (
    _source(
        "applications",
        _l("Applications received"),
        _l("Applications submitted to the event and not withdrawn."),
        "count",
        "sum",
        _applications,
    ),
    _source(
        "applications_per_track",
        _l("Applications per track"),
        _l("Applications received divided by the event's tracks; each track's count is shown."),
        "count",
        "average",
        _per_track,
    ),
    _source(
        "places_filled",
        _l("Places filled"),
        _l("Applicants who confirmed their place."),
        "count",
        "sum",
        _places_filled,
    ),
    _source(
        "attended",
        _l("Participants attended"),
        _l("Participants marked present on at least one day of the event."),
        "count",
        "sum",
        _attended,
    ),
    _source(
        "countries",
        _l("Countries represented"),
        _l("Countries of the participants (confirmed places)."),
        "count",
        "average",
        _countries,
    ),
    _source(
        "partner_institutions",
        _l("Partner institutions represented"),
        _l("Strategic partners of the host whose staff took part (confirmed places)."),
        "count",
        "average",
        _partners,
    ),
    _source(
        "networks",
        _l("Networks represented"),
        _l(
            "Networks the participants named, and those their home institutions belong to "
            "(Una Europa, UNICA ...)."
        ),
        "count",
        "average",
        _networks,
    ),
    _source(
        "partner_share",
        _l("Share of participants from strategic partners"),
        _l("Participants from strategic partners of the host, in percent of all participants."),
        "percent",
        "average",
        _partner_share,
    ),
    _source(
        "satisfaction",
        _l("Mean satisfaction"),
        _l("The mean overall rating of the feedback, 1 to 5."),
        "score",
        "average",
        _satisfaction,
        scale_max=Decimal(5),
    ),
    _source(
        "applications_per_place",
        _l("Applications per place"),
        _l("Applications received divided by the places of all tracks."),
        "count",
        "average",
        _per_place,
    ),
)
