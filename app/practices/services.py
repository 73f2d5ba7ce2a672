"""Reads and writes of the practice catalogue. Functions add and flush; the caller commits."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import selectinload

from app.core.conflicts import EditConflict
from app.core.extensions import db, utcnow
from app.core.markdown import html_to_text, render_markdown
from app.core.validation import is_slug
from app.core.vocabularies import Vocabularies
from app.practices.files import SheetFile
from app.practices.models import (
    LEVEL_COLUMNS,
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeTerm,
)
from app.practices.schemas import MARKER_CHARACTERS, TRUSTED, PracticeSheet, strip_markers

TERM_FIELDS = ("goals", "categories", "mobility_stages", "target_groups")
# Single-valued fields that are also written to practice_terms: every facet then counts from
# that one narrow table instead of scanning the wide practices rows once per facet.
FACET_COLUMNS = ("delivery_schedule", "importance", *LEVEL_COLUMNS)
PHASES = ("setup", "delivery")
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
    for phase in PHASES:
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
    for phase_name in PHASES:
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
        for phase_name in PHASES
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

    def summary(self) -> str:
        """Say the counts in one line."""
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.withdrawn)} withdrawn, "
            f"{len(self.restored)} restored"
        )


def sync_sheets(files: Iterable[SheetFile], progress: Any = None) -> SyncReport:
    """Make the database hold exactly the given valid sheets; withdraw the ones not given.

    Every file must already be valid: the caller checks all of them before calling this, so the
    sync is all-or-nothing. A file whose digest matches the last sync is left alone, so that a
    change made in the database to that sheet survives.
    """
    report = SyncReport()
    existing = {
        practice.slug: practice
        for practice in db.session.scalars(
            select(Practice).options(
                selectinload(Practice.terms), selectinload(Practice.indicators)
            )
        )
    }
    seen: set[str] = set()
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


def related_titles_for(slugs: Iterable[str]) -> dict[str, str]:
    """Map slugs of listed sheets to their titles, in one query."""
    wanted = set(slugs)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Practice.slug, Practice.title).where(
            Practice.slug.in_(wanted), Practice.withdrawn_at.is_(None)
        )
    )
    return {slug: title for slug, title in rows}


def related_titles(practices: Iterable[Practice]) -> dict[str, str]:
    """Map the related slugs of some practices to titles of the ones still listed."""
    return related_titles_for(slug for practice in practices for slug in practice.related)


# --- search and facets -----------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """A filter of the catalogue: its URL name, label, vocabulary and practice_terms name."""

    name: str
    label: str
    vocabulary: str  # the list of data/vocabularies.yml its values come from
    term: str  # the PracticeTerm.vocabulary its values are stored under
    group: str = "sheet"


FACETS: tuple[Facet, ...] = (
    Facet("category", "Category", "categories", "categories"),
    Facet("mobility_stage", "Mobility stage", "mobility_stages", "mobility_stages"),
    Facet("target_group", "Target group", "target_groups", "target_groups"),
    Facet("goal", "Goal", "goals", "goals"),
    Facet("delivery_schedule", "Delivery schedule", "delivery_schedules", "delivery_schedule"),
    Facet("importance", "Importance", "importance", "importance"),
    Facet(
        "scale_of_change", "Scale of organisational change", "scales_of_change", "scale_of_change"
    ),
    Facet("setup_cost", "Cost", "levels", "setup_cost", group="setup"),
    Facet("setup_time", "Time required", "levels", "setup_time", group="setup"),
    Facet("setup_effort", "Personnel effort", "levels", "setup_effort", group="setup"),
    Facet("delivery_cost", "Cost", "levels", "delivery_cost", group="delivery"),
    Facet("delivery_time", "Time required", "levels", "delivery_time", group="delivery"),
    Facet("delivery_effort", "Personnel effort", "levels", "delivery_effort", group="delivery"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}

SORTS = {
    "relevance": "Best match",
    "title": "Title (A–Z)",
    "setup_cost": "Lowest setup cost",
    "delivery_cost": "Lowest delivery cost",
    "effort": "Lowest total effort",
    "importance": "Most important first",
    "updated": "Recently updated",
}


# Far beyond any real catalogue, and small enough for every database's integer OFFSET.
MAX_PAGE = 100_000


class QueryError(ValueError):
    """A search request with values the catalogue does not know; `problems` names each one."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass
