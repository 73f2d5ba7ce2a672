"""Every state change needs the form's CSRF token; none happens on GET."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.conftest import PASSWORD, make_config


@pytest.fixture
def csrf_client(migrated_database):
    app = create_app(make_config(migrated_database, WTF_CSRF_ENABLED=True))
    return app.test_client()


def test_sign_in_without_the_token_is_refused(csrf_client, make_user):
    make_user("ana@example.org")
    response = csrf_client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_sign_in_with_the_token_from_the_form_works(csrf_client, make_user):
    import re

    make_user("ana@example.org")
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_sign_out_without_the_token_is_refused(csrf_client):
    assert csrf_client.post("/logout").status_code == 400


def test_no_route_changes_state_on_get(app):
    # Views that change something on POST and have no GET page of their own. (Removals ask
    # first: their GET is a confirmation page, which the access matrix checks changes no row.)
    changing = {
        "accounts.logout",
        "institutions.add_unit",
        "institutions.add_membership",
        "institutions.add_partnership",
        "accounts.invite",
        "accounts.change_role",
        "planner.adopt",
        "practices.restore",
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint in changing:
            assert "GET" not in rule.methods, rule.rule


def test_confirmation_pages_change_nothing_on_get(client, make_user, make_institution):
    from tests.conftest import login

    institution = make_institution("uni-a")
    make_user("boss@example.org", institution=institution, role="manager")
    ana = make_user("ana@example.org", institution=institution, role="viewer")
    login(client, "boss@example.org")
    client.get(f"/institutions/uni-a/members/{ana.id}/remove")
    assert [r.role for r in ana.roles] == ["viewer"]


def test_flask_wtf_own_hook_is_off_and_ours_checks_every_changing_method(migrated_database):
    # The check runs in app.core.security.init_csrf; Flask-WTF's hook is turned off by config.
    app = create_app(make_config(migrated_database, WTF_CSRF_ENABLED=True))
    assert app.config["WTF_CSRF_CHECK_DEFAULT"] is False

    @app.route("/_changes", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def _changes():
        return "changed"

    client = app.test_client()
    assert client.get("/_changes").status_code == 200
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.open("/_changes", method=method)
        assert response.status_code == 400, method
        assert "CSRF" in response.get_data(as_text=True)


def test_a_view_marked_exempt_stays_exempt(csrf_client):
    # The language switch confirms on a page of its own instead of refusing (accounts/views.py).
    # Without the exemption Flask-WTF's refusal would answer, naming the missing token.
    response = csrf_client.post("/language", data={"language": "fi", "next": "/practices"})
    page = response.get_data(as_text=True)
    assert 'action="/language"' in page
    assert 'name="csrf_token"' in page
    assert "token is missing" not in page


@pytest.mark.parametrize(
    ("language", "question", "back"),
    [
        ("fi", "Näytetäänkö sivut tällä kielellä?", "Ei, palaa sivulle"),
        ("sv", "Visa sidorna på det här språket?", "Nej, gå tillbaka till sidan"),
    ],
)
def test_the_language_confirmation_asks_in_the_chosen_language_and_offers_a_way_back(
    csrf_client, language, question, back
):
    # A visitor who chose Suomi without JavaScript may not read the language they came in.
    response = csrf_client.post("/language", data={"language": language, "next": "/practices"})
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}"' in page
    assert question in page
    assert f'<a href="/practices">{back}</a>' in page
    # Nothing has switched yet: the header's switch marks the visitor's language, English.
    assert _marked_in_switch(page) == ["en"]
    # Asked, not switched: the next page is as before.
    assert '<html lang="en"' in csrf_client.get("/practices").get_data(as_text=True)


def _marked_in_switch(page: str) -> list[str]:
    """Return the languages the header's switch marks as the current one."""
    return re.findall(r'<button[^>]*value="(\w+)"[^>]*aria-current="true"', page)


def test_the_switch_marks_the_language_of_an_ordinary_page(csrf_client):
    page = csrf_client.get("/practices", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert _marked_in_switch(page) == ["sv"]


def test_a_way_back_from_the_language_confirmation_stays_on_this_site(csrf_client):
    response = csrf_client.post("/language", data={"language": "xx", "next": "https://evil.test/"})
    page = response.get_data(as_text=True)
    assert "evil.test" not in page
    assert '<a href="/practices">' in page
