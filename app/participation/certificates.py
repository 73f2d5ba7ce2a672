"""Certificates of attendance as PDF (fpdf2), in the participant's language.

What Erasmus+ staff mobility asks of one: the person, their institution, the event with its
dates and place, the days attended, and the host institution's signature block. Names come in
every script, so the fonts are bundled (app/static/fonts: DejaVu Sans, with Droid Sans
Fallback for Chinese, Japanese and Korean), and a fresh clone needs nothing installed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from app.applications.models import Application
from app.core.formatting import day
from app.core.i18n import locale_of
from app.participation.exports import country_name

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVuSans"
FALLBACK = "DroidSansFallback"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _line(text: str) -> str:
    """Make a person's text one printable line (no control characters, no line breaks)."""
    return " ".join(_CONTROLS.sub(" ", unicodedata.normalize("NFC", text)).split())


def _institution(application: Application) -> str:
    if application.home_institution is not None:
        return application.home_institution.name
    return application.institution_name


def certificate_pdf(
    application: Application, days: list[date], issued: datetime, *, compress: bool = True
) -> bytes:
    """Write a participant's certificate of attendance of the given days."""
    event = application.event
    with force_locale(locale_of(application.language)):
        pdf = FPDF(format="A4")
        pdf.set_compression(compress)
        pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.add_font(FALLBACK, "", str(FONTS / "DroidSansFallback.ttf"))
        # Characters DejaVu lacks (Chinese, Japanese, Korean) come from the fallback, bold too.
        pdf.set_fallback_fonts([FALLBACK], exact_match=False)
        host = _line(event.institution.name)
        title = _("Certificate of attendance")
        pdf.set_title(title)
        pdf.set_author(host)
        pdf.set_subject(_line(event.title))
        pdf.set_creator("Staff Capacity Planner")
        pdf.set_margins(25, 25, 25)
        pdf.set_auto_page_break(True, margin=25)
        pdf.add_page()
        width = pdf.epw

        def write(
            text: str, size: float, style: str = "", gap: float = 2, align: str = "L"
        ) -> None:
            pdf.set_font(FONT, style, size)
            pdf.multi_cell(
                width,
                size * 0.5,
                text,
                align=align,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            pdf.ln(gap)

        write(host, 12, "B", gap=14)
        write(title, 24, "B", gap=10, align="C")
        write(_("This is to certify that"), 12, gap=4, align="C")
        write(_line(application.name), 20, "B", gap=3, align="C")
        origin = _institution(application)
        country = country_name(application.country)
        if origin and country:
            origin = _("%(institution)s, %(country)s", institution=_line(origin), country=country)
        if origin:
            write(_line(origin), 12, gap=8, align="C")
        place = _line(event.place) or host
        if event.starts_on == event.ends_on:
            took_part = _(
                "took part in %(event)s, hosted by %(host)s in %(place)s on %(date)s, in the "
                "track %(track)s.",
                event=_line(event.title),
                host=host,
                place=place,
                date=day(event.starts_on, "long"),
                track=_line(application.track.title),
            )
        else:
            took_part = _(
                "took part in %(event)s, hosted by %(host)s in %(place)s from %(start)s to "
                "%(end)s, in the track %(track)s.",
                event=_line(event.title),
                host=host,
                place=place,
                start=day(event.starts_on, "long"),
                end=day(event.ends_on, "long"),
                track=_line(application.track.title),
            )
        write(took_part, 12, gap=8)
        count = len(days)
        write(
            _("Days attended: %(count)s of %(total)s", count=count, total=len(event.days())),
            12,
            "B",
            gap=2,
        )
        for attended in days:
            write(f"•  {day(attended, 'full')}", 12, gap=0)
        pdf.ln(14)
        issued_on = day(issued, "long")
        write(
            _("%(place)s, %(date)s", place=_line(event.place) or host, date=issued_on),
            12,
            gap=22,
        )
        # The signature block: a line to sign on, the signatory's name, title and institution.
        pdf.set_draw_color(40, 40, 40)
        y = pdf.get_y()
        pdf.line(pdf.l_margin, y, pdf.l_margin + 80, y)
        pdf.ln(2)
        if event.signatory_name:
            write(_line(event.signatory_name), 12, "B", gap=0)
        if event.signatory_title:
            write(_line(event.signatory_title), 11, gap=0)
        write(host, 11, gap=0)
        return bytes(pdf.output())


def download_name(application: Application) -> str:
    """Say how to save a certificate (RFC 6266): an ASCII name, and the Unicode one too."""
    with force_locale(locale_of(application.language)):
        word = _("certificate")
    stems = []
    for ascii_only in (True, False):
        text = unicodedata.normalize("NFKD" if ascii_only else "NFC", f"{word} {application.name}")
        if ascii_only:
            text = text.encode("ascii", "ignore").decode("ascii")
        stems.append("-".join(re.findall(r"[^\W_]+", text.lower()))[:80].strip("-") or "cert")
    fallback = f"{stems[0]}.pdf"
    header = f'attachment; filename="{fallback}"'
    if stems[1] != stems[0]:
        header += f"; filename*=UTF-8''{quote(stems[1] + '.pdf', safe='')}"
    return header
