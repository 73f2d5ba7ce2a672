"""360 pinned XSS payloads in every text and Markdown field, on every page that shows them.

In Chromium, under the real Content-Security-Policy: no dialog opens, no script element or
event handler reaches the page, no link or frame points at javascript:, and the policy never
has to block anything (a blocked attempt would mean markup got through).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).resolve().parents[1] / "data" / "xss-payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]

INSPECT = """() => {
  const main = document.querySelector('main');
  const all = [...main.querySelectorAll('*')];
  const executable = (value) => (value || '').toLowerCase().replace(/[\\s\\x00-\\x1f]/g, '')
      .startsWith('javascript:');
  return {
    scripts: [...main.querySelectorAll('script')].filter(s => s.type !== 'application/json')
        .map(s => s.outerHTML.slice(0, 80)),
    handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on')))
        .map(e => e.outerHTML.slice(0, 80)),
    javascript_urls: all.filter(e => ['href', 'src', 'action', 'formaction', 'data',
        'xlink:href'].some(n => executable(e.getAttribute(n)))).map(e => e.outerHTML.slice(0, 80)),
    frames: [...main.querySelectorAll('iframe, object, embed, base, meta, link, style')]
        .map(e => e.outerHTML.slice(0, 80)),
  };
}"""


def test_payload_count_is_as_pinned():
    assert len(PAYLOADS) == 360 and len(set(PAYLOADS)) == 360


@pytest.fixture
def everywhere(catalogue, two_institutions):
    """Every text field the pages show, filled with the payloads."""
    from app.core.extensions import db
    from app.indicators.models import Indicator, Measurement
    from app.institutions.models import Institution, Unit
    from app.planner.models import Activity, Plan
    from app.practices import services as practices

    people, ids = two_institutions
    practice = practices.get_practice("hosting-a-study-visit")
    sheet = practices.sheet_from_practice(practice)
    practices.save_sheet(
        practice,
        sheet.model_copy(
            update={
                "body": "\n\n".join(PAYLOADS),
                "summary": PAYLOADS[0],
                "considerations": PAYLOADS[:40],
                "challenges": PAYLOADS[40:80],
            }
        ),
        author=people["admin"],
    )
    institution = db.session.get(Plan, ids["plan"]).institution
    assert isinstance(institution, Institution)
    institution.description = "\n".join(PAYLOADS)
    institution.units.extend(Unit(name=payload[:200], kind="other") for payload in PAYLOADS[80:100])
    people["viewer"].name = PAYLOADS[100][:200]
    plan = db.session.get(Plan, ids["plan"])
    plan.title = PAYLOADS[101][:200]
    plan.goals_text = "\n".join(PAYLOADS)
    for n, payload in enumerate(PAYLOADS[:120]):
        db.session.add(
            Activity(
                plan=plan,
                title=payload[:200],
                start_date=date(2027, 1 + n % 12, 1 + n % 27),
                notes=payload,
                evaluation=PAYLOADS[-1 - n],
                partners=[PAYLOADS[120 + n][:200]],
                host=PAYLOADS[240 + n][:200],
                responsible=payload[:200],
            )
        )
    for n, payload in enumerate(PAYLOADS[240:300]):
        indicator = Indicator(
            plan=plan,
            name=payload[:300],
            description=PAYLOADS[n],
            frequency="quarterly",
            target_value=10,
        )
        indicator.measurements.append(
            Measurement(
                period_key="2027-Q1",
                period_start=date(2027, 1, 1),
                period_end=date(2027, 3, 31),
                value=n % 10,
                note=PAYLOADS[300 + n],
            )
        )
        db.session.add(indicator)
    db.session.commit()
    first_activity = min(a.id for a in plan.activities)
    first_indicator = min(i.id for i in db.session.query(Indicator).filter_by(plan_id=plan.id))
    return [
        "/practices",
        "/practices?q=study+visit",
        "/practices/hosting-a-study-visit",
        "/practices/compare?slugs=hosting-a-study-visit,sending-staff-on-job-shadowing",
        "/practices/hosting-a-study-visit/history",
        "/practices/hosting-a-study-visit/edit",
        "/institutions/uni-a",
        "/institutions/uni-a/edit",
        "/institutions/uni-a/members",
        "/institutions/uni-a/overview",
        "/plans",
        f"/plans/{plan.id}",
        f"/plans/{plan.id}?group=month",
        f"/plans/{plan.id}/edit",
        f"/plans/{plan.id}/activities/{first_activity}/edit",
        f"/plans/{plan.id}/activities/{first_activity}/delete",
        f"/plans/{plan.id}/indicators",
        f"/plans/{plan.id}/indicators/{first_indicator}",
        f"/plans/{plan.id}/indicators/{first_indicator}/edit",
        f"/plans/{plan.id}/values?window=2027-Q1",
        f"/plans/{plan.id}/values/import",
        f"/plans/{plan.id}/dashboard",
        f"/plans/{plan.id}/report",
    ]


def test_payloads_run_nothing_on_any_page(live_server, browser, everywhere, two_institutions):
    people, _ = two_institutions
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    blocked: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: blocked.append(str(error)))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and ("Content Security Policy" in m.text or "CSP" in m.text)
            and blocked.append(m.text)
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective));"
    )
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(people["admin"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/practices")
    found = {}
    for path in everywhere:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("load")
        if page.locator("[data-figure]").count():
            page.locator(".chart svg.main-svg").first.wait_for()
        inspected = page.evaluate(INSPECT)
        if any(inspected.values()):
            found[path] = inspected
    context.close()
    assert dialogs == []
    assert blocked == []
    assert found == {}


def test_the_inspection_finds_markup_that_got_through(browser):
    page = browser.new_page()
    page.set_content(
        "<main><img src=x onerror=alert(1)><a href=' java\tscript:alert(1)'>x</a>"
        "<script>1</script><iframe></iframe><script type='application/json'>{}</script></main>"
    )
    found = page.evaluate(INSPECT)
    page.close()
    assert len(found["scripts"]) == 1 and len(found["handlers"]) == 1
    assert len(found["javascript_urls"]) == 1 and len(found["frames"]) == 1
