"""Tables of a series of co-hosted events: the series with its call template, its member
institutions in the order the hosting rotates among them, and its shared tracks.

Each edition is an Event of its host institution (Event.series_id names the series), so the
host runs it as any of its events; the series only proposes who hosts next and what the call
says. As with EURAXESS Germany's workshops (seed 001), an edition is centralised (held in one
city by the coordinator) or decentralised (held at the member whose turn it is).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import label_with, one_of
from app.core.extensions import db, utcnow
from app.core.i18n import lazy_gettext as _l
from app.events.models import (
    PLACE_MAX,
    TIMEZONE_MAX,
    TITLE_MAX,
    TRACK_CAPACITY_MAX,
    Event,
)
from app.institutions.models import Institution, Network
from app.planner.models import Format

# Bounds, written once: the forms read them from here.
NAME_MAX = 200
MEMBERS_MAX = 100
SERIES_TRACKS_MAX = 20
EDITION_DAYS_MAX = 14  # the longest an edition may last


class Cadence(StrEnum):
    """How often a series meets."""

    TWICE_A_YEAR = "twice_a_year"
    YEARLY = "yearly"


# Months from one edition to the next, by cadence.
CADENCE_MONTHS = {Cadence.TWICE_A_YEAR: 6, Cadence.YEARLY: 12}

label_with(
    Cadence,
    {"twice_a_year": _l("Twice a year"), "yearly": _l("Once a year")},
)


class Series(db.Model):  # type: ignore[name-defined, misc]
    """A series of events whose hosting rotates among its members, with one call template."""

    __tablename__ = "series"
    __table_args__ = (one_of("cadence", Cadence), one_of("format", Format))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The institution that created the series and coordinates it: it edits the members, the
    # rotation and the template, creates the editions, and hosts the centralised ones.
    coordinator_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    # The network the series belongs to, if any (any group of institutions may run one).
    network_id: Mapped[int | None] = mapped_column(
        ForeignKey("networks.id", ondelete="SET NULL"), index=True
    )
    cadence: Mapped[str] = mapped_column(String(20), default=Cadence.TWICE_A_YEAR)
    # Where the centralised editions are held (EURAXESS Germany's: usually Bonn).
    central_place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    # The call template: what every edition's event copies.
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX), default="Europe/Helsinki")
    format: Mapped[str] = mapped_column(String(10), default=Format.ON_SITE)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    audience: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    coordinator: Mapped[Institution] = relationship()
    network: Mapped[Network | None] = relationship()
    members: Mapped[list[SeriesMember]] = relationship(
        back_populates="series",
        cascade="all, delete-orphan",
        order_by=lambda: (SeriesMember.position, SeriesMember.id),
        passive_deletes=True,
    )
    tracks: Mapped[list[SeriesTrack]] = relationship(
        back_populates="series",
        cascade="all, delete-orphan",
        order_by=lambda: (SeriesTrack.position, SeriesTrack.id),
        passive_deletes=True,
    )
    # The editions, first to last; each is its host's event, so the series only reads them.
    editions: Mapped[list[Event]] = relationship(
        primaryjoin=lambda: Event.series_id == Series.id,
        foreign_keys=lambda: [Event.series_id],
        order_by=lambda: (Event.starts_on, Event.id),
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.name}>"

    @property
    def rotation(self) -> list[SeriesMember]:
        """Return the members who take turns hosting, in order (those who left skipped)."""
        return [member for member in self.members if member.left_at is None]


class SeriesMember(db.Model):  # type: ignore[name-defined, misc]
    """A member institution of a series, at its place in the rotation of hosts.

    A member who leaves keeps its row and place (its past editions stay its own); the
    rotation skips it.
    """

    __tablename__ = "series_members"
    __table_args__ = (UniqueConstraint("series_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    series: Mapped[Series] = relationship(back_populates="members")
    institution: Mapped[Institution] = relationship()

    def __repr__(self) -> str:
        return f"<SeriesMember {self.institution_id} in {self.series_id} at {self.position}>"


class SeriesTrack(db.Model):  # type: ignore[name-defined, misc]
    """A track every edition of the series offers: copied into each edition's event."""

    __tablename__ = "series_tracks"
    __table_args__ = (
        CheckConstraint(f"capacity BETWEEN 1 AND {TRACK_CAPACITY_MAX}", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    target_group: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=20)

    series: Mapped[Series] = relationship(back_populates="tracks")

    def __repr__(self) -> str:
        return f"<SeriesTrack {self.id} {self.title}>"
