"""The walk of issue 8 in a real browser: a requester's case from creation to resolution, through the agents.

Every page walked is checked with axe-core (no serious or critical WCAG 2.1 AA violation) and the main
pages are kept as screenshots under test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

ATTACHMENT = ("fejlbesked.txt", b"Systemfejl 500 ved oprettelse af medarbejder\n", "text/plain")
TIMEOUT = 20_000


def test_a_case_walks_from_the_requester_through_support_and_drift_to_resolved(person, embedded,
                                                                                  accessibility_findings, tmp_path):
    rita = person("rita")
    rita.log_in()
    expect(rita.page.get_by_role("heading", level=1)).to_contain_text("Velkommen")
    rita.checked("01-forside-rekvirent")

    number, case_url = create_case_with_attachment(rita, tmp_path)
    see_case_in_my_cases(rita, number)
    reply(rita, "Jeg har vedhæftet fejlbeskeden. Det sker hver gang.")
    share_with_colleague(rita, embedded.people["rasmus"]["name"])

    rasmus = person("rasmus")
    rasmus.log_in()
    colleague_opens_the_shared_case(rasmus, number)

    anne = person("anne")
    anne.log_in()
    pick_from_the_queue(anne, number)
    write_internal_note(anne, "Intern: tjek serverloggen før vi svarer.")
    write_external_reply(anne, "Kære Rita, vi er i gang med at undersøge fejlen.")
    create_task_for_drift(anne)
    look_at_the_other_tabs(anne, case_url)

    rita.page.goto(case_url)
    rita.checked("08-sag-rekvirent-efter-svar")
    expect(rita.page.get_by_text("vi er i gang med at undersøge fejlen")).to_be_visible()
    expect(rita.page.get_by_text("tjek serverloggen")).to_have_count(0)
    expect(rita.page.get_by_text("Intern note")).to_have_count(0)
    drop_a_file_on_the_reply(rita, tmp_path)

    dennis = person("dennis")
    dennis.log_in()
    task_number = resolve_task_as_drift(dennis)

    resolve_case(anne, case_url)
    rita.page.goto(case_url)
    rita.checked()
    expect(rita.page.locator(".web-side-box").first).to_contain_text("Udført")
    description = rita.page.locator(".web-message-description header")
    expect(description).to_contain_text("oprettede sagen")  # an event with its time, never a status
    expect(description).not_to_contain_text("Registreret")

    quick_open_with_ctrl_o(anne, number, case_url)
    quick_open_a_number_without_its_prefix(anne, task_number)
    visit_statistics_and_notifications(anne)
    staff_page_in_english(anne, case_url)
    speak_english(rita, number)
    assert not accessibility_findings, accessibility_findings
    csp_errors = rita.csp_errors + rasmus.csp_errors + anne.csp_errors + dennis.csp_errors
    assert not csp_errors, f"a page broke the Content-Security-Policy: {csp_errors}"


def in_place(someone, act, announced: str) -> None:
    """act() changes the case or task without loading a new page: htmx swaps in the part it changed, and the
    outcome is announced in the page's live region."""
    someone.page.evaluate("() => { window.webSamePage = true; }")
    act()
    expect(someone.page.locator("#messages[aria-live=polite]")).to_contain_text(announced)
    someone.checked()
    assert someone.page.evaluate("() => window.webSamePage === true"), f"{someone.page.url} was loaded again"


def create_case_with_attachment(rita, tmp_path) -> tuple[str, str]:
    page = rita.page
    page.get_by_role("link", name="Opret sag").first.click()
    rita.checked()
    page.get_by_label("Titel").fill("Lønsystemet giver systemfejl")
    page.get_by_label("Beskrivelse").fill("Ved oprettelse af en ny medarbejder får jeg en systemfejl.")
    page.get_by_label("Haster").select_option("high")
    page.get_by_label("Produkt").fill("Løn")
    attachment = tmp_path / ATTACHMENT[0]
    attachment.write_bytes(ATTACHMENT[1])
    page.get_by_label("Vedhæftede filer").set_input_files(str(attachment))
    rita.checked("02-opret-sag")
    page.get_by_role("button", name="Opret sag").click()
    rita.checked("03-sag-rekvirent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lønsystemet giver systemfejl")
    expect(page.get_by_role("link", name=ATTACHMENT[0])).to_be_visible()
    number = page.locator(".web-case-number").inner_text().strip()
    assert re.fullmatch(r"SAG \d{4}-\d{4,}", number), number
    return number, page.url


def see_case_in_my_cases(rita, number: str) -> None:
    rita.open("/sager")
    expect(rita.page.get_by_text(number)).to_be_visible()
    rita.checked("03-mine-sager")
    rita.page.get_by_role("link", name=re.compile("Lønsystemet")).click()
    rita.checked()


