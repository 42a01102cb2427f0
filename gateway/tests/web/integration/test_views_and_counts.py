"""What lists and counts show, against the real services: the case list's views and filters."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from webkit import HTML, text


def _tab_links(page: str) -> dict[str, dict[str, list[str]]]:
    nav = page[page.index('id="case-views"'):]
    links = re.findall(r'<a href="([^"]+)" class="tab-button"', nav[:nav.index("</nav>")])
    return {parse_qs(urlsplit(link.replace("&amp;", "&")).query)["visning"][0]:
            parse_qs(urlsplit(link.replace("&amp;", "&")).query) for link in links}


def test_the_view_tabs_keep_the_filters_and_the_heading_names_the_view(browser_of):
    rita = browser_of("rita")
    page = text(rita.get("/sager?visning=delt&vis=alle&q=printer&sortering=created_at", headers=HTML))
    assert "<h1>Delt med mig</h1>" in page and "<title>Delt med mig" in page
    tabs = _tab_links(page)
    assert set(tabs) == {"mine", "delt", "organisation"}
    for query in tabs.values():
        assert (query["vis"], query["q"], query["sortering"]) == (["alle"], ["printer"], ["created_at"])
    assert 'hx-select-oob="#case-count:innerHTML,#case-views"' in page  # the filters' htmx swap renews the tabs
    plain = _tab_links(text(rita.get("/sager", headers=HTML)))
    assert plain["organisation"] == {"visning": ["organisation"], "vis": ["aaben"]}
    assert "<h1>Mine sager</h1>" in text(rita.get("/sager?visning=mine", headers=HTML))
