"""Indicators and their charts in Finnish, Swedish and English: words, numbers and files."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal as D

import pytest
from babel.messages.catalog import Catalog
from flask_babel import refresh
from sqlalchemy import select

from app.charts.figures import ProgressRow, SeriesPoint, indicator_chart, progress_chart
from app.core.extensions import db
from app.core.formatting import percent
from app.indicators import imports
from app.indicators.display import measure
from app.indicators.models import Measurement
from app.indicators.periods import parse_key, period_of
from tests.indicators.test_presentation import world  # noqa: F401 - a fixture
from tests.indicators.test_views import _as, _plan_indicator, mid_2027  # noqa: F401

NBSP = "\u00a0"
PERIOD = (date(2027, 1, 1), date(2027, 12, 31))
POINTS = [
    SeriesPoint("Q1", date(2027, 3, 31), D("1234.5"), D(1000)),
    SeriesPoint("Q2", date(2027, 6, 30), D(2500), None),
]


def said(catalogue: Catalog | None, msgid: str | tuple[str, str], **values: object) -> str:
    """Return a message as the catalogue translates it (English without one), filled in."""
    text = msgid if isinstance(msgid, str) else msgid[0]
    if catalogue is not None:
        found = catalogue.get(msgid if isinstance(msgid, str) else msgid[0])
        assert found is not None and found.string, f"{msgid!r} is not translated"
        text = found.string if isinstance(found.string, str) else found.string[0]
    return text % values if values else text


@contextmanager
def _in(app, language: str) -> Iterator[None]:
    """Work as a request in a language does (Flask-Babel forgets the locale it chose)."""
    with app.test_request_context(headers={"Accept-Language": language}):
        refresh()
        yield


def _euro_chart():
    return indicator_chart(
        "Apurahat",
        POINTS,
        baseline=D(0),
        target=D(40201),
        unit="€",
        period=PERIOD,
        cumulative=True,
        unit_key="euros",
    )


def test_a_chart_in_finnish_has_finnish_words_separators_and_money(app, catalogues):
    fi = catalogues["fi"]
    with _in(app, "fi"):
        chart = _euro_chart()
    figure = chart.figure
    assert chart.title == said(fi, "%(name)s: values over time", name="Apurahat")
    assert chart.title != "Apurahat: values over time"
    names = {trace["name"] for trace in figure["data"]}
    assert names == {said(fi, w) for w in ("Value", "Running total", "Baseline", "Target")} | {
        said(fi, "Period target")
    }
    assert "Value" not in names
    # A decimal comma and a no-break space between thousands: 1 234,5.
    assert figure["layout"]["separators"] == "," + NBSP
    value = next(t for t in figure["data"] if t["name"] == said(fi, "Value"))
    # The euro sign after the amount, as Finnish writes it; the day as 31.3.2027.
    assert f"%{{y:,.2f}}{NBSP}€" in value["hovertemplate"]
    assert "€%{y" not in value["hovertemplate"]
    assert value["xhoverformat"] == "%-d.%-m.%Y"
    assert figure["layout"]["yaxis"]["ticksuffix"] == NBSP + "€"
    # The values stay numbers: the figure is data, the page formats it.
    assert value["y"] == [1234.5, 2500.0]
    # Plotly names the months of the date axis from the locale the config defines.
    config = figure["config"]
    assert config["locale"] == "fi-FI"
    months = config["locales"]["fi-FI"]["format"]["months"]
    assert months[2] == "maaliskuu"
    assert chart.table.columns == [said(fi, w) for w in ("Period", "Ends", "Value", "Target")]


def test_the_same_chart_in_english_and_swedish(app, catalogues):
    with _in(app, "en"):
        english = _euro_chart().figure
    with _in(app, "sv"):
        swedish = _euro_chart()
    assert english["layout"]["separators"] == ".,"
    assert "€%{y:,.2f}" in english["data"][0]["hovertemplate"]
    assert english["config"]["locale"] == "en-GB"
    assert swedish.figure["layout"]["separators"] == "," + NBSP
    assert swedish.title == said(catalogues["sv"], "%(name)s: values over time", name="Apurahat")
    assert swedish.figure["config"]["locales"]["sv-FI"]["format"]["months"][2] == "mars"


def test_progress_reads_percentages_as_the_language_writes_them(app, catalogues):
    rows = [ProgressRow("Partners", D("72.5"), D(50), "at_risk", "At risk")]
    with _in(app, "fi"):
        finnish = progress_chart(rows)
        assert percent(D("72.5")) == f"72,5{NBSP}%"
    with _in(app, "en"):
        english = progress_chart(rows)
        assert percent(D("72.5")) == "72.5%"
    fi = catalogues["fi"]
    assert finnish.figure["layout"]["xaxis"]["ticksuffix"] == NBSP + "%"
    assert finnish.title == said(fi, "Indicators: progress towards their targets")
    target = next(t for t in finnish.figure["data"] if t.get("mode") == "lines")
    assert target["name"] == said(fi, "Target (%(share)s)", share=f"100{NBSP}%")
    assert english.figure["layout"]["xaxis"]["ticksuffix"] == "%"


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_yes_and_no_read_as_words_in_each_language(app, catalogues, language):
    catalogue = catalogues.get(language)
    yes, no = said(catalogue, "Yes"), said(catalogue, "No")
    with _in(app, language):
        assert (measure(D(1), "yes-no"), measure(D(0), "yes-no")) == (yes, no)
        chart = indicator_chart(
            "Sivu julkaistu",
            [SeriesPoint("Q1", date(2027, 3, 31), D(1), D(1))],
            baseline=D(0),
            target=D(1),
            unit="",
            period=PERIOD,
            unit_key="yes-no",
        )
    assert chart.figure["layout"]["yaxis"]["ticktext"] == [no, yes]
    assert chart.figure["data"][0]["text"] == [yes]
    assert {"en": ("Yes", "No"), "fi": ("Kyllä", "Ei"), "sv": ("Ja", "Nej")}[language] == (yes, no)


def test_the_indicator_pages_show_yes_and_no_in_finnish(client, world, catalogues):  # noqa: F811
    ids, _ = world
    fi = catalogues["fi"]
    page = client.get(
        f"/plans/{ids['plan']}/indicators", headers={"Accept-Language": "fi"}
    ).get_data(as_text=True)
    yes, no = said(fi, "Yes"), said(fi, "No")
    assert re.search(rf"<td>{no}</td>\s*<td>{yes}</td>\s*<td>{yes}</td>", page)
    assert f'<th scope="col">{said(fi, "Achieved")}</th>' in page and ">Achieved<" not in page
    # Thousands with a no-break space and money with the euro sign after it.
    assert f"40{NBSP}201" in page and f"25{NBSP}000,00{NBSP}€" in page


def test_periods_are_named_in_the_readers_language(app, catalogues):
    fi = catalogues["fi"]
    with _in(app, "fi"):
        quarter = period_of("quarterly", date(2027, 2, 1))
        month = period_of("monthly", date(2027, 3, 5))
        spring = parse_key("term", "2027-T1")
    assert quarter.key == "2027-Q1"
    assert quarter.label == said(fi, "Q%(quarter)d %(year)d", quarter=1, year=2027)
    assert month.label == "maaliskuu 2027"
    assert spring.label == said(fi, "Spring term %(year)d", year=2027)
    with _in(app, "en"):
        assert period_of("quarterly", date(2027, 2, 1)).label == "Q1 2027"


def _csv(rows: list[list[str]]) -> tuple[io.BytesIO, str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return io.BytesIO(buffer.getvalue().encode("utf-8")), "arvot.csv"


def test_an_import_with_finnish_headers_records_the_values(client, setup, catalogues):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    published = _plan_indicator(
        client, ids, name="Page published", unit="yes-no", aggregation="latest", target_value="1"
    )
    fi = catalogues["fi"]
    header = [said(fi, name) for name in ("indicator_id", "period", "value", "note")]
    assert header != ["indicator_id", "period", "value", "note"]
    rows = [
        header,
        [str(indicator.id), "2027-Q1", "3", "osallistujalistasta"],
        # A yes/no value may be written as the word, in any of the languages.
        [str(published.id), "2027-Q1", said(fi, "Yes"), ""],
        [str(published.id), "2027-Q2", "Nej", ""],
    ]
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv(rows)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "fi"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    found = {
        (m.indicator_id, m.period_key): (m.value, m.note)
        for m in db.session.scalars(select(Measurement))
    }
    assert found == {
        (indicator.id, "2027-Q1"): (D(3), "osallistujalistasta"),
        (published.id, "2027-Q1"): (D(1), ""),
        (published.id, "2027-Q2"): (D(0), ""),
    }


def test_a_problem_of_an_import_is_told_in_finnish(client, setup, catalogues):
    people, ids = setup
    _as(client, people, "planner")
    share = _plan_indicator(client, ids, name="Share", unit="percent", aggregation="latest")
    fi = catalogues["fi"]
    rows = [["indikaattori_id", "jakso", "arvo"], [str(share.id), "2027-Q1", "150"]]
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv(rows)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "fi"},
    )
    assert response.status_code == 400
    expected = said(
        fi,
        "row %(row)d, column %(column)s: %(problem)s",
        row=2,
        column=said(fi, "value"),
        problem=said(fi, "a percentage is between 0 and 100"),
    )
    assert expected in response.get_data(as_text=True)


def test_the_values_file_has_headers_in_the_readers_language_and_plain_numbers(
    client,
    world,  # noqa: F811 - the fixture
    catalogues,
):
    ids, _ = world
    sv = catalogues["sv"]
    text = client.get(
        f"/plans/{ids['plan']}/values/file.csv", headers={"Accept-Language": "sv"}
    ).get_data(as_text=True)
    assert text.startswith("\ufeff")  # the byte order mark, which the import reads past
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert lines[0] == [said(sv, column) for column in imports.COLUMNS]
    assert lines[0][0] == "indikator_id"
    # Machine-readable values: a point, no grouping, yes/no as 1 or 0.
    assert any(row[3] == "12345.00" for row in lines[1:])
    assert not any("," in row[3] or NBSP in row[3] for row in lines[1:])


def test_a_file_without_a_required_column_is_told_so_in_swedish(client, setup, catalogues):
    people, ids = setup
    _as(client, people, "planner")
    indicator = _plan_indicator(client, ids)
    sv = catalogues["sv"]
    rows = [["indikator_id", "värde", "färg"], [str(indicator.id), "3", "blå"]]
    response = client.post(
        f"/plans/{ids['plan']}/values/import",
        data={"file": _csv(rows)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    missing = said(sv, "period")
    assert said(sv, "header: missing column(s) %(names)s", names=missing) in page
    assert "färg" in page and said(sv, "value") in page


@pytest.mark.parametrize("language", ["en", "fi"])
def test_a_chart_table_shows_each_cell_by_its_columns_format(app, language):
    """The table beside a chart: text as it is, days and units in the reader's language, an
    empty cell as a dash, and a column without a format as it came."""
    from app.charts.figures import Table
    from app.core.formatting import day, money
    from app.indicators.display import shown_rows

    table = Table(
        columns=["Period", "Ends", "Spent", "Share", "Done", "Note"],
        rows=[
            ["Q1", date(2027, 3, 31), D("1234.5"), D("42.5"), D(1), "as planned"],
            ["Q2", None, None, D(50), D(0), None],
        ],
        formats=[None, "day", "euros", "percent", "yes-no"],
    )
    with _in(app, language):
        rows = shown_rows(table)
        expected = [
            [
                "Q1",
                day(date(2027, 3, 31)),
                money(D("1234.5")),
                percent(D("42.5")),
                measure(D(1), "yes-no"),
                "as planned",
            ],
            ["Q2", "–", "–", percent(50), measure(D(0), "yes-no"), "–"],
        ]
    assert rows == expected
    assert rows[0][2] == {"en": "€1,234.50", "fi": f"1{NBSP}234,50{NBSP}€"}[language]
