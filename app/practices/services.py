"""Reads and writes of the practice catalogue: sheets and rows, sync, revisions, lookups.

Functions add and flush; the caller commits. Searching the catalogue is in search.py.

A sheet's translations (`<slug>.fi.md`, `<slug>.sv.md`) are synced with it and shown in the
reader's language (ShownPractice); curators edit the English sheet only. An edit leaves the
translations in place: each remembers the English version it was synced against, so a page
says when a translation comes from an earlier version, and shows the English instead when the
edit changed more than text (a level, a vocabulary key...) until a new translation is synced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.conflicts import EditConflict
from app.core.extensions import db, utcnow
from app.core.i18n import DEFAULT_LANGUAGE
from app.core.i18n import lazy_gettext as _l
from app.core.markdown import html_to_text, render_markdown
from app.core.validation import is_slug
from app.practices.files import SheetFile
from app.practices.models import (
    LEVEL_COLUMNS,
    Phase,
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeTerm,
    PracticeTranslation,
)
from app.practices.schemas import TRUSTED, PracticeSheet, translation_differences

TERM_FIELDS = ("goals", "categories", "mobility_stages", "target_groups")
# Single-valued fields that are also written to practice_terms: every facet then counts from
# that one narrow table instead of scanning the wide practices rows once per facet.
FACET_COLUMNS = ("delivery_schedule", "importance", *LEVEL_COLUMNS)
LEVEL_FIELDS = ("cost", "time", "effort")
LIST_COLUMNS = (
    "internal_actors",
    "external_collaborators",
    "activity_types",
    "considerations",
    "challenges",
    "good_examples",
    "related",
    "sources",
    "estimated",
)


# --- sheets and rows -------------------------------------------------------------------------


def sheet_from_practice(practice: Practice) -> PracticeSheet:
    """Rebuild the sheet a practice row holds (the inverse of apply_sheet)."""
    data: dict[str, Any] = {
        "title": practice.title,
        "slug": practice.slug,
        "summary": practice.summary,
        "delivery_schedule": practice.delivery_schedule,
        "importance": practice.importance,
        "scale_of_change": practice.scale_of_change,
        "body": practice.body,
    }
    for name in TERM_FIELDS:
        data[name] = practice.terms_of(name)
    for phase in Phase:
        data[phase] = {
            **{level: getattr(practice, f"{phase}_{level}") for level in LEVEL_FIELDS},
            "actors": getattr(practice, f"{phase}_actors"),
            "partners": getattr(practice, f"{phase}_partners"),
            "indicators": [
                {"name": item.name, "unit": item.unit, "direction": item.direction}
                for item in practice.indicators_of(phase)
            ],
        }
    for name in LIST_COLUMNS:
        data[name] = getattr(practice, name)
    return PracticeSheet.model_validate(data, context=TRUSTED)


def _sentences(*parts: str) -> str:
    """Join a name and its description as sentences, so that a snippet reads them apart."""
    ended = [p.strip() + ("" if p.strip()[-1:] in ".!?:" else ".") for p in parts if p.strip()]
    return " ".join(ended)


def _search_text(sheet: PracticeSheet, body_html: str) -> str:
    """Collect the prose a full-text search should find besides title and summary."""
    parts: list[str] = [html_to_text(body_html)]
    parts += [_sentences(item.name, item.description) for item in sheet.activity_types]
    parts += sheet.considerations + sheet.challenges
    parts += [
        _sentences(item.name, item.institution, item.description) for item in sheet.good_examples
    ]
    parts += [_sentences(item.unit, item.role) for item in sheet.internal_actors]
    parts += [_sentences(item.organisation, item.role) for item in sheet.external_collaborators]
    for phase in (sheet.setup, sheet.delivery):
        parts += phase.actors + phase.partners + [item.name for item in phase.indicators]
    return "\n".join(parts)


def render_body(sheet: PracticeSheet) -> str:
    """Render a sheet's body to sanitised HTML: do it before a writing transaction begins."""
    return str(render_markdown(sheet.body))


def body_html_of(practice: Practice) -> str:
    """Return the stored HTML of a sheet's body (rendered here only for a row never saved)."""
    if practice.body_html is None:
        return str(render_markdown(practice.body))
    return practice.body_html


