"""The practice catalogue's tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

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
from app.core.i18n import DEFAULT_LANGUAGE, Language
from app.core.i18n import lazy_gettext as _l

# The languages a sheet can be translated into: every language of the interface but English,
# the language every sheet is written in first.
TRANSLATION_LANGUAGES: tuple[str, ...] = tuple(
    str(code) for code in Language if code != DEFAULT_LANGUAGE
)


class Phase(StrEnum):
    """The two phases of a practice: setting it up, then delivering it."""

    SETUP = "setup"
    DELIVERY = "delivery"


label_with(Phase, {"setup": _l("Setup"), "delivery": _l("Delivery")})


# The 1-3 ratings of a sheet: its scale of change and each phase's cost, time and effort.
LEVEL_COLUMNS = (
    "scale_of_change",
    "setup_cost",
    "setup_time",
    "setup_effort",
    "delivery_cost",
    "delivery_time",
    "delivery_effort",
)


class Practice(db.Model):  # type: ignore[name-defined, misc]
    """A practice sheet of the catalogue."""

    __tablename__ = "practices"
    __table_args__ = tuple(
        CheckConstraint(f"{column} BETWEEN 1 AND 3", name=f"{column}_level")
        for column in LEVEL_COLUMNS
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    # The body rendered and sanitised when saved, so that no page view parses Markdown; None
    # for a row that never went through a save (a restored old backup): rendered when shown.
    body_html: Mapped[str | None] = mapped_column(Text)
    # Body plus the sheet's other prose, kept for the full-text index (see the migrations).
    search_text: Mapped[str] = mapped_column(Text, default="")
    delivery_schedule: Mapped[str] = mapped_column(String(40), index=True)
    importance: Mapped[str] = mapped_column(String(40), index=True)
    scale_of_change: Mapped[int] = mapped_column(Integer, index=True)
    setup_cost: Mapped[int] = mapped_column(Integer, index=True)
    setup_time: Mapped[int] = mapped_column(Integer)
    setup_effort: Mapped[int] = mapped_column(Integer)
    delivery_cost: Mapped[int] = mapped_column(Integer, index=True)
    delivery_time: Mapped[int] = mapped_column(Integer)
    delivery_effort: Mapped[int] = mapped_column(Integer)
    setup_actors: Mapped[list[str]] = mapped_column(JSON, default=list)
    setup_partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery_actors: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery_partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    internal_actors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    external_collaborators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    activity_types: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    considerations: Mapped[list[str]] = mapped_column(JSON, default=list)
    challenges: Mapped[list[str]] = mapped_column(JSON, default=list)
    good_examples: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The ratings that are the editors' estimates rather than facts of the sources.
    estimated: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # sha256 of the file as last synced: an unchanged file is skipped, so edits made in the
    # database survive a sync of files nobody touched.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Raised by every save; an edit form carries the version it started from, so that a save
    # over someone else's newer one is refused instead of silently overwriting it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    terms: Mapped[list[PracticeTerm]] = relationship(
        back_populates="practice", cascade="all, delete-orphan", order_by="PracticeTerm.position"
    )
    indicators: Mapped[list[PracticeIndicator]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        order_by="PracticeIndicator.position",
    )

    revisions: Mapped[list[PracticeRevision]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        order_by="PracticeRevision.number",
        # Never loaded by accident (a sheet may have many); the database deletes them with it.
        lazy="raise_on_sql",
        passive_deletes=True,
    )

    translations: Mapped[list[PracticeTranslation]] = relationship(
        back_populates="practice",
        cascade="all, delete-orphan",
        # Loaded for one language at a time (services.translations_of), never by accident.
        lazy="raise_on_sql",
        passive_deletes=True,
    )

    def terms_of(self, vocabulary: str) -> list[str]:
        """Return the keys this sheet holds in one multi-valued vocabulary, in sheet order."""
        return [term.key for term in self.terms if term.vocabulary == vocabulary]

    def indicators_of(self, phase: str) -> list[PracticeIndicator]:
        """Return the suggested indicators of one phase (setup or delivery)."""
        return [item for item in self.indicators if item.phase == phase]

    @property
    def withdrawn(self) -> bool:
        """Tell whether the sheet's file is gone from the catalogue folder."""
        return self.withdrawn_at is not None

    def __repr__(self) -> str:
        return f"<Practice {self.slug}>"


class PracticeTerm(db.Model):  # type: ignore[name-defined, misc]
    """One facet value of a sheet: each goal, category, stage and target group, and a copy of
    each single-valued facet (schedule, importance, scale, levels) for counting."""

    __tablename__ = "practice_terms"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    vocabulary: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    practice: Mapped[Practice] = relationship(back_populates="terms")

    def __repr__(self) -> str:
        return f"<PracticeTerm {self.vocabulary}={self.key}>"


# Covers the facet filters and counts: (vocabulary, key) -> practice ids, from the index alone.
db.Index(
    "ix_practice_terms_vocabulary_key",
    PracticeTerm.vocabulary,
    PracticeTerm.key,
    PracticeTerm.practice_id,
)


class PracticeIndicator(db.Model):  # type: ignore[name-defined, misc]
    """An indicator a sheet suggests for judging its setup or its delivery."""

    __tablename__ = "practice_indicators"
    __table_args__ = (one_of("phase", Phase),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))

    practice: Mapped[Practice] = relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<PracticeIndicator {self.phase}: {self.name}>"


class PracticeRevision(db.Model):  # type: ignore[name-defined, misc]
    """A saved state of a sheet: who saved it, when, how, what changed, and the whole sheet."""

    __tablename__ = "practice_revisions"
    __table_args__ = (UniqueConstraint("practice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # "sync" (from the files), "browser" (a curator's edit) or "restore" (of an older revision).
    source: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_email: Mapped[str] = mapped_column(String(254), default="")
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(300), default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="revisions")

    def __repr__(self) -> str:
        return f"<PracticeRevision {self.practice_id}#{self.number}>"


class PracticeTranslation(db.Model):  # type: ignore[name-defined, misc]
    """A sheet's prose in another language, synced from `practices/<slug>.<language>.md`.

    Only text is translated: every other field is the English sheet's (sync refuses a file that
    differs in one), so the row keeps the translated sheet whole for the pages and its prose in
    columns for the full-text index.
    """

    __tablename__ = "practice_translations"
    __table_args__ = (
        UniqueConstraint("practice_id", "language"),
        CheckConstraint(
            "language IN ({})".format(", ".join(f"'{code}'" for code in TRANSLATION_LANGUAGES)),
            name="language",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The rest of the prose, for the full-text index (as Practice.search_text).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The whole translated sheet as PracticeSheet dumps it (its non-text fields the source's).
    sheet: Mapped[dict[str, Any]] = mapped_column(JSON)
    # sha256 of the file as last synced: an unchanged file is skipped.
    source_digest: Mapped[str] = mapped_column(String(64))
    # The English sheet's version this translation was synced against: a later version (an
    # edit in the browser, or a newer English file) means the translation may be behind.
    source_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    practice: Mapped[Practice] = relationship(back_populates="translations")

    def __repr__(self) -> str:
        return f"<PracticeTranslation {self.practice_id}:{self.language}>"


class CatalogueState(db.Model):  # type: ignore[name-defined, misc]
    """The catalogue's version: one row, changed in the same transaction as anything that
    changes what the catalogue's pages show (app/practices/version.py), read by every request
    of a cached page."""

    __tablename__ = "catalogue_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<CatalogueState {self.version}>"
