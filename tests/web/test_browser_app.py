"""Issue 14 in a real Chromium: date and time boxes that ignore the browser's language (a browser set to
American English still shows 29/11/2026 and 17:30), the week of many stations, station names whole in the
lists at 360 px and the header's role whole at 1280 px."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Site
from tests.web.test_browser import DESKTOP, PHONE, Staff, people  # noqa: F401  (the fixture is used by name)
from tests.web.test_browser_staff import _approved_recording

pytestmark = pytest.mark.browser
DAY = re.compile(r"\d\d/\d\d/\d{4}")


@pytest.fixture(scope="module")
def american(browser) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    """A second Chromium whose interface language is en-US (where a date box would show 11/29/2026 and a
    time box 05:30 PM), started by the session's Playwright."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--lang=en-US"])
    yield chromium
    chromium.close()


def _tomorrow() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=1)


def _open_american(american, site: Site, username: str) -> Staff:  # type: ignore[no-untyped-def]
    staff = Staff.__new__(Staff)
    staff.site, staff.name, staff.errors = site, username, []
    staff.context = american.new_context(viewport=DESKTOP, locale="en-US", timezone_id="America/New_York")
    staff.page = staff.context.new_page()
    staff.page.on("console", lambda m: staff.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    staff.page.on("pageerror", lambda e: staff.errors.append(f"pageerror: {e}"))
    staff.page.on("dialog", lambda d: d.accept())
    staff.login(username)
    return staff


def test_dates_and_times_ignore_an_english_browser(people, american, site: Site, tmp_path: Path) -> None:  # noqa: F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    bulletin_id = _approved_recording(people, "Lịch họp dân buổi chiều", ["xa-a", "xa-b"], tmp_path)
    staff = _open_american(american, site, "approver")
    try:
        page = staff.page
        assert page.evaluate("navigator.language") == "en-US"
        staff.goto(f"/bulletins/{bulletin_id}/schedule", "schedule-en-us")
        assert page.locator("input[type=date], input[type=time]").count() == 0
        tomorrow = _tomorrow()
        assert page.input_value("input[name=at_date]") == f"{tomorrow:%d/%m/%Y}"
        assert page.input_value("input[name=date_from]") == f"{tomorrow:%d/%m/%Y}"
        assert page.input_value("input[name=at_time]") == "07:00"
        page.fill("input[name=at_time]", "5:30 PM")  # the browser's own check refuses a 12-hour time
        assert page.evaluate("document.querySelector('input[name=at_time]').checkValidity()") is False
        for box in page.locator("input[name=stations]").all():
            box.set_checked(box.get_attribute("value") == "xa-b")
        page.check("input[name=mode][value=at]")
        page.fill("input[name=at_date]", f"{tomorrow:%d/%m/%Y}")
        page.fill("input[name=at_time]", "17:30")
        page.select_option("select[name=on_clash]", "queue")
        page.click("#schedule-form button[type=submit]")
        page.wait_for_url(re.compile(rf"/bulletins/{bulletin_id}\?m=placed"), timeout=30_000)
        with sqlite3.connect(site.data_dir / "broadcast.db", timeout=30) as db:
            starts = [datetime.fromisoformat(row[0]) for row in db.execute(
                "SELECT starts_at FROM playlistitem WHERE bulletin_id = ?", (bulletin_id,))]
        local = [s.replace(tzinfo=s.tzinfo or ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
                 for s in starts]
        assert [f"{t:%d/%m/%Y %H:%M}" for t in local][:1] == [f"{tomorrow:%d/%m/%Y} 17:30"], local

        staff.goto(f"/week/stations?start={tomorrow:%d/%m/%Y}", "week-stations-en-us")  # the grid shows it
        cell = staff.text(f"#week-grid tr[data-station=xa-b] td[data-day='{tomorrow.isoformat()}']")
        assert "17:30" in cell and "Lịch họp dân buổi chiều" in cell, cell
        other = staff.text(f"#week-grid tr[data-station=xa-a] td[data-day='{tomorrow.isoformat()}']")
        assert "Lịch họp dân" not in other
        for path in ("/week", "/reports", "/asrun", f"/week/stations?start={date.today():%d/%m/%Y}"):
            staff.goto(path)
            assert page.locator("input[type=date], input[type=time]").count() == 0, path
            values = page.locator("input[data-kind=day]").evaluate_all("els => els.map(e => e.value)")
            assert values and all(DAY.fullmatch(v) for v in values), (path, values)
        staff.goto("/bulletins")
        page.fill("input[name=since]", "29/11/2026")
        page.click("form.filters button[type=submit]")
        page.wait_for_url(re.compile(r"since=29%2F11%2F2026"))
        assert page.input_value("input[name=since]") == "29/11/2026"
        staff.check_console()
    finally:
        staff.close()


def test_week_of_many_stations_from_the_nav(people, site: Site) -> None:  # noqa: F811
    approver: Staff = people("approver")
    approver.goto("/week")
    approver.page.click("#nav-grid")
    approver.page.wait_for_url(re.compile(r"/week/stations"))
    approver.shoot("week-stations")
    rows = approver.page.locator("#week-grid tbody tr").evaluate_all("rs => rs.map(r => r.dataset.station)")
    assert sorted(rows) == ["xa-a", "xa-b"], rows  # the stations the approver works for, the same grid for each
    assert approver.page.locator("#week-grid thead th").count() == 8
    admin: Staff = people("admin")
    admin.goto("/week/stations", "week-stations-admin")
    assert admin.page.locator("#week-grid tbody tr").count() == 3
    admin.page.select_option("select[name=area]", "Huyện Lộc Bình, Lạng Sơn")
    admin.page.wait_for_url(re.compile(r"area=Huy"))
    assert admin.page.locator("#week-grid tbody tr").evaluate_all("rs => rs.map(r => r.dataset.station)") == ["xa-c"]
    admin.check_console()


_FITS = """select => {
  const style = getComputedStyle(select);
  const pen = document.createElement('canvas').getContext('2d');
  pen.font = style.font;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
  return [...select.options].filter(o => o.value)
    .map(o => [o.text.trim(), Math.ceil(pen.measureText(o.text.trim()).width), room]);
}"""


def test_station_names_whole_at_360_and_the_role_whole_at_1280(people, site: Site) -> None:  # noqa: F811
    admin: Staff = people("admin")
    admin.page.set_viewport_size(PHONE)
    cut: list[str] = []
    for path in ("/week", "/week/stations", "/bulletins", "/reports", "/asrun"):
        admin.goto(path)
        admin.page.set_viewport_size(PHONE)
        for name in ("station", "receiver", "area"):
            for select in admin.page.locator(f"main select[name={name}]").all():
                cut += [f"{path} {name}: {text!r} needs {width}px, has {room}px"
                        for text, width, room in select.evaluate(_FITS) if width > room]
                assert select.evaluate("s => s.getBoundingClientRect().right") <= PHONE["width"], path
    assert not cut, "\n".join(cut)

    with sqlite3.connect(site.data_dir / "broadcast.db", timeout=30) as db:
        db.execute("UPDATE user SET full_name = 'Quản trị hệ thống tỉnh Lạng Sơn' WHERE username = 'admin'")
    try:
        for viewport in (DESKTOP, PHONE):
            admin.page.set_viewport_size(viewport)
            admin.goto("/")
            who = admin.page.locator("#who")
            assert "Quản trị hệ thống tỉnh Lạng Sơn" in who.inner_text()
            role = admin.page.locator("#who .who-role")
            assert role.evaluate("r => r.scrollWidth <= r.clientWidth"), viewport
            assert role.evaluate("r => r.getBoundingClientRect().right <= "
                                 "document.querySelector('#who').getBoundingClientRect().right + 0.5"), viewport
            assert role.inner_text().strip().endswith("Quản trị")
            if viewport is DESKTOP:  # nothing at all is cut on a desktop
                assert who.evaluate("w => w.scrollWidth <= w.clientWidth")
                name = admin.page.locator("#who .who-name")
                assert name.evaluate("n => n.scrollWidth <= n.clientWidth")
        admin.page.set_viewport_size(DESKTOP)
        admin.shoot("header-long-name")
    finally:
        with sqlite3.connect(site.data_dir / "broadcast.db", timeout=30) as db:
            db.execute("UPDATE user SET full_name = 'Quản trị tỉnh' WHERE username = 'admin'")


LONG_TITLE = ("Thông báo lịch tiêm chủng mở rộng cho trẻ em dưới năm tuổi tại trạm y tế xã Hoàng Đồng "
              "trong tháng mười hai")


def test_bulletin_titles_readable_whole_in_the_as_run_filter_at_360(people, site: Site) -> None:  # noqa: F811
    """Issue 14: the as-run log's bulletin filter cut titles at 360 px (a drop-down as wide as the screen)."""
    editor: Staff = people("editor")
    page = editor.page
    editor.goto("/bulletins/new")
    page.fill("input[name=title]", LONG_TITLE)
    page.fill("textarea[name=text]", "Trạm y tế xã tiêm chủng cho trẻ em vào ngày 20/12.")
    page.check("input[name=stations][value=xa-a]")
    page.click("button[name=action][value=draft]")
    page.wait_for_url(re.compile(r"/bulletins/\d+"))
    bulletin_id = int(re.search(r"/bulletins/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    page.set_viewport_size(PHONE)
    editor.goto("/asrun")
    choices = page.locator("#asrun-filters input[name=bulletin][type=radio]")
    assert choices.count() >= 2, "the bulletin is chosen from a list whose titles wrap, not a drop-down"
    page.click("#asrun-bulletin summary")
    editor.shoot("asrun-bulletins-360")  # both widths; leaves the page at 1280 px
    page.set_viewport_size(PHONE)
    label = page.locator(f"#asrun-filters label:has(input[name=bulletin][value='{bulletin_id}'])")
    assert label.is_visible() and LONG_TITLE in label.inner_text()
    box = label.evaluate("l => [l.getBoundingClientRect().right, l.scrollWidth, l.clientWidth]")
    assert box[0] <= PHONE["width"] and box[1] <= box[2], box  # wrapped inside the screen, nothing hidden
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    label.click()
    page.click("#asrun-filters button[type=submit]")
    page.wait_for_url(re.compile(rf"bulletin={bulletin_id}"))
    page.set_viewport_size(PHONE)
    chosen = page.locator("#asrun-bulletin-chosen")
    assert chosen.inner_text().strip() == LONG_TITLE  # the closed filter names the whole choice
    assert chosen.evaluate("c => c.getBoundingClientRect().right") <= PHONE["width"]
    assert page.locator(f"input[name=bulletin][value='{bulletin_id}']").is_checked()
    editor.shoot("asrun-bulletin-chosen-360")
    editor.check_console()
