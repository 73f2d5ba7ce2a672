"""The planner's offer on the catalogue's pages: adopt a practice into one of one's plans.

The catalogue asks through its `sheet_offers` signal and knows nothing of plans; this receiver
answers with the form, which posts to the planner's `adopt` view (which imports this module,
so the receiver is connected whenever the planner's pages are).
"""

from __future__ import annotations

from typing import Any

from flask import get_template_attribute
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app.planner.forms import AdoptForm
from app.planner.services import plans_for
from app.practices.signals import Offer, sheet_offers

TEMPLATE = "planner/_adopt.html"


def adopt_form(user: Any) -> AdoptForm:
    """Return the adopt form, offering the plans the user may plan in (maybe none)."""
    return _form(_plan_choices(user))


def _plan_choices(user: Any) -> list[SelectChoice]:
    return [
        SelectChoice(
            p.id, _("%(plan)s (%(institution)s)", plan=p.title, institution=p.institution.name)
        )
        for p in plans_for(user, "planner")
    ]


def _form(choices: list[SelectChoice]) -> AdoptForm:
    form = AdoptForm()
    form.plan_id.choices = choices
    return form


@sheet_offers.connect
def offer_adoption(_sender: Any, *, page: str, user: Any, practices: list[Any]) -> Offer | None:
    """Offer adoption into the plans the user may plan in, if any.

    Asked by every page of the catalogue, a visitor's too: the form is built only when there
    are plans to offer, since building it makes a CSRF token, and with it a session and a
    cookie for a visitor who had none.
    """
    if not practices:
        return None
    choices = _plan_choices(user)
    if not choices:
        return None
    form = _form(choices)
    if page == "sheet":
        return Offer(panel=get_template_attribute(TEMPLATE, "sheet_panel")(form, practices[0]))
    return Offer(
        panel=get_template_attribute(TEMPLATE, "list_bar")(form, practices[0]),
        on_card=get_template_attribute(TEMPLATE, "card_button"),
    )