class PracticeQuery:
    """Everything a catalogue search asks for; the URL holds all of it."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = ""
    page: int = 1
    per_page: int = 20

    @property
    def effective_sort(self) -> str:
        """Sort by relevance when there is a search, else by title, unless told otherwise."""
        if self.sort and (self.sort != "relevance" or self.terms):
            return self.sort
        return "relevance" if self.terms else "title"

    @property
    def terms(self) -> list[str]:
        """Return the words of the search, as the full-text engines will see them."""
        return re.findall(r"\w+", self.q)[:20]


def parse_query(args: Any, vocab: Vocabularies, per_page: int, max_per_page: int) -> PracticeQuery:
    """Read a PracticeQuery from request arguments, refusing unknown values with their names."""
    problems: dict[str, str] = {}
    filters: dict[str, list[str]] = {}
    for facet in FACETS:
        values = [v for raw in args.getlist(facet.name) for v in raw.split(",") if v]
        if not values:
            continue
        allowed = vocab.keys(facet.vocabulary)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            problems[facet.name] = (
                f"unknown value {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}"
            )
        filters[facet.name] = list(dict.fromkeys(values))
    sort = args.get("sort", "")
    if sort and sort not in SORTS:
        problems["sort"] = f"unknown sort {sort!r}; allowed: {', '.join(SORTS)}"
    page = _positive_int(args.get("page", "1"), "page", problems)
    if page > MAX_PAGE:
        problems["page"] = f"at most {MAX_PAGE}"
    size = _positive_int(args.get("per_page", str(per_page)), "per_page", problems)
    if size > max_per_page:
        problems["per_page"] = f"at most {max_per_page}"
    raw = strip_markers(args.get("q", ""))
    q = raw.strip()
    if len(q) > 200:
        problems["q"] = "at most 200 characters"
    elif raw and not re.search(r"\w", raw):
        problems["q"] = f"no words to search for in {raw!r}"
    if problems:
        raise QueryError(problems)
    return PracticeQuery(q=q, filters=filters, sort=sort, page=page, per_page=size)


def _positive_int(raw: str, name: str, problems: dict[str, str]) -> int:
    """Parse a positive integer argument, noting a problem when it is not one."""
    # Nine digits at most: int() of a huge string is slow, and no page number needs more.
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) >= 1:
        return int(raw)
    problems[name] = "must be a whole number of at least 1"
    return 1


def _facet_condition(facet: Facet, values: list[str]) -> ColumnElement[bool]:
    """Match sheets having any of the values of one facet (values within a facet are ORed)."""
    return Practice.id.in_(
        select(PracticeTerm.practice_id).where(
            PracticeTerm.vocabulary == facet.term, PracticeTerm.key.in_(values)
        )
    )


class SearchBackend:
    """Full-text search of one database engine: which sheets match, how well, and where."""

    def matching(self, query: PracticeQuery) -> Select[Any]:
        """Select (id, rank) of the matching sheets; a lower rank is a better match."""
        raise NotImplementedError

    def highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str]
    ) -> dict[int, tuple[str, str]]:
        """Return the title and a snippet of each sheet with the matched words between marks."""
        raise NotImplementedError


class SqliteSearch(SearchBackend):
    """SQLite FTS5 over the `practices_fts` table the migrations create (porter stemming)."""

    FTS = table("practices_fts", column("rowid", Integer))
    FTS_NAME = literal_column("practices_fts")

    @staticmethod
    def _expression(query: PracticeQuery) -> str:
        # Each word quoted: the user's text can never be read as FTS5 query syntax.
        return " ".join('"' + term.replace('"', "") + '"' for term in query.terms)

    def matching(self, query: PracticeQuery) -> Select[Any]:
        # bm25 weights: the title counts most, then the summary, then the rest of the sheet.
        return select(
            self.FTS.c.rowid.label("id"),
            func.bm25(self.FTS_NAME, 10.0, 4.0, 1.0).label("rank"),
        ).where(self.FTS_NAME.op("MATCH")(self._expression(query)))

    def highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str]
    ) -> dict[int, tuple[str, str]]:
        rows = db.session.execute(
            select(
                self.FTS.c.rowid,
                func.highlight(self.FTS_NAME, 0, *marks),
                func.snippet(self.FTS_NAME, -1, *marks, "…", 30),
            ).where(self.FTS_NAME.op("MATCH")(self._expression(query)), self.FTS.c.rowid.in_(ids))
        )
        return {row[0]: (row[1], row[2]) for row in rows}


class PostgresSearch(SearchBackend):
    """PostgreSQL full-text search over the generated tsvector column the migrations create."""

    CONFIG = literal_column("'english'::regconfig")
    # The stored tsvector column the migrations add (title A, summary B, the rest D).
    DOCUMENT = literal_column("practices.search_vector")

    @classmethod
    def tsquery(cls, query: PracticeQuery) -> ColumnElement[Any]:
        return func.plainto_tsquery(cls.CONFIG, " ".join(query.terms))

    def matching(self, query: PracticeQuery) -> Select[Any]:
        # Negated so that, as with bm25, lower sorts first.
        return select(
            Practice.id.label("id"),
            (-func.ts_rank_cd(self.DOCUMENT, self.tsquery(query))).label("rank"),
        ).where(self.DOCUMENT.op("@@")(self.tsquery(query)))

    def highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str]
    ) -> dict[int, tuple[str, str]]:
        selections = f"StartSel={marks[0]}, StopSel={marks[1]}"
        rows = db.session.execute(
            select(
                Practice.id,
                func.ts_headline(
                    self.CONFIG,
                    Practice.title,
                    self.tsquery(query),
                    f"HighlightAll=true, {selections}",
                ),
                func.ts_headline(
                    self.CONFIG,
                    Practice.summary + " " + Practice.search_text,
                    self.tsquery(query),
                    f"{selections}, MaxFragments=1, MaxWords=30, MinWords=12",
                ),
            ).where(Practice.id.in_(ids))
        )
        return {row[0]: (row[1], row[2]) for row in rows}


def search_backend() -> SearchBackend:
    """Pick the full-text engine of the database in use."""
    if db.engine.dialect.name == "postgresql":
        return PostgresSearch()
    return SqliteSearch()


@dataclass
class FacetValue:
    """One value of a facet with its count under the other filters and the search."""

    key: str
    label: str
    count: int
    selected: bool


# A highlighted text as its parts, each with whether it is a matched word.
Marked = list[tuple[str, bool]]


def new_marks() -> tuple[str, str]:
    """Return start and stop markers for one search, that no stored text can contain.

    Made of the private-use characters removed from every sheet at input, and of a random
    part besides, so that a text stored before that removal cannot pose as a mark either.
    """
    start, stop = MARKER_CHARACTERS
    return f"{start}{secrets.token_hex(4)}{stop}", f"{stop}{secrets.token_hex(4)}{start}"


def split_marked(text: str, marks: tuple[str, str]) -> Marked:
    """Split a highlighted text into plain and marked parts at this search's own markers."""
    start, stop = marks
    parts: Marked = []
    rest = text
    while rest:
        plain, found, rest = rest.partition(start)
        parts.append((strip_markers(plain), False))
        if not found:
            break
        marked, _, rest = rest.partition(stop)
        parts.append((strip_markers(marked), True))
    return [(part, marked) for part, marked in parts if part]


