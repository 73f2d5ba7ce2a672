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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeDecorator

from app.core.conflicts import EditConflict
from app.core.extensions import db, utcnow
from app.core.i18n import DEFAULT_LANGUAGE
from app.core.i18n import lazy_gettext as _l
from app.core.markdown import html_to_text, render_markdown
from app.core.validation import is_slug
from app.practices.files import LastSync, SheetFile, same_bytes
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


@lru_cache(maxsize=256)
def _body_text(body_html: str) -> str:
    """Return a rendered body's words, once for each body: a sync's sheets and translations
    often share theirs, and the sanitiser that strips the tags is most of a row's making."""
    return html_to_text(body_html)


def _search_text(sheet: PracticeSheet, body_html: str) -> str:
    """Collect the prose a full-text search should find besides title and summary."""
    parts: list[str] = [_body_text(body_html)]
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


def practice_values(sheet: PracticeSheet, body_html: str) -> dict[str, Any]:
    """Return the column values of a practice row holding a sheet (terms and indicators apart)."""
    values: dict[str, Any] = {
        "slug": sheet.slug,
        "title": sheet.title,
        "summary": sheet.summary,
        "body": sheet.body,
        "body_html": body_html,
        "search_text": _search_text(sheet, body_html),
        "delivery_schedule": sheet.delivery_schedule,
        "importance": sheet.importance,
        "scale_of_change": sheet.scale_of_change,
    }
    for phase_name in Phase:
        phase = getattr(sheet, phase_name)
        for level in LEVEL_FIELDS:
            values[f"{phase_name}_{level}"] = getattr(phase, level)
        values[f"{phase_name}_actors"] = list(phase.actors)
        values[f"{phase_name}_partners"] = list(phase.partners)
    values.update(sheet.model_dump(mode="json", include=set(LIST_COLUMNS), exclude_none=True))
    return values


