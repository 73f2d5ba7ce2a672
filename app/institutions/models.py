"""Tables of institutions, their units, memberships and partnerships, and of networks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db, utcnow
from app.core.i18n import in_every_language
from app.core.i18n import lazy_gettext as _l


class Institution(db.Model):  # type: ignore[name-defined, misc]
    """A university, college or consortium whose staff the product serves."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    # sha256 of the institution's entry in data/institutions.yml as last loaded: an unchanged
    # entry is skipped, so edits made by the institution's managers survive `data load`.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    units: Mapped[list[Unit]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", order_by="Unit.name"
    )
    memberships: Mapped[list[NetworkMembership]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", order_by="NetworkMembership.id"
    )
    partnerships: Mapped[list[StrategicPartnership]] = relationship(
        back_populates="institution",
        cascade="all, delete-orphan",
        order_by="StrategicPartnership.partner_name",
    )

    def __repr__(self) -> str:
        return f"<Institution {self.slug}>"


class Unit(db.Model):  # type: ignore[name-defined, misc]
    """An internal unit of an institution: international office, HR, language centre ..."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")

    institution: Mapped[Institution] = relationship(back_populates="units")

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"


class Network(db.Model):  # type: ignore[name-defined, misc]
    """A network, alliance, association or mobility scheme institutions belong to."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("networks.id", ondelete="SET NULL"), index=True
    )
    source_digest: Mapped[str | None] = mapped_column(String(64))

    parent: Mapped[Network | None] = relationship(remote_side="Network.id")

    def __repr__(self) -> str:
        return f"<Network {self.slug}>"


# A membership's role when none is given more precisely.
MEMBER = _l("Member")


class NetworkMembership(db.Model):  # type: ignore[name-defined, misc]
    """An institution's place in a network: its role and since when."""

    __tablename__ = "network_memberships"
    __table_args__ = (UniqueConstraint("institution_id", "network_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    network_id: Mapped[int] = mapped_column(
        ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(200), default="Member")
    since: Mapped[date | None] = mapped_column(Date)
    # How much of `since` is known: "year" (2014), "month" (October 2019) or "day".
    since_precision: Mapped[str] = mapped_column(String(5), default="day", server_default="day")
    note: Mapped[str] = mapped_column(Text, default="")

    institution: Mapped[Institution] = relationship(back_populates="memberships")
    network: Mapped[Network] = relationship()

    @property
    def role_label(self) -> str:
        """Return the role as the reader reads it: the plain "Member" (the default, written in
        any of the languages) in the reader's language, any other role as it was written."""
        if self.role.casefold() in {s.casefold() for s in in_every_language(MEMBER)}:
            return str(MEMBER)
        return self.role

    def __repr__(self) -> str:
        return f"<NetworkMembership {self.institution_id} in {self.network_id}>"


class StrategicPartnership(db.Model):  # type: ignore[name-defined, misc]
    """A chosen partner institution and the priority areas agreed with it."""

    __tablename__ = "strategic_partnerships"
    __table_args__ = (UniqueConstraint("institution_id", "partner_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    partner_name: Mapped[str] = mapped_column(String(200))
    partner_country: Mapped[str] = mapped_column(String(100), default="")
    priority_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")

    institution: Mapped[Institution] = relationship(back_populates="partnerships")

    def __repr__(self) -> str:
        return f"<StrategicPartnership {self.partner_name}>"
