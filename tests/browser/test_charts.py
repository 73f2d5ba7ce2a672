"""Plotly's styles are served as files, exactly the ones plotly.js would inject."""

from __future__ import annotations

import pytest

from tests.browser.plotly_css import injected_styles, vendored_styles

pytestmark = pytest.mark.browser


def test_vendored_plotly_styles_match_what_plotly_js_injects(browser):
    assert vendored_styles() == injected_styles(browser), (
        "plotly changed its styles: run python -m tests.browser.plotly_css"
    )