def apply_sheet(practice: Practice, sheet: PracticeSheet, body_html: str | None = None) -> Practice:
    """Copy every field of a sheet onto a practice row, replacing its terms and indicators.

    `body_html` is render_body(sheet), rendered by the caller ahead of its writes; without it
    the body is rendered here.
    """
    if body_html is None:
        body_html = render_body(sheet)
    practice.slug = sheet.slug
    practice.title = sheet.title
    practice.summary = sheet.summary
    practice.body = sheet.body
    practice.body_html = body_html
    practice.search_text = _search_text(sheet, body_html)
    practice.delivery_schedule = sheet.delivery_schedule
    practice.importance = sheet.importance
    practice.scale_of_change = sheet.scale_of_change
    for phase_name in Phase:
        phase = getattr(sheet, phase_name)
        for level in LEVEL_FIELDS:
            setattr(practice, f"{phase_name}_{level}", getattr(phase, level))
        setattr(practice, f"{phase_name}_actors", list(phase.actors))
        setattr(practice, f"{phase_name}_partners", list(phase.partners))
    dumped = sheet.model_dump(mode="json", include=set(LIST_COLUMNS), exclude_none=True)
    for name in LIST_COLUMNS:
        setattr(practice, name, dumped[name])
    practice.terms = [
        PracticeTerm(vocabulary=name, key=key, position=position)
        for name in TERM_FIELDS
        for position, key in enumerate(getattr(sheet, name))
    ] + [
        PracticeTerm(vocabulary=name, key=str(getattr(practice, name)), position=0)
        for name in FACET_COLUMNS
    ]
    practice.indicators = [
        PracticeIndicator(
            phase=phase_name,
            position=position,
            name=item.name,
            unit=item.unit,
            direction=item.direction,
        )
        for phase_name in Phase
        for position, item in enumerate(getattr(sheet, phase_name).indicators)
    ]
    return practice