@dataclass
class SearchResult:
    """A page of practices, with the total, the facet counts and the highlights."""

    query: PracticeQuery
    items: list[Practice]
    total: int
    facets: dict[str, list[FacetValue]]
    # The title and snippet of each sheet of the page, by id, when there is a search.
    highlights: dict[int, tuple[Marked, Marked]]

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return max(1, math.ceil(self.total / self.query.per_page))

    def page_links(self) -> list[int | None]:
        """Return the page numbers to link, None for a gap: the ends and the current page's
        neighbours, with a gap of a single page shown as that page rather than as "…"."""
        near = {1, 2, self.pages - 1, self.pages, *range(self.query.page - 2, self.query.page + 3)}
        links: list[int | None] = []
        for number in range(1, self.pages + 1):
            if number in near or (number - 1 in near and number + 1 in near):
                links.append(number)
            elif links and links[-1] is not None:
                links.append(None)
        return links


def _conditions(
    query: PracticeQuery, matching: Select[Any] | None, skip: str | None = None
) -> list[ColumnElement[bool]]:
    """Build the WHERE conditions of a query, leaving out one facet's own filter."""
    conditions: list[ColumnElement[bool]] = [Practice.withdrawn_at.is_(None)]
    if matching is not None:
        conditions.append(Practice.id.in_(select(matching.subquery().c.id)))
    for name, values in query.filters.items():
        if name != skip:
            conditions.append(_facet_condition(FACETS_BY_NAME[name], values))
    return conditions