def reply(rita, text: str) -> None:
    page = rita.page
    expect(page.locator(".breadcrumbs .icon-svg")).to_have_count(2)  # DKFDS's chevron between the crumbs
    page.get_by_label("Dit svar").fill(text)
    send = page.get_by_role("button", name="Send", exact=True)
    in_place(rita, send.click, "Dit svar er sendt.")
    expect(page.get_by_text(text)).to_be_visible()
    expect(send).to_be_focused()  # focus stays where the requester was
    expect(page.get_by_label("Dit svar")).to_have_value("")


def share_with_colleague(rita, name: str) -> None:
    page = rita.page
    page.get_by_label("Søg efter person").fill(name.split()[0])
    page.get_by_role("button", name="Søg", exact=True).click()
    page.get_by_label(re.compile(name)).check(timeout=TIMEOUT)
    expect(page.locator("[data-share-chosen]")).to_contain_text(name)
    in_place(rita, page.get_by_role("button", name="Del", exact=True).click, "Sagen er delt med 1")
    expect(page.locator(".web-followers")).to_contain_text(name)


def colleague_opens_the_shared_case(rasmus, number: str) -> None:
    rasmus.open("/sager?visning=delt")
    link = rasmus.page.get_by_role("link", name=re.compile("Lønsystemet"))
    expect(link).to_be_visible(timeout=TIMEOUT)
    rasmus.checked("04-delt-med-mig")
    link.click()
    rasmus.checked("04b-delt-sag-kollega")
    expect(rasmus.page.locator(".web-case-number")).to_have_text(number)
    expect(rasmus.page.get_by_text("Jeg har vedhæftet fejlbeskeden")).to_be_visible()


def pick_from_the_queue(anne, number: str) -> None:
    anne.open("/arbejdsbord")
    anne.checked("05-arbejdsbord")
    anne.open("/sager?visning=ufordelt")
    link = anne.page.get_by_role("link", name=re.compile("Lønsystemet"))
    expect(link).to_be_visible(timeout=TIMEOUT)
    link.click()
    anne.checked()
    in_place(anne, anne.page.get_by_role("button", name="Overtag sagen").click, "Du er nu sagsbehandler på sagen.")
    expect(anne.page.locator(".web-facts").first).to_contain_text("Anne Support")


def write_internal_note(anne, text: str) -> None:
    form = anne.page.locator("form.web-writer-internal")
    form.get_by_label("Intern note").fill(text)
    in_place(anne, form.get_by_role("button", name="Gem intern note").click, "Den interne note er gemt.")
    expect(anne.page.locator(".web-message-internal").filter(has_text=text)).to_be_visible()


def write_external_reply(anne, text: str) -> None:
    form = anne.page.locator("form.web-writer-external")
    form.get_by_label("Besked til rekvirenten").fill(text)
    in_place(anne, form.get_by_role("button", name="Send svar til rekvirenten").click, "Dit svar er sendt.")
    anne.checked("06-sag-agent")
    expect(anne.page.locator(".web-message-external").filter(has_text=text)).to_be_visible()


