"""Single-line fields of the institution pages refuse line breaks and control characters.

A CRLF in an institution's name broke the calendar feed and the invitation email's headers;
every one-line field now refuses CR, LF, NUL and the other control characters at input, and
free text keeps its line breaks but refuses the rest.
"""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.institutions.models import Institution, Network
from app.institutions.schemas import InstitutionEntry
from tests.conftest import login

BAD = [
    "Uni\r\nBcc: x@example.org",
    "Two\nlines",
    "Nul\x00",
    "Tab\there",
    "Bell\x07",
    "next\x85line",
]


@pytest.fixture
def manager(client, make_institution, make_user):
    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    db.session.add(
        Network(slug="una-europa", name="Una Europa", kind="european-university-alliance")
    )
    db.session.commit()
    login(client, "boss@example.org")
    return institution


def _profile(**changes: str) -> dict[str, str]:
    return {
        "name": "University A",
        "country": "Finland",
        "kind": "research-university",
        "website": "",
        "description": "",
        **changes,
    }


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("field", ["name", "country", "website"])
def test_the_profile_refuses_a_control_character_in_a_line(client, manager, field, bad):
    value = f"https://uni-a.example/{bad}" if field == "website" else bad
    response = client.post("/institutions/uni-a/edit", data=_profile(**{field: value}))
    assert response.status_code == 400
    db.session.expire_all()
    stored = db.session.get(Institution, manager.id)
    assert getattr(stored, field) != value


def test_the_description_keeps_line_breaks_but_refuses_nul(client, manager):
    kept = client.post("/institutions/uni-a/edit", data=_profile(description="One\r\nTwo"))
    assert kept.status_code == 302
    refused = client.post("/institutions/uni-a/edit", data=_profile(description="One\x00"))
    assert refused.status_code == 400
    assert "control characters" in refused.get_data(as_text=True)


@pytest.mark.parametrize("bad", BAD)
def test_units_partners_and_memberships_refuse_it(client, manager, bad):
    posts = [
        ("/institutions/uni-a/units", {"unit-name": bad, "unit-kind": "international-office"}),
        ("/institutions/uni-a/partnerships", {"partner-partner_name": bad}),
        (
            "/institutions/uni-a/partnerships",
            {"partner-partner_name": "P", "partner-partner_country": bad},
        ),
        (
            "/institutions/uni-a/memberships",
            {"membership-network": "una-europa", "membership-role": bad},
        ),
    ]
    for url, data in posts:
        client.post(url, data=data)
    db.session.expire_all()
    stored = db.session.get(Institution, manager.id)
    assert stored.units == [] and stored.partnerships == [] and stored.memberships == []


@pytest.mark.parametrize("bad", BAD)
def test_the_reference_data_schema_refuses_it(bad, vocab):
    entry = {"slug": "uni-x", "name": bad, "country": "Finland", "kind": "research-university"}
    with pytest.raises(ValueError, match="single line"):
        InstitutionEntry.model_validate(entry, context={"vocab": vocab})
