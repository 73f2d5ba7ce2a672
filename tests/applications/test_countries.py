"""The countries of the application form, in the order of the reader's alphabet."""

from __future__ import annotations

from flask_babel import force_locale

from app.applications.forms import country_choices


def _names(app, locale: str) -> list[str]:
    with app.test_request_context(), force_locale(locale):
        return [str(choice.label) for choice in country_choices()]


def test_english_sorts_accented_letters_among_the_plain_ones(app):
    names = _names(app, "en")
    assert names.index("Åland Islands") < names.index("Albania")
    assert names.index("Réunion") < names.index("Romania")


def test_finnish_and_swedish_put_a_ring_a_umlaut_and_o_umlaut_after_z(app):
    fi = _names(app, "fi")
    assert fi.index("Luxemburg") < fi.index("Länsi-Sahara")
    assert fi.index("Pakistan") < fi.index("Päiväntasaajan Guinea")
    sv = _names(app, "sv")
    assert sv.index("Zimbabwe") < sv.index("Åland") < sv.index("Österrike")
    assert sv.index("Réunion") < sv.index("Rumänien")