def create_task_for_drift(anne) -> None:
    page = anne.page
    page.get_by_role("link", name=re.compile(r"Opgaver \(0\)")).click()
    anne.checked()
    form = page.locator("form", has=page.get_by_role("button", name="Opret opgave"))
    form.get_by_label("Emne").fill("Genstart lønserveren")
    form.get_by_label("Beskrivelse").fill("Lønserveren svarer med fejl 500; genstart den og tjek loggen.")
    form.get_by_label("Team").select_option(label="Drift")
    in_place(anne, form.get_by_role("button", name="Opret opgave").click, "er oprettet.")
    anne.checked("07-opgaver-paa-sag")
    expect(page.get_by_role("link", name="Genstart lønserveren")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Opgaver \(1\)"))).to_be_visible()


def look_at_the_other_tabs(anne, case_url: str) -> None:
    anne.page.goto(case_url + "?fane=historik")
    anne.checked()
    expect(anne.page.locator(".web-timeline")).to_contain_text("oprettede sagen")
    anne.checked("07b-historik")
    anne.page.goto(case_url + "?fane=detaljer")
    anne.checked()
    expect(anne.page.get_by_role("heading", name="Relationer")).to_be_visible()
    anne.checked("07c-detaljer")


def drop_a_file_on_the_reply(rita, tmp_path) -> None:
    """Files dropped on the reply's file field become its files; one past the size limit is left out at once."""
    page = rita.page
    zone = "form.web-writer-external [data-file-drop]"
    files = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["Logfil fra lønsystemet\\n"], "trukket.txt", {type: "text/plain"}));
        const limit = Number(document.querySelector("[data-file-drop]").dataset.maxBytes);
        transfer.items.add(new File([new Uint8Array(limit + 1)], "for-stor.bin"));
        return transfer;
    }""")
    page.dispatch_event(zone, "drop", {"dataTransfer": files})
    expect(page.locator(f"{zone} .web-file-list")).to_have_text("trukket.txt")
    expect(page.locator(f"{zone} [data-file-error]")).to_contain_text("for-stor.bin er for stor")
    rita.checked()
    page.get_by_label("Dit svar").fill("Her er logfilen, trukket ind.")
    page.get_by_role("button", name="Send", exact=True).click()
    rita.checked()
    expect(page.get_by_role("link", name="trukket.txt")).to_be_visible()
    expect(page.get_by_role("link", name="for-stor.bin")).to_have_count(0)


def quick_open_with_ctrl_o(anne, number: str, case_url: str) -> None:
    page = anne.page
    anne.open("/arbejdsbord")
    page.keyboard.press("Control+o")
    expect(page.locator("#quick-open-dialog")).to_be_visible()
    expect(page.locator("#quick-open-number")).to_be_focused()
    anne.checked()
    page.keyboard.type(number.replace(" ", "").lower())
    page.keyboard.press("Enter")
    page.wait_for_url(case_url)
    anne.checked()


def quick_open_a_number_without_its_prefix(anne, task_number: str) -> None:
    """The task's YYMM-NNNN alone: the first case of the month has it too (this system has one task), so the
    agent chooses between them."""
    serial = task_number.split()[-1]
    anne.open(f"/aabn?nummer={serial}")
    expect(anne.page.get_by_role("heading", level=1)).to_have_text(f"{serial} er nummeret på både en sag og en opgave")
    anne.checked("13a-sag-eller-opgave")
    anne.page.get_by_role("link", name=re.compile(f"Opgave {task_number}")).click()
    anne.page.wait_for_url(re.compile(r"/opgaver/[0-9a-f-]{36}$"))
    expect(anne.page.locator(".web-number").first).to_have_text(task_number)


def visit_statistics_and_notifications(anne) -> None:
    anne.open("/statistik")
    expect(anne.page.locator("figcaption", has_text="Løsning inden for SLA pr. uge")).to_be_visible()
    anne.checked("13-statistik")
    charts_are_tab_stops_only_when_they_scroll(anne)
    anne.open("/notifikationer")
    expect(anne.page.get_by_role("heading", level=1)).to_have_text("Notifikationer")
    anne.checked("14-notifikationer")


def staff_page_in_english(anne, case_url: str) -> None:
    page = anne.page
    page.goto(case_url)
    page.get_by_role("button", name="English").click()
    anne.checked("15-case-staff-english")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Write on the case")).to_be_visible()
    anne.open("/arbejdsbord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Workspace")
    anne.checked()
    page.get_by_role("button", name="Dansk").click()
    anne.checked()


def resolve_task_as_drift(dennis) -> str:
    """Drift resolves the task; its number."""
    page = dennis.page
    dennis.open("/opgaver?visning=team")
    link = page.get_by_role("link", name="Genstart lønserveren")
    expect(link).to_be_visible(timeout=TIMEOUT)
    link.click()
    dennis.checked("09-opgave")
    page.get_by_label("Løsning").fill("Serveren er genstartet, og fejlen er væk.")
    in_place(dennis, page.get_by_role("button", name="Markér opgaven som løst").click, "Opgaven er løst.")
    expect(page.locator(".web-case-meta")).to_contain_text("Løst")
    return page.locator(".web-number").first.inner_text().strip()


def resolve_case(anne, case_url: str) -> None:
    page = anne.page
    page.goto(case_url)
    anne.checked()
    page.get_by_label("Løsning").fill("Lønserveren er genstartet; prøv igen.")
    in_place(anne, page.get_by_role("button", name="Markér som udført").click, "Sagen er udført.")
    anne.checked("10-sag-udfoert")
    expect(page.locator(".web-side-box").first).to_contain_text("Udført")
    page.goto(case_url + "?fane=historik")
    anne.checked()
    expect(page.locator(".web-timeline")).to_contain_text("løste opgaven")  # the task's events are in the history


def speak_english(rita, number: str) -> None:
    rita.page.get_by_role("button", name="English").click()
    rita.checked("11-case-english")
    expect(rita.page.locator("html")).to_have_attribute("lang", "en")
    expect(rita.page.locator(".web-side-box").first).to_contain_text("Resolved")
    rita.open("/sager")
    expect(rita.page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(rita.page.get_by_text(number)).to_have_count(0)  # resolved: not among the open ones
    rita.page.get_by_label("Show").select_option(label="All")
    expect(rita.page.get_by_text(number)).to_be_visible()
    # the filter was swapped in by htmx: the view tabs carry it along
    expect(rita.page.get_by_role("link", name="Shared with me")).to_have_attribute("href", re.compile(r"vis=alle"))
    rita.checked("12-my-cases-english")


def charts_are_tab_stops_only_when_they_scroll(someone) -> None:
    """On a wide screen a chart has room and no tab stop of its own; one that still scrolls keeps its tab stop."""
    boxes = someone.page.evaluate("""() => Array.from(document.querySelectorAll(".web-chart-scroll"), box => ({
        scrolls: box.scrollWidth > box.clientWidth, tab_stop: box.getAttribute("tabindex") === "0"}))""")
    assert any(not box["scrolls"] for box in boxes), f"no chart has room on {someone.page.url}: {boxes}"
    assert all(box["tab_stop"] == box["scrolls"] for box in boxes), boxes
