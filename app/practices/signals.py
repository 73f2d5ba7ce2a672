"""Signals the catalogue sends, for features above it that offer something on its pages.

The catalogue must not import those features (they import it), so it asks and they answer:
the planner offers its "adopt into a plan" form on the list and on each sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blinker import Namespace
from markupsafe import Markup

signals = Namespace()

# Sent while the list of sheets (`page="list"`, only when it shows some) or one sheet
# (`page="sheet"`) is rendered, with keyword arguments `page`, `user` and `practices` (the
# sheets shown). A receiver returns an Offer to show, or None; it must not write.
sheet_offers = signals.signal("sheet-offers")


@dataclass(frozen=True)
class Offer:
    """What a feature shows on a page of sheets: a panel once, and maybe a part on each card."""

    panel: Markup
    on_card: Callable[[Any], Markup] | None = None


def offers_for(page: str, user: Any, practices: list[Any]) -> list[Offer]:
    """Ask every receiver what it offers on this page, in the order they connected."""
    answers = sheet_offers.send(None, page=page, user=user, practices=practices)
    return [offer for _receiver, offer in answers if offer is not None]