# --- sync ------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    """What a sync did, by slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    # Updated sheets whose current version had been edited in the browser: the file won, and
    # the browser's version stays in the sheet's history.
    overwritten: list[str] = field(default_factory=list)
    # Translations by "<slug>.<language>": new or changed files, unchanged ones, and rows
    # removed because their file is gone.
    translated: list[str] = field(default_factory=list)
    translations_unchanged: list[str] = field(default_factory=list)
    translations_removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Say the counts in one line."""
        line = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.withdrawn)} withdrawn, "
            f"{len(self.restored)} restored"
        )
        if self.translated or self.translations_unchanged or self.translations_removed:
            line += (
                f"; translations: {len(self.translated)} synced, "
                f"{len(self.translations_unchanged)} unchanged, "
                f"{len(self.translations_removed)} removed"
            )
        return line


def sync_sheets(files: Iterable[SheetFile], progress: Any = None) -> SyncReport:
    """Make the database hold exactly the given valid sheets; withdraw the ones not given.

    Every file must already be valid: the caller checks all of them before calling this, so the
    sync is all-or-nothing. A file whose digest matches the last sync is left alone, so that a
    change made in the database to that sheet survives.
    """
    report = SyncReport()
    files = list(files)
    translations = [item for item in files if item.is_translation]
    files = [item for item in files if not item.is_translation]
    existing = {
        practice.slug: practice
        for practice in db.session.scalars(
            select(Practice).options(
                selectinload(Practice.terms), selectinload(Practice.indicators)
            )
        )
    }
    seen: set[str] = set()
    by_slug = dict(existing)
    new_revisions: list[tuple[Practice, PracticeSheet, PracticeSheet | None]] = []
    for item in files:
        sheet = item.sheet
        assert sheet is not None, "sync_sheets takes validated files only"
        seen.add(sheet.slug)
        practice = existing.get(sheet.slug)
        if practice is None:
            practice = apply_sheet(Practice(), sheet, item.body_html)
            practice.source_digest = item.digest
            db.session.add(practice)
            by_slug[sheet.slug] = practice
            new_revisions.append((practice, sheet, None))
            report.created.append(sheet.slug)
        else:
            if practice.withdrawn_at is not None:
                practice.withdrawn_at = None
                report.restored.append(sheet.slug)
            if practice.source_digest == item.digest:
                report.unchanged.append(sheet.slug)
            else:
                before = sheet_from_practice(practice)
                apply_sheet(practice, sheet, item.body_html)
                practice.source_digest = item.digest
                practice.version += 1
                new_revisions.append((practice, sheet, before))
                report.updated.append(sheet.slug)
        if progress is not None:
            progress.update(1)
    now = utcnow()
    for slug, practice in existing.items():
        if slug not in seen and practice.withdrawn_at is None:
            practice.withdrawn_at = now
            report.withdrawn.append(slug)
    db.session.flush()
    _sync_translations(translations, by_slug, report, progress)
    numbers = _last_revision_numbers([p.id for p, _, _ in new_revisions])
    edited = _edited_in_app({p.id: numbers[p.id] for p, _, _ in new_revisions if p.id in numbers})
    report.overwritten = sorted(p.slug for p, _, _ in new_revisions if p.id in edited)
    for practice, sheet, before in new_revisions:
        db.session.add(
            _revision(
                practice,
                sheet,
                before,
                numbers.get(practice.id, 0) + 1,
                source="sync",
                author=None,
            )
        )
    db.session.flush()
    return report


def apply_translation(
    row: PracticeTranslation, sheet: PracticeSheet, body_html: str | None = None
) -> PracticeTranslation:
    """Copy a translated sheet onto its row: the prose for search, the whole sheet for pages."""
    if body_html is None:
        body_html = render_body(sheet)
    row.title = sheet.title
    row.summary = sheet.summary
    row.body_html = body_html
    row.search_text = _search_text(sheet, body_html)
    row.sheet = sheet.model_dump(mode="json")
    return row


def _sync_translations(
    files: list[SheetFile], by_slug: dict[str, Practice], report: SyncReport, progress: Any
) -> None:
    """Make the translations exactly those of the (validated) files; an unchanged file is
    skipped, so that it keeps the English version it was synced against."""
    rows = {
        (row.practice_id, row.language): row
        for row in db.session.scalars(select(PracticeTranslation))
    }
    seen: set[tuple[int, str]] = set()
    for item in files:
        assert item.sheet is not None, "sync_sheets takes validated files only"
        practice = by_slug[item.sheet.slug]
        key = (practice.id, item.language)
        seen.add(key)
        name = f"{practice.slug}.{item.language}"
        row = rows.get(key)
        if row is not None and row.source_digest == item.digest:
            report.translations_unchanged.append(name)
        else:
            if row is None:
                row = PracticeTranslation(practice=practice, language=item.language)
                db.session.add(row)
            apply_translation(row, item.sheet, item.body_html)
            row.source_digest = item.digest
            row.source_version = practice.version
            report.translated.append(name)
        if progress is not None:
            progress.update(1)
    slugs = {practice.id: slug for slug, practice in by_slug.items()}
    for key, row in rows.items():
        if key not in seen:
            db.session.delete(row)
            report.translations_removed.append(f"{slugs.get(key[0], key[0])}.{key[1]}")
    db.session.flush()


def all_translations(include_withdrawn: bool = False) -> list[tuple[str, str, PracticeSheet]]:
    """Return (slug, language, translated sheet) of every translation, by slug and language."""
    query = (
        select(Practice.slug, PracticeTranslation.language, PracticeTranslation.sheet)
        .join(PracticeTranslation.practice)
        .order_by(Practice.slug, PracticeTranslation.language)
    )
    if not include_withdrawn:
        query = query.where(Practice.withdrawn_at.is_(None))
    rows = db.session.execute(query)
    return [
        (slug, language, PracticeSheet.model_validate(sheet, context=TRUSTED))
        for slug, language, sheet in rows
    ]


# --- showing a sheet in the reader's language --------------------------------------------------

# What a page says when it shows a sheet in English to a reader of another language. Whole
# sentences per language: a language's name cannot be slotted into another language's sentence.
NOT_TRANSLATED = {
    "fi": _l("This sheet is not yet available in Finnish; it is shown in English."),
    "sv": _l("This sheet is not yet available in Swedish; it is shown in English."),
}
TRANSLATION_BEHIND = {
    "fi": _l(
        "The Finnish translation of this sheet was made for an earlier version that differs "
        "in more than its text; the sheet is shown in English."
    ),
    "sv": _l(
        "The Swedish translation of this sheet was made for an earlier version that differs "
        "in more than its text; the sheet is shown in English."
    ),
}
TRANSLATED_FROM_EARLIER = _l(
    "This translation was made from an earlier version of the sheet; the English sheet may "
    "say more."
)
SOME_NOT_TRANSLATED = {
    "fi": _l("Sheets not yet available in Finnish are shown in English."),
    "sv": _l("Sheets not yet available in Swedish are shown in English."),
}


@dataclass(frozen=True)
class ShownPractice:
    """A practice as a page shows it to a reader of `wanted`: its title and summary in
    `language`, the reader's when a translation exists, else English.

    Any other attribute is the practice's own (levels, terms, slug...), so that templates
    written for a Practice show this one as they are.
    """

    practice: Practice
    title: str
    summary: str
    language: str
    wanted: str
    # A translation synced against an earlier version of the English sheet.
    outdated: bool = False
    # Shown in English because the translation differs from the current English in more than
    # text (a curator changed a level or a key since).
    behind: bool = False

    def __getattr__(self, name: str) -> Any:
        if name == "practice":  # not set yet (a copy being made): no endless recursion
            raise AttributeError(name)
        return getattr(self.practice, name)

    @property
    def fallback(self) -> bool:
        """Tell whether the reader wanted another language than the one shown."""
        return self.language != self.wanted

    @property
    def notice(self) -> Any:
        """Return the notice a page shows about the language of the sheet, or None."""
        if not self.fallback:
            return None
        if self.behind:
            return TRANSLATION_BEHIND[self.wanted]
        return NOT_TRANSLATED[self.wanted]

    @property
    def version_notice(self) -> Any:
        """Return the notice that the translation shown is of an earlier version, or None."""
        return TRANSLATED_FROM_EARLIER if self.outdated and not self.fallback else None


def translations_of(practice_ids: Iterable[int], language: str) -> dict[int, PracticeTranslation]:
    """Return the translations of some practices into one language, by practice id (one query)."""
    ids = list(practice_ids)
    if language == DEFAULT_LANGUAGE or not ids:
        return {}
    rows = db.session.scalars(
        select(PracticeTranslation).where(
            PracticeTranslation.practice_id.in_(ids), PracticeTranslation.language == language
        )
    )
    return {row.practice_id: row for row in rows}


def shown_practices(practices: list[Practice], language: str) -> list[ShownPractice]:
    """Return practices as a list shows them: title and summary in the reader's language."""
    found = translations_of([p.id for p in practices], language)
    shown = []
    for practice in practices:
        row = found.get(practice.id)
        if row is None:
            shown.append(
                ShownPractice(
                    practice, practice.title, practice.summary, DEFAULT_LANGUAGE, language
                )
            )
        else:
            shown.append(
                ShownPractice(
                    practice,
                    row.title,
                    row.summary,
                    language,
                    language,
                    outdated=row.source_version < practice.version,
                )
            )
    return shown


