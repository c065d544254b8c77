"""What a reader does on the example dossier's site, in Debian's Chromium: pop-overs
opened by hover, focus and tap, kept open under the pointer, flipped near the bottom of
the window and closed by Escape; a back-link landing on a highlighted citation; the PDF
downloaded from the header; the Contents menu closed by Escape and by a tap outside; the
theme toggle remembered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_site_browser import CHROMIUM, ROOT, _built, chromium, serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(ROOT, tmp_path_factory.mktemp("site") / "example", pdf=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _page(browser: Any, url: str, **options: Any) -> Any:
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
    page = context.new_page()
    page.goto(url)
    return page


CITATION = '.citation a[href*="#ref-"]'


def test_popover_stays_open_while_the_pointer_is_over_it(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "01-summary.html").as_uri())
    link = page.locator(CITATION).first
    link.hover()
    tip = page.locator(".cite-popover")
    tip.wait_for(state="visible")
    assert link.get_attribute("aria-describedby") == "dossier-popover"
    tip.hover()
    page.wait_for_timeout(600)  # longer than the grace period before a pop-over closes
    assert tip.is_visible()
    page.mouse.move(5, 5)
    tip.wait_for(state="hidden")
    page.context.close()


def test_popover_opens_on_focus_and_closes_on_escape(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "01-summary.html").as_uri())
    page.locator(CITATION).first.focus()
    tip = page.locator(".cite-popover")
    tip.wait_for(state="visible")
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")
    assert page.locator(CITATION).first.get_attribute("aria-describedby") is None
    page.context.close()


def test_a_tap_opens_a_toggle_tip_with_a_way_on(site: Path, browser: Any) -> None:
    url = (site / "01-summary.html").as_uri()
    page = _page(browser, url, viewport={"width": 390, "height": 800}, has_touch=True)
    link = page.locator(CITATION).first
    link.tap()
    tip = page.locator(".cite-popover")
    tip.wait_for(state="visible")
    assert page.url == url  # the tap did not jump to the bibliography
    go = tip.get_by_role("link", name="Go to the entry in the bibliography")
    assert go.get_attribute("href") == link.get_attribute("href")
    box = tip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.context.close()


def test_popover_flips_above_a_link_near_the_bottom(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "01-summary.html").as_uri())
    # a citation well down the page, brought to 30 px above the bottom of the window
    index = page.evaluate(
        "(sel) => [...document.querySelectorAll(sel)]"
        ".findIndex(a => a.getBoundingClientRect().top + scrollY > 1500)",
        CITATION,
    )
    link = page.locator(CITATION).nth(index)
    page.evaluate(
        "(a) => window.scrollBy(0, a.getBoundingClientRect().bottom - innerHeight + 30)",
        link.element_handle(),
    )
    at = link.bounding_box()
    assert at is not None and at["y"] > 700, at
    link.hover()
    tip = page.locator(".cite-popover")
    tip.wait_for(state="visible")
    box = tip.bounding_box()
    assert box is not None and at is not None
    assert box["y"] + box["height"] <= 900
    assert box["y"] + box["height"] <= at["y"]
    page.context.close()


def test_footnotes_and_cross_references_preview_too(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "04-revolution.html").as_uri())
    note = page.locator("a.footnote-ref").first
    note.hover()
    tip = page.locator(".cite-popover")
    tip.wait_for(state="visible")
    target = page.locator("section.footnotes li").first.inner_text()
    assert tip.inner_text().strip()[:30] == target.strip()[:30]
    page.context.close()


def test_a_back_link_lands_on_a_highlighted_citation(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "bibliography.html").as_uri())
    entry = page.locator(".csl-entry").first
    entry.locator("summary").click()
    back = entry.locator(".backlinks a").first
    name = back.get_attribute("aria-label")
    assert name is not None and name.startswith("citation 1 in chapter ")
    back.click()
    page.wait_for_load_state()
    colour = page.evaluate("getComputedStyle(document.querySelector(':target')).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    page.context.close()


def test_the_pdf_link_downloads_the_pdf(site: Path, browser: Any) -> None:
    pdf = next(site.glob("*.pdf"))
    with serving(site) as base:
        page = _page(browser, base + "index.html", accept_downloads=True)
        with page.expect_download() as info:
            page.locator(".pdf-link").click()
        download = info.value
        assert download.suggested_filename == pdf.name
        assert Path(download.path()).read_bytes() == pdf.read_bytes()
        assert (
            f"({round(len(pdf.read_bytes()) / 1000)} KB)" in page.locator(".downloads").inner_text()
        )
        page.context.close()


def test_the_menu_closes_on_escape_and_outside(site: Path, browser: Any) -> None:
    page = _page(
        browser, (site / "03-origins.html").as_uri(), viewport={"width": 390, "height": 800}
    )
    menu = page.locator(".toc-toggle")
    menu.locator("summary").click()
    assert menu.evaluate("d => d.open")
    assert menu.get_by_role("navigation", name="Contents").is_visible()
    page.keyboard.press("Escape")
    assert not menu.evaluate("d => d.open")
    menu.locator("summary").click()
    page.mouse.click(200, 700)
    assert not menu.evaluate("d => d.open")
    page.context.close()


def test_the_theme_toggle_is_remembered(site: Path, browser: Any) -> None:
    with serving(site) as base:
        page = _page(browser, base + "index.html", color_scheme="light")
        toggle = page.locator(".theme-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        page.reload()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.locator(".theme-toggle").get_attribute("aria-pressed") == "true"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(23, 22, 26)"
        page.context.close()


def test_search_finds_a_phrase_of_the_last_chapter_from_a_file(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "index.html").as_uri())
    page.fill("#dossier-search-box", "Camp Ashraf")
    results = page.locator("#dossier-search-results")
    results.locator(".status").wait_for()
    first = results.locator("li a").first
    assert first.inner_text() == "Camp Ashraf"
    href = first.get_attribute("href")
    assert href is not None and href.startswith("07-ashraf.html#")
    page.fill("#dossier-search-box", "Ebrahim Raisi President")
    results.get_by_text("9 Assessment of the sources").first.wait_for()
    page.keyboard.press("Escape")
    results.wait_for(state="hidden")
    page.context.close()


def test_printing_a_page_leaves_out_the_chrome(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "01-summary.html").as_uri(), color_scheme="dark")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".sidebar").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.context.close()


def test_the_sidebar_shows_the_current_chapter(site: Path, browser: Any) -> None:
    # a short window: without scrolling the sidebar, chapter 9 would be below its foot
    page = _page(
        browser, (site / "09-assessment.html").as_uri(), viewport={"width": 1280, "height": 360}
    )
    top = page.evaluate(
        "document.querySelector('.sidebar .current > a').getBoundingClientRect().top"
    )
    assert 0 <= top < 360
    assert page.evaluate("document.querySelector('.sidebar').scrollTop") > 0
    page.context.close()


NOTE_STYLE = {
    "dossier.toml": (
        'title = "T"\ncsl = "chicago-note-bibliography"\nchapters = ["chapters/01-a.md"]\n'
    ),
    "chapters/01-a.md": (
        "# Alpha\n\nText citing [@smith2020] and a note.[^1]\n\n[^1]: The footnote.\n"
    ),
}


def test_note_style_citations_and_footnotes_preview(
    make_project: Any, browser: Any, tmp_path: Path
) -> None:
    site = _built(make_project(NOTE_STYLE), tmp_path / "notes", pdf=False)
    page = _page(browser, (site / "01-a.html").as_uri())
    tip = page.locator(".cite-popover")
    page.locator(".note-ref a").hover()
    tip.wait_for(state="visible")
    assert "A Book about Things" in tip.inner_text()
    assert tip.locator(".back").count() == 0  # the note's own back-link is left out
    page.locator("a.footnote-ref").focus()
    page.get_by_text("The footnote.").last.wait_for()
    assert "The footnote." in tip.inner_text()
    page.context.close()


def test_the_timeline_is_a_list_of_links_on_a_phone(site: Path, browser: Any) -> None:
    url = (site / "01-summary.html").as_uri()
    phone = _page(browser, url, viewport={"width": 390, "height": 800})
    assert not phone.locator("svg.timeline").is_visible()
    events = phone.get_by_role("list", name="Timeline")
    assert events.is_visible()
    links = events.get_by_role("link")
    assert links.count() >= 10
    assert links.first.get_attribute("href", timeout=1000).startswith("bibliography.html#ref-")
    size = phone.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.timeline-list a')).fontSize)"
    )
    assert size >= 14  # the drawing's labels were about 6 px at this width
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.context.close()
    desktop = _page(browser, url)
    assert desktop.locator("svg.timeline").is_visible()
    assert not desktop.locator(".timeline-list").is_visible()
    desktop.context.close()


def test_on_this_page_marks_the_section_being_read(site: Path, browser: Any) -> None:
    page = _page(browser, (site / "02-names.html").as_uri())
    side = page.get_by_role("navigation", name="On this page")
    assert side.is_visible()
    target = side.get_by_role("link").nth(2)
    href = target.get_attribute("href")
    assert href is not None
    page.locator(href).scroll_into_view_if_needed()
    page.evaluate("(id) => document.getElementById(id).scrollIntoView()", href[1:])
    page.wait_for_function(
        "(h) => document.querySelector(`.otp-side a[href='${h}']`)"
        ".getAttribute('aria-current') === 'location'",
        arg=href,
    )
    assert side.locator("[aria-current]").count() == 1
    page.context.close()
    phone = _page(
        browser, (site / "02-names.html").as_uri(), viewport={"width": 390, "height": 800}
    )
    fold = phone.locator("details.otp-fold")
    assert fold.is_visible() and not phone.locator(".otp-side").is_visible()
    fold.locator("summary").click()
    fold.get_by_role("link").nth(1).click()
    assert phone.url.endswith(fold.get_by_role("link").nth(1).get_attribute("href") or "?")
    phone.context.close()


def test_a_long_bibliography_is_paged_by_letter(
    make_project: Any, browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dossier.render import bibpages

    names = ["Adams", "Baker", "Clark", "Davis", "Evans", "Fox"]
    bib = "\n".join(
        f"@book{{{n.lower()}, author = {{{n}, Ann}}, title = {{Book}}, year = {{2001}}, "
        "publisher = {P}}"
        for n in names
    )
    chapter = "# One\n\n" + " ".join(f"Text [@{n.lower()}]." for n in names) + "\n"
    monkeypatch.setattr(bibpages, "BUDGET", 700)
    site = _built(
        make_project({"references.bib": bib, "chapters/01-a.md": chapter}),
        tmp_path / "paged",
        pdf=False,
    )
    page = _page(browser, (site / "01-a.html").as_uri())
    link = page.locator('.citation a[href*="#ref-fox"]')
    link.hover()
    page.locator(".cite-popover").wait_for(state="visible")  # found on another page
    link.click()
    page.wait_for_load_state()
    assert page.url.split("/")[-1].startswith("bibliography-") and page.url.endswith("#ref-fox")
    assert page.evaluate("document.querySelector(':target').id") == "ref-fox"
    pages = page.get_by_role("navigation", name="Bibliography pages")
    assert pages.locator("[aria-current=page]").count() == 1
    pages.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/bibliography.html")
    page.context.close()
