"""Search the catalogue: read the query, match with each database's full-text engine, count, page.

A sheet is found by words of any of its languages: its English text and each translation's.
On PostgreSQL each language is stemmed by its own configuration (english, finnish, swedish:
"kumppaneiden" finds "kumppani"). On SQLite the English text is stemmed by FTS5's porter
(English only) and translations are matched by word prefix, without stemming: "kumppani"
finds "kumppanit" and "kumppanille" but "kumppaneiden" does not find "kumppani"; case and
diacritics are ignored ("nakyvyys" finds "näkyvyys").

The facets, sorts and the query's rules are in schemas.py (the API documents them from there).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import ValidationError as SchemaError
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

from app.core.extensions import db
from app.core.i18n import DEFAULT_LANGUAGE
from app.core.pagination import Pagination
from app.core.vocabularies import Vocabularies
from app.practices.models import TRANSLATION_LANGUAGES, Practice, PracticeTerm, PracticeTranslation
from app.practices.schemas import (
    FACETS,
    FACETS_BY_NAME,
    MARKER_CHARACTERS,
    Facet,
    FacetValue,
    PracticeQuery,
    strip_markers,
)
from app.practices.services import ShownPractice, shown_practices


class QueryError(ValueError):
    """A search request with values the catalogue does not know; `problems` names each one."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def parse_query(args: Any, vocab: Vocabularies, per_page: int, max_per_page: int) -> PracticeQuery:
    """Read a PracticeQuery from request arguments, refusing unknown values with their names."""
    data: dict[str, Any] = {
        facet.name: [v for raw in args.getlist(facet.name) for v in raw.split(",") if v]
        for facet in FACETS
    }
    data["per_page"] = per_page
    data |= {name: args[name] for name in ("q", "sort", "page", "per_page") if name in args}
    try:
        return PracticeQuery.model_validate(
            data, context={"vocab": vocab, "max_per_page": max_per_page}
        )
    except SchemaError as error:
        raise QueryError(
            {str(problem["loc"][0]): problem["msg"] for problem in error.errors()}
        ) from None


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
        """Select (id, rank) of the sheets matching in any language; lower ranks better."""
        found = union_all(self.english(query), *self.translated(query)).subquery()
        # A sheet found in several languages counts once, by its best match.
        return select(found.c.id, func.min(found.c.rank).label("rank")).group_by(found.c.id)

    def english(self, query: PracticeQuery) -> Select[Any]:
        """Select (id, rank) of the sheets whose English text matches."""
        raise NotImplementedError

    def translated(self, query: PracticeQuery) -> list[Select[Any]]:
        """Select (id, rank) of the sheets a translation of which matches, a select a language."""
        raise NotImplementedError

    def highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str]
    ) -> dict[int, tuple[str, str]]:
        """Return the title and a snippet of each sheet with the matched words between marks."""
        raise NotImplementedError

    def translated_highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str], language: str
    ) -> dict[int, tuple[str, str]]:
        """Return the title and a snippet of each sheet's translation into a language, marked."""
        raise NotImplementedError