@dataclass(frozen=True)
class ShownSheet:
    """A whole sheet as its page shows it: the practice, its sheet and body in one language."""

    practice: ShownPractice
    sheet: PracticeSheet
    body_html: str


def shown_sheets(practices: list[Practice], language: str) -> list[ShownSheet]:
    """Return whole sheets in the reader's language where a translation fits the English now."""
    found = translations_of([p.id for p in practices], language)
    shown = []
    for practice in practices:
        english = sheet_from_practice(practice)
        row = found.get(practice.id)
        if row is not None:
            sheet = PracticeSheet.model_validate(row.sheet, context=TRUSTED)
            outdated = row.source_version < practice.version
            # Sync refuses a file that differs from its English file, but the English sheet
            # may have been edited in the browser since: never show facts it no longer has.
            if not translation_differences(english, sheet):
                summary = ShownPractice(
                    practice, row.title, row.summary, language, language, outdated=outdated
                )
                shown.append(ShownSheet(summary, sheet, row.body_html))
                continue
        summary = ShownPractice(
            practice,
            practice.title,
            practice.summary,
            DEFAULT_LANGUAGE,
            language,
            behind=row is not None,
        )
        shown.append(ShownSheet(summary, english, body_html_of(practice)))
    return shown


# --- revisions and curation ------------------------------------------------------------------