def _facet_counts(
    query: PracticeQuery, matching: Select[Any] | None, vocab: Vocabularies
) -> dict[str, list[FacetValue]]:
    """Count every facet value in one query.

    A value's count applies every filter but its own facet's, so that picking a second value of
    the same facet (an OR) shows how many more sheets it would add. Facets without a filter of
    their own share one count over the matching sheets; each filtered facet adds one part.
    """

    def counts_over(ids: Select[Any], part: str, term: str | None = None) -> Select[Any]:
        where = [PracticeTerm.practice_id.in_(ids)]
        if term is not None:
            where.append(PracticeTerm.vocabulary == term)
        return (
            select(
                literal(part).label("part"),
                PracticeTerm.vocabulary,
                PracticeTerm.key,
                func.count().label("n"),
            )
            .where(*where)
            .group_by(PracticeTerm.vocabulary, PracticeTerm.key)
        )

    everything = select(Practice.id).where(and_(*_conditions(query, matching)))
    parts = [counts_over(everything, "")]
    for name in query.filters:
        own = select(Practice.id).where(and_(*_conditions(query, matching, skip=name)))
        parts.append(counts_over(own, name, FACETS_BY_NAME[name].term))
    counts: dict[tuple[str, str, str], int] = {
        (part, vocabulary, key): n
        for part, vocabulary, key, n in db.session.execute(union_all(*parts))
    }
    result: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        part = facet.name if facet.name in query.filters else ""
        chosen = set(query.filters.get(facet.name, []))
        result[facet.name] = [
            FacetValue(key, label, counts.get((part, facet.term, key), 0), key in chosen)
            for key, label in vocab.lists[facet.vocabulary].items()
        ]
    return result


def _order_by(query: PracticeQuery, rank: Any, vocab: Vocabularies) -> list[Any]:
    """Return the ORDER BY of the chosen sort, ties broken by title."""
    sort = query.effective_sort
    if sort == "relevance" and rank is not None:
        keys: list[Any] = [rank]
    elif sort == "setup_cost":
        keys = [Practice.setup_cost, Practice.setup_effort]
    elif sort == "delivery_cost":
        keys = [Practice.delivery_cost, Practice.delivery_effort]
    elif sort == "effort":
        keys = [Practice.setup_effort + Practice.delivery_effort]
    elif sort == "importance":
        order = {key: position for position, key in enumerate(vocab.keys("importance"))}
        keys = [case(order, value=Practice.importance, else_=len(order))]
    elif sort == "updated":
        keys = [Practice.updated_at.desc()]
    else:
        keys = []
    return [*keys, Practice.title, Practice.id]


def search_practices(query: PracticeQuery, vocab: Vocabularies) -> SearchResult:
    """Run a catalogue search: one page of sheets, the total, facet counts and highlights."""
    backend = search_backend()
    matching = backend.matching(query) if query.terms else None
    where = and_(*_conditions(query, matching))
    total = db.session.scalar(select(func.count()).select_from(Practice).where(where)) or 0
    page = select(Practice).options(selectinload(Practice.terms))
    rank = None
    if matching is None:
        page = page.where(where)
    else:
        # Joined, so that each sheet's rank is computed once rather than once per comparison.
        ranked = matching.subquery()
        page = page.join(ranked, ranked.c.id == Practice.id).where(*_conditions(query, None))
        rank = ranked.c.rank
    items = list(
        db.session.scalars(
            page.order_by(*_order_by(query, rank, vocab))
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
    )
    highlights: dict[int, tuple[Marked, Marked]] = {}
    if matching is not None and items:
        marks = new_marks()
        highlights = {
            practice_id: (split_marked(title, marks), split_marked(snippet, marks))
            for practice_id, (title, snippet) in backend.highlights(
                [p.id for p in items], query, marks
            ).items()
        }
    return SearchResult(query, items, total, _facet_counts(query, matching, vocab), highlights)