def term_values(sheet: PracticeSheet, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the practice_terms rows of a sheet (without the practice's id); `values` are its
    practice_values, whose single-valued facets are terms too."""
    return [
        {"vocabulary": name, "key": key, "position": position}
        for name in TERM_FIELDS
        for position, key in enumerate(getattr(sheet, name))
    ] + [{"vocabulary": name, "key": str(values[name]), "position": 0} for name in FACET_COLUMNS]


def indicator_values(sheet: PracticeSheet) -> list[dict[str, Any]]:
    """Return the practice_indicators rows of a sheet (without the practice's id)."""
    return [
        {
            "phase": str(phase_name),
            "position": position,
            "name": item.name,
            "unit": item.unit,
            "direction": item.direction,
        }
        for phase_name in Phase
        for position, item in enumerate(getattr(sheet, phase_name).indicators)
    ]


def apply_sheet(practice: Practice, sheet: PracticeSheet, body_html: str | None = None) -> Practice:
    """Copy every field of a sheet onto a practice row, replacing its terms and indicators.

    `body_html` is render_body(sheet), rendered by the caller ahead of its writes; without it
    the body is rendered here.
    """
    if body_html is None:
        body_html = render_body(sheet)
    values = practice_values(sheet, body_html)
    for name, value in values.items():
        setattr(practice, name, value)
    practice.terms = [PracticeTerm(**term) for term in term_values(sheet, values)]
    practice.indicators = [PracticeIndicator(**item) for item in indicator_values(sheet)]
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


def last_sync() -> LastSync:
    """Return the digests the listed sheets and their translations were last synced from."""
    listed = db.session.execute(
        select(Practice.slug, Practice.source_digest).where(Practice.withdrawn_at.is_(None))
    ).all()
    digests: dict[str, str | None] = {f"{slug}.md": digest for slug, digest in listed}
    translated = db.session.execute(
        select(Practice.slug, PracticeTranslation.language, PracticeTranslation.source_digest)
        .join(PracticeTranslation.practice)
        .where(Practice.withdrawn_at.is_(None))
    )
    digests.update({f"{slug}.{language}.md": digest for slug, language, digest in translated})
    return LastSync(digests, frozenset(slug for slug, _ in listed))


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """Cut a long list into pieces small enough for one statement's parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _JSONText(TypeDecorator[Any]):
    """A JSON column's value given as its JSON text already, sent as it is.

    Sync's readers write the JSON columns' text (json.dumps, as the JSON type would), so
    that the parent neither unpickles nested data nor encodes it again, row by row. The
    statement is the JSON type's (PostgreSQL: a cast to json), only the encoding is skipped.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> None:
        """Send the text as it is."""
        return None


@cache
def _json_columns(table: Table) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, JSON))


def as_json_text(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Return a row's values with those of its JSON columns written as JSON text."""
    columns = _json_columns(table)
    return {name: json.dumps(value) if name in columns else value for name, value in values.items()}


def _json_text_params(table: Table, names: Iterable[str]) -> dict[str, BindParameter[Any]]:
    """Return the parameters of the JSON columns among `names`, taking JSON text."""
    return {
        name: bindparam(name, type_=_JSONText()) for name in names if name in _json_columns(table)
    }


def _bulk_update(model: Any, rows: list[dict[str, Any]]) -> None:
    """Update rows by primary key ("id"), in batches of one statement each (executemany).

    Every row has the same columns; a JSON column's values are JSON text (as_json_text).
    """
    if not rows:
        return
    table = model.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(_json_text_params(table, rows[0]))
    )
    for chunk in _chunks(rows):
        db.session.execute(statement, [{**row, "row_id": row["id"]} for row in chunk])


def _bulk_insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows through Core's executemany, with no unit of work per row.

    Every row has the same columns; a JSON column's values are JSON text (as_json_text).
    """
    if not rows:
        return
    table = model.__table__
    statement = insert(table).values(_json_text_params(table, rows[0]))
    for chunk in _chunks(rows, 2000):
        db.session.execute(statement, chunk)


# SQLite's full-text indexes (migrations 0001 and 0013): a table's insert trigger, by table.
_INDEX_TRIGGERS = {
    "practices": ("practices_fts_insert", "practices_fts"),
    "practice_translations": ("practices_fts_translations_insert", "practices_fts_translations"),
}
# From this many new rows, their full-text index is filled in one statement after them.
BULK_INDEX_FROM = 1000


@contextmanager
def _indexed_after(model: Any, count: int) -> Iterator[None]:
    """Insert `count` rows of a model with its SQLite full-text index filled once, after them.

    The insert trigger indexes row by row: for 20,000 translations that took 2.5 times as
    long as one statement indexing them all. The trigger is dropped for the inserts and made
    again from its own definition, all in the sync's transaction (SQLite's DDL is part of it:
    a failed sync gives the trigger back). PostgreSQL's index has no trigger to spare.
    """
    connection = db.session.connection()
    table = model.__table__
    trigger, index = _INDEX_TRIGGERS[table.name]
    definition = None
    if connection.dialect.name == "sqlite" and count >= BULK_INDEX_FROM:
        definition = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        ).scalar()
    if definition is None:  # PostgreSQL, a few rows, or a database without the index
        yield
        return
    # SQLite gives a new row an id above every id there: the rows above this one are new.
    last = connection.execute(select(func.max(table.c.id))).scalar() or 0
    connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
    yield
    words = ("title", "summary", "search_text")
    connection.execute(
        insert(sql_table(index, sql_column("rowid"), *map(sql_column, words))).from_select(
            ["rowid", *words],
            select(table.c.id, *(table.c[name] for name in words)).where(table.c.id > last),
        )
    )
    connection.exec_driver_sql(definition)


def sync_sheets(files: Iterable[SheetFile], progress: Any = None) -> SyncReport:
    """Make the database hold exactly the given valid sheets; withdraw the ones not given.

    Every file must already be valid: the caller checks all of them before calling this, so the
    sync is all-or-nothing. A file of the same bytes as at the last sync (skipped unread, or
    read again because the rules changed) is left alone, so that a change made in the database
    to that sheet survives; only its digest is brought up to date.

    Everything is worked out and rendered first; then the writes go out in bulk, a few
    statements per table, so that a write lock is held for as short a time as may be.
    """
    report = SyncReport()
    files = list(files)
    translations = [item for item in files if item.is_translation]
    sheets = [item for item in files if not item.is_translation]
    existing = {
        row.slug: row
        for row in db.session.execute(
            select(
                Practice.id,
                Practice.slug,
                Practice.source_digest,
                Practice.withdrawn_at,
                Practice.version,
                Practice.updated_at,
            )
        )
    }
    now = utcnow()
    created: list[SheetFile] = []
    changed: list[tuple[SheetFile, Any]] = []
    digests: list[dict[str, Any]] = []
    restored: list[int] = []
    for item in sheets:
        slug = item.name_slug
        row = existing.get(slug)
        if row is None:
            created.append(item)
            report.created.append(slug)
        else:
            if row.withdrawn_at is not None:
                restored.append(row.id)
                report.restored.append(slug)
            if item.skipped or same_bytes(row.source_digest, item.digest):
                report.unchanged.append(slug)
                if row.source_digest != item.digest:
                    digests.append(
                        {"id": row.id, "source_digest": item.digest, "updated_at": row.updated_at}
                    )
            else:
                changed.append((item, row))
                report.updated.append(slug)
        if progress is not None:
            progress.update(1)
    seen = {item.name_slug for item in sheets}
    report.withdrawn = [
        slug for slug, row in existing.items() if slug not in seen and row.withdrawn_at is None
    ]
    withdrawn = [existing[slug].id for slug in report.withdrawn]

    # Before any write: render, build every row, and read what the revisions need.
    befores = _sheets_of([row.id for _, row in changed])
    numbers = _last_revision_numbers([row.id for _, row in changed])
    edited = _edited_in_app({row.id: numbers[row.id] for _, row in changed if row.id in numbers})
    report.overwritten = sorted(row.slug for _, row in changed if row.id in edited)
    new_rows = []
    for item in created:
        values = _rows(item)["practice"]
        new_rows.append(
            {
                **values,
                "source_digest": item.digest,
                "version": 1,
                "withdrawn_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    changed_rows = []
    for item, row in changed:
        values = _rows(item)["practice"]
        changed_rows.append(
            {
                **values,
                "id": row.id,
                "source_digest": item.digest,
                "version": row.version + 1,
                "updated_at": now,
            }
        )

    # The writes.
    ids = {slug: row.id for slug, row in existing.items()}
    versions = {slug: row.version for slug, row in existing.items()}
    table = Practice.__table__
    inserting = (
        insert(table)
        .values(_json_text_params(table, _json_columns(table)))
        .returning(table.c.id, table.c.slug)
    )
    with _indexed_after(Practice, len(new_rows)):
        for chunk in _chunks(new_rows, 2000):
            inserted = db.session.execute(inserting, chunk)
            ids.update({slug: practice_id for practice_id, slug in inserted})
    versions.update({item.name_slug: 1 for item in created})
    _bulk_update(Practice, changed_rows)
    versions.update({row.slug: row.version + 1 for _, row in changed})
    if restored:
        for chunk in _chunks(restored):
            db.session.execute(
                update(Practice).where(Practice.id.in_(chunk)).values(withdrawn_at=None)
            )
    for chunk in _chunks(withdrawn):
        db.session.execute(update(Practice).where(Practice.id.in_(chunk)).values(withdrawn_at=now))
    _bulk_update(Practice, digests)
    written = [(item, ids[item.name_slug]) for item in created] + [
        (item, row.id) for item, row in changed
    ]
    for chunk in _chunks([row.id for _, row in changed]):
        db.session.execute(delete(PracticeTerm).where(PracticeTerm.practice_id.in_(chunk)))
        db.session.execute(
            delete(PracticeIndicator).where(PracticeIndicator.practice_id.in_(chunk))
        )
    _bulk_insert(
        PracticeTerm,
        [
            {**term, "practice_id": practice_id}
            for item, practice_id in written
            for term in _rows(item)["terms"]
        ],
    )
    _bulk_insert(
        PracticeIndicator,
        [
            {**indicator, "practice_id": practice_id}
            for item, practice_id in written
            for indicator in _rows(item)["indicators"]
        ],
    )
    _bulk_insert(
        PracticeRevision,
        [
            {
                "practice_id": practice_id,
                "number": numbers.get(practice_id, 0) + 1,
                "source": "sync",
                "author_id": None,
                "author_email": "",
                "changed_fields": json.dumps(_changed_fields_since(befores.get(practice_id), item)),
                "note": "",
                "snapshot": _rows(item)["snapshot"],
                "created_at": now,
            }
            for item, practice_id in written
        ],
    )
    _sync_translations(translations, ids, versions, report, progress)
    return report


def sync_rows(item: SheetFile) -> dict[str, Any]:
    """Work out what a sync writes of a valid file: its practice row with its terms,
    indicators and revision snapshot, or its translation row, JSON columns as JSON text.
    read_folder's readers call this (`prepare`), several at a time, so that the sync itself
    only writes."""
    sheet = _sheet(item)
    body_html = item.body_html or render_body(sheet)
    if item.is_translation:
        values = translation_values(sheet, body_html)
        return {"translation": as_json_text(PracticeTranslation.__table__, values)}
    values = practice_values(sheet, body_html)
    return {
        "practice": as_json_text(Practice.__table__, values),
        "terms": term_values(sheet, values),
        "indicators": indicator_values(sheet),
        "snapshot": json.dumps(sheet.model_dump(mode="json")),
    }


def _rows(item: SheetFile) -> dict[str, Any]:
    """Return the rows of a valid file, made now if its reader did not make them."""
    if item.rows is None:
        item.rows = sync_rows(item)
    return item.rows


def _changed_fields_since(before: PracticeSheet | None, item: SheetFile) -> list[str]:
    """Name the fields a file changes in a sheet, from its rows (a reader sends no sheet)."""
    if before is None:
        return []
    return _changed_keys(before.model_dump(mode="json"), json.loads(_rows(item)["snapshot"]))


def _sheet(item: SheetFile) -> PracticeSheet:
    """Return the sheet of a file that was read and found valid."""
    assert item.sheet is not None, "sync_sheets takes validated files only"
    return item.sheet


def _sheets_of(practice_ids: list[int]) -> dict[int, PracticeSheet]:
    """Return the sheets some practices hold now, by id, leaving nothing in the session."""
    sheets: dict[int, PracticeSheet] = {}
    for chunk in _chunks(practice_ids):
        practices = list(
            db.session.scalars(
                select(Practice)
                .where(Practice.id.in_(chunk))
                .options(selectinload(Practice.terms), selectinload(Practice.indicators))
            )
        )
        sheets.update({practice.id: sheet_from_practice(practice) for practice in practices})
        for practice in practices:
            # The rows are about to be updated in bulk: no stale copy may stay behind.
            db.session.expunge(practice)
    return sheets


def translation_values(sheet: PracticeSheet, body_html: str) -> dict[str, Any]:
    """Return the column values of a translation row holding a translated sheet: the prose
    for search, the whole sheet for pages."""
    return {
        "title": sheet.title,
        "summary": sheet.summary,
        "body_html": body_html,
        "search_text": _search_text(sheet, body_html),
        "sheet": sheet.model_dump(mode="json"),
    }


def apply_translation(
    row: PracticeTranslation, sheet: PracticeSheet, body_html: str | None = None
) -> PracticeTranslation:
    """Copy a translated sheet onto its row: the prose for search, the whole sheet for pages."""
    if body_html is None:
        body_html = render_body(sheet)
    for name, value in translation_values(sheet, body_html).items():
        setattr(row, name, value)
    return row


def _sync_translations(
    files: list[SheetFile],
    ids: dict[str, int],
    versions: dict[str, int],
    report: SyncReport,
    progress: Any,
) -> None:
    """Make the translations exactly those of the (validated) files; a file of unchanged bytes
    is left alone, so that it keeps the English version it was synced against.

    `ids` and `versions` are every practice's id and its version after the sync, by slug.
    """
    rows = {
        (row.practice_id, row.language): row
        for row in db.session.execute(
            select(
                PracticeTranslation.id,
                PracticeTranslation.practice_id,
                PracticeTranslation.language,
                PracticeTranslation.source_digest,
                PracticeTranslation.updated_at,
            )
        )
    }
    now = utcnow()
    seen: set[tuple[int, str]] = set()
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    digests: list[dict[str, Any]] = []
    for item in files:
        slug = item.name_slug
        key = (ids[slug], item.language)
        seen.add(key)
        name = f"{slug}.{item.language}"
        row = rows.get(key)
        if row is not None and (item.skipped or same_bytes(row.source_digest, item.digest)):
            report.translations_unchanged.append(name)
            if row.source_digest != item.digest:
                digests.append(
                    {"id": row.id, "source_digest": item.digest, "updated_at": row.updated_at}
                )
        else:
            values = {
                **_rows(item)["translation"],
                "source_digest": item.digest,
                "source_version": versions[slug],
                "updated_at": now,
            }
            if row is None:
                new_rows.append(
                    {
                        **values,
                        "practice_id": key[0],
                        "language": item.language,
                        "created_at": now,
                    }
                )
            else:
                changed_rows.append({**values, "id": row.id})
            report.translated.append(name)
        if progress is not None:
            progress.update(1)
    slugs = {practice_id: slug for slug, practice_id in ids.items()}
    gone = [(key, row) for key, row in rows.items() if key not in seen]
    report.translations_removed = [f"{slugs.get(key[0], key[0])}.{key[1]}" for key, _ in gone]
    for chunk in _chunks([row.id for _, row in gone]):
        db.session.execute(delete(PracticeTranslation).where(PracticeTranslation.id.in_(chunk)))
    with _indexed_after(PracticeTranslation, len(new_rows)):
        _bulk_insert(PracticeTranslation, new_rows)
    _bulk_update(PracticeTranslation, changed_rows)
    _bulk_update(PracticeTranslation, digests)


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
    if before is None:
        return []
    return _changed_keys(before.model_dump(mode="json"), after.model_dump(mode="json"))


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Name the fields that differ between two sheets dumped as JSON data."""

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
