"""The interface's languages: which one a request is answered in, and the catalogues' place.

English is the source language; Finnish and Swedish are translated in `app/translations/`.
A request is answered in the language saved on the signed-in account, else the one chosen
with the switcher this session (people not signed in), else the best match of the browser's
Accept-Language, else English.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import force_locale, get_locale, get_translations, refresh
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape


class Language(StrEnum):
    """A language of the interface (ISO 639-1); also the column type of saved preferences."""

    EN = "en"
    FI = "fi"
    SV = "sv"


# Code → the language's own name, as the switcher shows it (never translated: a reader who
# does not understand the current language still finds their own).
LANGUAGES: dict[str, str] = {"en": "English", "fi": "Suomi", "sv": "Svenska"}
DEFAULT_LANGUAGE = "en"
# Babel's locale per language: English numbers and dates as written in Europe (30 Nov 2026,
# €1,234.50), Finnish and Swedish as written in Finland.
LOCALES: dict[str, str] = {"en": "en_GB", "fi": "fi_FI", "sv": "sv_FI"}
SESSION_KEY = "language"
PAGE_KEY = "page_language"  # in g: one page written in a language of its own (an invitation)


_HELD = "_scp_translations"  # in g: (the locale, its catalogue)


def current_locale() -> Locale | None:
    """Flask-Babel's get_locale (None outside an app context), in one context lookup.

    Flask-Babel's own takes three context-local lookups a call (`g` three times, each through
    a proxy), and a page asks hundreds of times: a number, a date, each message. Once it has
    chosen, it keeps the locale in `g._flask_babel.babel_locale`, as `force_locale` and
    `refresh` set and clear it; this reads it there through the app context's variable
    directly, and leaves the choosing to Flask-Babel.
    """
    context = _cv_app.get(None)
    if context is None:
        return None
    kept = getattr(context.g.__dict__.get("_flask_babel"), "babel_locale", None)
    return kept if kept is not None else get_locale()


def translations() -> NullTranslations:
    """Return the catalogue of the language being written now, looked up once per locale.

    Flask-Babel's own gettext looks its catalogue up anew for each message (four context
    lookups and the locale's name built again): a plan's page writes hundreds of messages,
    and that was a tenth of its rendering. Held by the locale object itself, so that a
    `force_locale` (an email in its recipient's language) or a `refresh` gets its own.
    """
    locale = current_locale()
    if locale is None:
        return get_translations()
    held_in = _cv_app.get().g.__dict__
    held = held_in.get(_HELD)
    if held is None or held[0] is not locale:
        held = (locale, get_translations())
        held_in[_HELD] = held
    return held[1]  # type: ignore[no-any-return]


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's gettext, through the held catalogue."""
    found = translations().ugettext(string)
    return found if not variables else found % variables


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ngettext (`num` is a variable too), through the held catalogue."""
    variables.setdefault("num", num)
    found = translations().ungettext(singular, plural, num)
    return found % variables


def pgettext(context: str, string: str, **variables: Any) -> str:
    """Flask-Babel's pgettext, through the held catalogue."""
    found = translations().upgettext(context, string)
    return found if not variables else found % variables


class _Lazy(LazyString):
    """A message looked up when it is shown, escaped like any text when put into HTML.

    Flask-Babel's own lazy string says it is HTML already (`__html__` returns it as it is),
    so a translation with a "<" or a value put into it would reach the page unescaped.
    """

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables: Any) -> Any:
    """gettext, looked up when shown (labels made at import time), escaped in HTML."""
    return _Lazy(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> Any:
    """ngettext, looked up when shown, escaped in HTML."""
    return _Lazy(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables: Any) -> Any:
    """pgettext (a message with a context), looked up when shown, escaped in HTML."""
    return _Lazy(pgettext, context, string, **variables)


def known(code: str | None) -> str | None:
    """Return a language code if the interface has that language, else None."""
    return code if code in LANGUAGES else None


def chosen_language() -> str:
    """Return the language of this request: account, then session, then browser, then English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return known(g.get(PAGE_KEY)) or own_language()


def own_language() -> str:
    """Return the language the visitor has chosen: account, session, browser, English (what
    a page written in a language of its own, an invitation, does not change)."""
    if current_user and current_user.is_authenticated:
        saved = known(getattr(current_user, "language", None))
        if saved:
            return saved
    return anonymous_language()


def anonymous_language() -> str:
    """Return the language of a request from nobody signed in: session, browser, English."""
    return known(session.get(SESSION_KEY)) or browser_language() or DEFAULT_LANGUAGE


def browser_language() -> str | None:
    """Return the interface language the browser likes best, by quality then order.

    "en-US,fi;q=0.9" is English: a regional variant counts as its language. (Werkzeug's
    best_match prefers any exact match, so it would answer Finnish there.)
    """
    for value, _quality in request.accept_languages:
        found = known(value.split("-")[0].split("_")[0].lower())
        if found:
            return found
    return None


def read_page_in(language: str) -> None:
    """Write this one response in `language` (an invitation in the language it was sent in)."""
    g.setdefault(PAGE_KEY, language)
    refresh()


def select_locale() -> str:
    """Flask-Babel's locale selector: the Babel locale of the chosen language."""
    return LOCALES[chosen_language()]


def locale_of(language: str | None) -> str:
    """Return the Babel locale to write to someone in (an email), English if unknown."""
    return LOCALES[known(language) or DEFAULT_LANGUAGE]


def current_language() -> str:
    """Return the language code pages are being written in now (for `<html lang>`)."""
    locale = current_locale()
    return known(locale.language if locale else None) or DEFAULT_LANGUAGE


def in_every_language(text: Any) -> list[str]:
    """Return a lazy string as written in each language of the interface, English first.

    For reading what people type or upload (a column header, a status) in any of them.
    """
    found = []
    for locale in LOCALES.values():
        with force_locale(locale):
            found.append(str(text))
    return list(dict.fromkeys(found))


def _template_context() -> dict[str, Any]:
    page_language = current_language()
    return {
        "languages": LANGUAGES,
        "current_language": page_language,
        # The switch marks the visitor's language. A page written in one of its own (an
        # invitation, the question whether to switch) has switched nothing; any other page,
        # a stored one too, is written in the visitor's.
        "switch_language": own_language() if known(g.get(PAGE_KEY)) else page_language,
    }


def init_app(app: Flask) -> None:
    """Choose each request's language and give templates the list for the switcher."""
    from app.core.extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    # The templates' messages through the catalogue held for the request (`translations`).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda string: translations().ugettext(string),
        lambda singular, plural, num: translations().ungettext(singular, plural, num),
        newstyle=True,
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: translations().unpgettext(
            context, singular, plural, num
        ),
    )
    app.context_processor(_template_context)
    # {% trans %} blocks are written over several lines; their message is one line.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
