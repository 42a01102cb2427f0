"""How pages show times, sizes and the SLA's remaining business time, in Danish and English."""

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import get_babel

from gateway.web import formatting
from gateway.web.formatting import day, filesize, local_to_rfc3339, remaining, to_local_input, when
from servicekit.i18n import init_babel

GATEWAY_PACKAGE = Path(formatting.__file__).resolve().parents[1]  # holds the translations/ catalogue


@pytest.fixture
def danish():
    app = Flask("gateway.app", root_path=str(GATEWAY_PACKAGE))
    init_babel(app)
    app.secret_key = "x"
    with app.test_request_context("/", headers={"Accept-Language": "da"}):
        get_babel().timezone_selector = lambda: "Europe/Copenhagen"
        yield


def test_a_time_is_shown_in_danish_time_the_way_the_portal_writes_it(danish):
    # 09:06 UTC in November is 10:06 in Copenhagen (seed 000: "22. april 2024 kl. 10.06").
    assert when("2026-11-20T09:06:00Z") == "20. november 2026 kl. 10.06"


def test_a_form_time_without_zone_is_read_as_danish_time():
    assert local_to_rfc3339("2026-07-01T15:00") == "2026-07-01T15:00:00+02:00"
    assert local_to_rfc3339("2026-12-01T15:00") == "2026-12-01T15:00:00+01:00"
    assert local_to_rfc3339("") is None
    assert to_local_input("2026-07-01T13:00:00Z") == "2026-07-01T15:00"


def test_remaining_time_counts_days_hours_and_minutes_and_says_when_it_is_overdue(danish):
    assert remaining(3 * 3600 + 20 * 60) == "3 t 20 min"
    assert remaining(86400 + 60) == "1 d 0 t 1 min"
    assert remaining(-(3600 + 5 * 60)) == "overskredet med 1 t 5 min"
    assert remaining(None) == ""


def test_file_sizes_are_short_and_human(danish):
    assert filesize(512) == "512 B"
    assert filesize(123456) == "123,5 kB"
    assert filesize(5_000_000) == "5 MB"


def test_a_charts_day_is_written_the_way_the_language_writes_it(danish):
    assert day("2026-12-02") == "2. dec."
    assert day("2026-11-30T23:30:00Z") == "1. dec."  # already 1 December in Copenhagen


def test_a_charts_day_in_english():
    app = Flask("gateway.app", root_path=str(GATEWAY_PACKAGE))
    init_babel(app)
    app.secret_key = "x"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        get_babel().timezone_selector = lambda: "Europe/Copenhagen"
        assert day("2026-12-02") == "Dec 2"