def changed_fields(before: PracticeSheet | None, after: PracticeSheet) -> list[str]:
    """Name the fields that differ between two states of a sheet (none for a new one)."""
    new = after.model_dump(mode="json")
    if before is None:
        return []
    old = before.model_dump(mode="json")

    def same(name: str) -> bool:
        # The order of a sheet's goals, categories, stages and groups carries no meaning.
        if name in TERM_FIELDS:
            return sorted(new[name]) == sorted(old.get(name) or [])
        return new[name] == old.get(name)

    return [name for name in new if not same(name)]


def _revision(
    practice: Practice,
    sheet: PracticeSheet,
    before: PracticeSheet | None,
    number: int,
    *,
    source: str,
    author: Any,
    note: str = "",
) -> PracticeRevision:
    return PracticeRevision(
        practice=practice,
        number=number,
        source=source,
        author_id=author.id if author is not None else None,
        author_email=author.email if author is not None else "",
        changed_fields=changed_fields(before, sheet),
        note=note,
        snapshot=sheet.model_dump(mode="json"),
    )


def _last_revision_numbers(practice_ids: list[int]) -> dict[int, int]:
    """Return the highest revision number of each practice, in one query."""
    if not practice_ids:
        return {}
    rows = db.session.execute(
        select(PracticeRevision.practice_id, func.max(PracticeRevision.number))
        .where(PracticeRevision.practice_id.in_(practice_ids))
        .group_by(PracticeRevision.practice_id)
    )
    return {practice_id: number for practice_id, number in rows}


def _edited_in_app(latest: dict[int, int]) -> set[int]:
    """Return the practices whose latest revision was not made by a sync, in one query."""
    if not latest:
        return set()
    rows = db.session.execute(
        select(
            PracticeRevision.practice_id, PracticeRevision.number, PracticeRevision.source
        ).where(PracticeRevision.practice_id.in_(latest), PracticeRevision.source != "sync")
    )
    return {practice_id for practice_id, number, _ in rows if latest[practice_id] == number}


def save_sheet(
    practice: Practice | None,
    sheet: PracticeSheet,
    *,
    author: Any,
    base_version: int | None = None,
    source: str = "browser",
    note: str = "",
    body_html: str | None = None,
) -> Practice:
    """Save a curator's sheet (new or edited) and keep a revision of it.

    `base_version` is the version the editor started from; a different current version means
    someone else saved in between, and the save is refused with EditConflict. `body_html` is
    render_body(sheet), done by the caller before its writing transaction (else done here).
    """
    if body_html is None:
        body_html = render_body(sheet)
    if practice is None:
        practice = Practice()
        before = None
        db.session.add(practice)
    else:
        # Lock the sheet's row until commit: of two saves of one version, the second waits
        # and then sees the first's version (PostgreSQL; SQLite's writers already queue).
        db.session.refresh(practice, with_for_update=True)
        if base_version is not None and base_version != practice.version:
            raise EditConflict(sheet_from_practice(practice), practice.version)
        before = sheet_from_practice(practice)
        if not changed_fields(before, sheet):
            return practice  # nothing to save: no new version, no revision
        practice.version += 1
    apply_sheet(practice, sheet, body_html)
    db.session.flush()
    number = _last_revision_numbers([practice.id]).get(practice.id, 0) + 1
    db.session.add(
        _revision(practice, sheet, before, number, source=source, author=author, note=note)
    )
    db.session.flush()
    return practice


def revisions_of(practice: Practice) -> list[PracticeRevision]:
    """Return a sheet's revisions, newest first."""
    return list(
        db.session.scalars(
            select(PracticeRevision)
            .where(PracticeRevision.practice_id == practice.id)
            .order_by(PracticeRevision.number.desc())
        )
    )


def get_revision(practice: Practice, number: int) -> PracticeRevision | None:
    """Return one revision of a sheet."""
    return db.session.scalar(
        select(PracticeRevision).where(
            PracticeRevision.practice_id == practice.id, PracticeRevision.number == number
        )
    )


