"""The main pages on a phone (375 x 812): nothing wider than the screen, and axe-core finds no serious or
critical violation. Screenshots are kept under test-artifacts/screenshots/phone-*.png."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PHONE = {"width": 375, "height": 812}


def fits_the_screen(someone, name: str) -> None:
    someone.checked(name)
    widths = someone.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{someone.page.url} is {widths[0]} px wide on a {widths[1]} px screen"


def test_the_main_pages_fit_a_phone(person, accessibility_findings):
    before = len(accessibility_findings)
    rita = person("rita", viewport=PHONE)
    rita.log_in()
    fits_the_screen(rita, "phone-01-forside")
    rita.open("/sager/ny")
    fits_the_screen(rita, "phone-02-opret-sag")
    rita.page.get_by_label("Titel").fill("Skærmen flimrer på min telefon")
    rita.page.get_by_label("Beskrivelse").fill("Når jeg åbner lønsedlen, flimrer skærmen.")
    rita.page.get_by_role("button", name="Opret sag").click()
    rita.checked()
    expect(rita.page.get_by_role("heading", level=1)).to_have_text("Skærmen flimrer på min telefon")
    case_path = re.sub(r"^https?://[^/]+", "", rita.page.url)
    fits_the_screen(rita, "phone-03-sag-rekvirent")

    anne = person("anne", viewport=PHONE)
    anne.log_in()
    anne.open(case_path)
    fits_the_screen(anne, "phone-04-sag-agent")
    anne.open("/arbejdsbord")
    fits_the_screen(anne, "phone-05-arbejdsbord")
    charts_are_readable(anne)
    anne.open("/statistik")
    fits_the_screen(anne, "phone-06-statistik")
    charts_are_readable(anne)
    assert accessibility_findings[before:] == []


SMALLEST_CHART_TEXT = 12  # px on the screen


def charts_are_readable(someone) -> None:
    """The charts' text is drawn at a readable size; a chart wider than its card scrolls inside the card (a tab
    stop, so the keyboard scrolls it too), and one over time opens at its newest end."""
    charts = someone.page.evaluate("""() => Array.from(document.querySelectorAll(".web-chart-scroll")).map(box => {
        const svg = box.querySelector("svg");
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const sizes = Array.from(svg.querySelectorAll("text"), t => parseFloat(getComputedStyle(t).fontSize) * scale);
        return {smallest: Math.min(...sizes), scrolls: box.scrollWidth > box.clientWidth,
                inside: box.getBoundingClientRect().right <= window.innerWidth,
                at_newest: !("newestLast" in box.dataset) || box.scrollLeft + box.clientWidth >= box.scrollWidth - 1,
                tab_stop: box.getAttribute("tabindex") === "0"};
    })""")
    assert charts, f"{someone.page.url} shows no chart"
    for chart in charts:
        assert chart["smallest"] >= SMALLEST_CHART_TEXT, f"{someone.page.url}: chart text at {chart['smallest']:.1f} px"
        assert chart["scrolls"] and chart["inside"] and chart["at_newest"] and chart["tab_stop"], chart