class SqliteSearch(SearchBackend):
    """SQLite FTS5 over the `practices_fts` table the migrations create (porter stemming), and
    over `practices_fts_translations` (no stemmer for Finnish or Swedish: word prefixes)."""

    FTS = table("practices_fts", column("rowid", Integer))
    FTS_NAME = literal_column("practices_fts")
    TRANSLATED = table("practices_fts_translations", column("rowid", Integer))
    TRANSLATED_NAME = literal_column("practices_fts_translations")
    # Shorter words are matched whole: as prefixes they would match almost everything.
    PREFIX_MIN_CHARS = 3

    @staticmethod
    def _expression(query: PracticeQuery, prefixes: bool = False) -> str:
        # Each word quoted: the user's text can never be read as FTS5 query syntax.
        return " ".join(
            '"'
            + term.replace('"', "")
            + '"'
            + ("*" if prefixes and len(term) >= SqliteSearch.PREFIX_MIN_CHARS else "")
            for term in query.terms
        )

    def translated(self, query: PracticeQuery) -> list[Select[Any]]:
        return [
            select(
                PracticeTranslation.practice_id.label("id"),
                func.bm25(self.TRANSLATED_NAME, 10.0, 4.0, 1.0).label("rank"),
            )
            .select_from(self.TRANSLATED)
            .join(PracticeTranslation, PracticeTranslation.id == self.TRANSLATED.c.rowid)
            .where(self.TRANSLATED_NAME.op("MATCH")(self._expression(query, prefixes=True)))
        ]

    def translated_highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str], language: str
    ) -> dict[int, tuple[str, str]]:
        rows = db.session.execute(
            select(
                PracticeTranslation.practice_id,
                func.highlight(self.TRANSLATED_NAME, 0, *marks),
                func.snippet(self.TRANSLATED_NAME, -1, *marks, "…", 30),
            )
            .select_from(self.TRANSLATED)
            .join(PracticeTranslation, PracticeTranslation.id == self.TRANSLATED.c.rowid)
            .where(
                self.TRANSLATED_NAME.op("MATCH")(self._expression(query, prefixes=True)),
                PracticeTranslation.practice_id.in_(ids),
                PracticeTranslation.language == language,
            )
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def english(self, query: PracticeQuery) -> Select[Any]:
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

    # Each translation's language's own configuration (its Snowball stemmer).
    CONFIGS: ClassVar[dict[str, str]] = {"en": "english", "fi": "finnish", "sv": "swedish"}
    TRANSLATED_DOCUMENT = literal_column("practice_translations.search_vector")

    @classmethod
    def tsquery(cls, query: PracticeQuery, language: str = DEFAULT_LANGUAGE) -> ColumnElement[Any]:
        config = literal_column(f"'{cls.CONFIGS[language]}'::regconfig")
        return func.plainto_tsquery(config, " ".join(query.terms))

    def translated(self, query: PracticeQuery) -> list[Select[Any]]:
        # One select a language, each with its own query: the GIN index serves each @@.
        return [
            select(
                PracticeTranslation.practice_id.label("id"),
                (-func.ts_rank_cd(self.TRANSLATED_DOCUMENT, self.tsquery(query, language))).label(
                    "rank"
                ),
            ).where(
                PracticeTranslation.language == language,
                self.TRANSLATED_DOCUMENT.op("@@")(self.tsquery(query, language)),
            )
            for language in TRANSLATION_LANGUAGES
        ]

    def translated_highlights(
        self, ids: list[int], query: PracticeQuery, marks: tuple[str, str], language: str
    ) -> dict[int, tuple[str, str]]:
        selections = f"StartSel={marks[0]}, StopSel={marks[1]}"
        config = literal_column(f"'{self.CONFIGS[language]}'::regconfig")
        tsquery = self.tsquery(query, language)
        rows = db.session.execute(
            select(
                PracticeTranslation.practice_id,
                func.ts_headline(
                    config, PracticeTranslation.title, tsquery, f"HighlightAll=true, {selections}"
                ),
                func.ts_headline(
                    config,
                    PracticeTranslation.summary + " " + PracticeTranslation.search_text,
                    tsquery,
                    f"{selections}, MaxFragments=1, MaxWords=30, MinWords=12",
                ),
            ).where(
                PracticeTranslation.practice_id.in_(ids),
                PracticeTranslation.language == language,
                self.TRANSLATED_DOCUMENT.op("@@")(tsquery),
            )
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def english(self, query: PracticeQuery) -> Select[Any]:
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
    # The title and snippet of each sheet of the page, by id, when there is a search: in the
    # language each sheet is shown in.
    highlights: dict[int, tuple[Marked, Marked]]
    # The items as the page shows them, in the reader's language where translated.
    shown: list[ShownPractice]

    @property
    def pagination(self) -> Pagination:
        """Return where this page stands among the result's pages."""
        return Pagination(page=self.query.page, per_page=self.query.per_page, total=self.total)

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return self.pagination.pages

    def page_links(self) -> list[int | None]:
        """Return the page numbers to link, None for a gap (see pagination.page_links)."""
        return self.pagination.links()


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
            FacetValue(
                key=key,
                label=label,
                count=counts.get((part, facet.term, key), 0),
                selected=key in chosen,
            )
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


def search_practices(
    query: PracticeQuery, vocab: Vocabularies, language: str = DEFAULT_LANGUAGE
) -> SearchResult:
    """Run a catalogue search: one page of sheets, the total, facet counts and highlights, the
    sheets' titles, summaries and highlights in `language` where they are translated."""
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
    shown = shown_practices(items, language)
    highlights: dict[int, tuple[Marked, Marked]] = {}
    if matching is not None and items:
        marks = new_marks()
        english = [item.id for item in shown if item.language == DEFAULT_LANGUAGE]
        translated = [item.id for item in shown if item.language != DEFAULT_LANGUAGE]
        found = backend.highlights(english, query, marks) if english else {}
        if translated:
            found |= backend.translated_highlights(translated, query, marks, language)
        # A sheet found by words of another language than the one it is shown in has none
        # marked: it still has a title and a snippet, as every result of a search does.
        for item in shown:
            found.setdefault(item.id, (item.title, item.summary))
        highlights = {
            practice_id: (split_marked(title, marks), split_marked(snippet, marks))
            for practice_id, (title, snippet) in found.items()
        }
    return SearchResult(
        query, items, total, _facet_counts(query, matching, vocab), highlights, shown
    )