def sheet_of_revision(revision: PracticeRevision) -> PracticeSheet:
    """Rebuild the sheet a revision keeps."""
    return PracticeSheet.model_validate(revision.snapshot, context=TRUSTED)


def restore_revision(
    practice: Practice,
    revision: PracticeRevision,
    *,
    author: Any,
    sheet: PracticeSheet | None = None,
    body_html: str | None = None,
) -> Practice:
    """Make an older revision the current sheet again, as a new revision.

    `sheet` and `body_html` are the revision's sheet and rendered body, when the caller read
    and rendered them before its writing transaction.
    """
    if sheet is None:
        sheet = sheet_of_revision(revision)
    return save_sheet(
        practice,
        sheet.model_copy(update={"slug": practice.slug}),
        author=author,
        source="restore",
        note=f"restored revision {revision.number}",
        body_html=body_html,
    )


def all_practices(include_withdrawn: bool = False) -> list[Practice]:
    """Return every practice with its terms and indicators loaded, by slug."""
    query = (
        select(Practice)
        .options(selectinload(Practice.terms), selectinload(Practice.indicators))
        .order_by(Practice.slug)
    )
    if not include_withdrawn:
        query = query.where(Practice.withdrawn_at.is_(None))
    return list(db.session.scalars(query))


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def exemplified_by(institution_name: str) -> list[Practice]:
    """Return the sheets that name an institution in their good examples (by its name, in
    the English sheet), by title."""
    if not institution_name.strip():
        return []
    wanted = _name_key(institution_name)
    # Narrowed in SQL to the sheets whose examples mention the name at all (JSON writes a
    # letter outside ASCII as \u00e4, so both spellings), then checked field by field.
    stored = func.lower(cast(Practice.good_examples, String))
    typed = institution_name.strip().lower()
    written = json.dumps(typed)[1:-1]
    candidates = db.session.scalars(
        select(Practice)
        .where(
            Practice.withdrawn_at.is_(None),
            or_(stored.contains(typed, autoescape=True), stored.contains(written, autoescape=True)),
        )
        .order_by(Practice.title)
    )
    return [
        practice
        for practice in candidates
        if any(
            isinstance(example, dict) and _name_key(str(example.get("institution", ""))) == wanted
            for example in practice.good_examples
        )
    ]


# --- reading one or a few --------------------------------------------------------------------


def get_practice(slug: str) -> Practice | None:
    """Return one practice with everything a sheet page shows, withdrawn ones included."""
    if not is_slug(slug):  # no sheet has it; PostgreSQL would refuse some (a NUL) outright
        return None
    return db.session.scalar(
        select(Practice)
        .where(Practice.slug == slug)
        .options(selectinload(Practice.terms), selectinload(Practice.indicators))
    )


def get_practices(slugs: list[str]) -> list[Practice]:
    """Return the practices with these slugs, in the order asked (unknown slugs are skipped)."""
    slugs = [slug for slug in slugs if is_slug(slug)]
    if not slugs:
        return []
    found = {
        practice.slug: practice
        for practice in db.session.scalars(
            select(Practice)
            .where(Practice.slug.in_(slugs))
            .options(selectinload(Practice.terms), selectinload(Practice.indicators))
        )
    }
    return [found[slug] for slug in slugs if slug in found]


def related_titles_for(slugs: Iterable[str], language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Map slugs of listed sheets to their titles, in a language where translated."""
    wanted = set(slugs)
    if not wanted:
        return {}
    translated = (
        select(PracticeTranslation.title)
        .where(
            PracticeTranslation.practice_id == Practice.id,
            PracticeTranslation.language == language,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Practice.slug, func.coalesce(translated, Practice.title)).where(
            Practice.slug.in_(wanted), Practice.withdrawn_at.is_(None)
        )
    )
    return {slug: title for slug, title in rows}


def related_titles(
    practices: Iterable[Practice], language: str = DEFAULT_LANGUAGE
) -> dict[str, str]:
    """Map the related slugs of some practices to titles of the ones still listed."""
    return related_titles_for(
        (slug for practice in practices for slug in practice.related), language
    )
