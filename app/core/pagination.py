"""Pages of a long list: which page a request asks for, how many there are, which to link.

The catalogue's list and the list of institutions page alike: `page` and `per_page` in the
address, the ends and the current page's neighbours linked (macros/pagination.html), a page
past the end answered with a link to the last one rather than an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

# Far beyond any real list, and small enough for every database's integer OFFSET.
MAX_PAGE = 100_000
# Nine digits at most: int() of a huge string is slow, and no page number needs more.
_MAX_DIGITS = 9


@dataclass(frozen=True)
class Pagination:
    """Where one page stands among the pages of a list."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        """Return how many rows come before this page's first."""
        return (self.page - 1) * self.per_page

    @property
    def past_the_end(self) -> bool:
        """Tell whether the page asked for comes after the last page of a list that has rows."""
        return self.total > 0 and self.page > self.pages

    def links(self) -> list[int | None]:
        """Return the page numbers to link, None for a gap (see page_links)."""
        return page_links(self.page, self.pages)


def page_links(page: int, pages: int) -> list[int | None]:
    """Return the page numbers to link, None for a gap: the ends and the current page's
    neighbours, with a gap of a single page shown as that page rather than as "…"."""
    near = sorted(
        n for n in {1, 2, pages - 1, pages, *range(page - 2, page + 3)} if 1 <= n <= pages
    )
    links: list[int | None] = []
    for number in near:
        last = links[-1] if links else 0
        if last is not None and number - last == 2:
            links.append(number - 1)  # a gap of one page: that page, not "…"
        elif last is not None and number - last > 2:
            links.append(None)
        links.append(number)
    return links


def _whole_number(raw: str | None, default: int) -> int | None:
    """Read a whole number of at least 1, the default when absent; None when unusable."""
    if raw is None:
        return default
    if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_DIGITS and int(raw) >= 1:
        return int(raw)
    return None


def read_page(
    args: Mapping[str, str], per_page: int, max_per_page: int
) -> tuple[int, int, dict[str, str]]:
    """Read `page` and `per_page` from request arguments: (page, per_page, problems).

    An unusable value (not a whole number of at least 1, or too large) is named in
    `problems` and replaced by the first page or the default size, so that the list is still
    shown.
    """
    problems: dict[str, str] = {}
    page = _whole_number(args.get("page"), 1)
    if page is None:
        problems["page"] = _("must be a whole number of at least 1")
    elif page > MAX_PAGE:
        problems["page"] = _("at most %(limit)d", limit=MAX_PAGE)
    size = _whole_number(args.get("per_page"), per_page)
    if size is None:
        problems["per_page"] = _("must be a whole number of at least 1")
    elif size > max_per_page:
        problems["per_page"] = _("at most %(limit)d", limit=max_per_page)
    if page is None or "page" in problems:
        page = 1
    if size is None or "per_page" in problems:
        size = per_page
    return page, size, problems
