"""Issue 14, "screenshots of every page at both widths": every HTML page of the staff app, opened by each role
that can open it, photographed at 360 px and 1280 px (ci-artifacts/screenshots/page-<role>-<page>-<width>.png),
and its visible text scanned for English words and codes (the pages the scan of test_browser_staff cannot
reach from its lists too: login, account, delivery, batch job).
The pages visited are checked against the app's own routes, so a page added later cannot go unphotographed."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from broadcast.web.routes import router
from tests.alerts import cap_samples as samples
from tests.conftest import login
from tests.web.conftest import SCREENSHOTS, Site
from tests.web.test_browser import DESKTOP, PHONE, Staff, people  # noqa: F401  (the fixture is used by name)
from tests.web.test_browser_staff import CODES, SCAN, _approved_recording, _no_quiet_hours, _pages_for, _play_now

pytestmark = pytest.mark.browser

# GET routes that are not pages a person reads: downloads, the live fragment, redirects, the icon.
NOT_PAGES = {
    "/asrun.csv",
    "/asrun.xlsx",
    "/reports.csv",
    "/favicon.ico",
    "/voices/sample.mp3",
    "/batch/{job_id}/mp3.zip",
    "/batch/{job_id}/status",
    "/alerts/{alert_id}/xml",
    "/placements/{placement_id}/delivery/live",
    "/notifications/{notification_id}",
}


def _get_routes(routes: list) -> set[str]:  # type: ignore[type-arg]
    """GET paths of the staff app (FastAPI keeps an included router whole, as ``original_router``)."""
    found: set[str] = set()
    for route in routes:
        if hasattr(route, "original_router"):
            found |= _get_routes(route.original_router.routes)
        elif "GET" in getattr(route, "methods", set()):
            found.add(route.path)
    return found


def _page_routes() -> set[str]:
    routes = _get_routes(router.routes)
    assert routes >= NOT_PAGES, NOT_PAGES - routes  # the list above stays true
    return routes - NOT_PAGES


def _template(path: str, routes: set[str]) -> str | None:
    """The route a concrete path was served by (``/bulletins/7/edit`` → ``/bulletins/{bulletin_id}/edit``)."""
    bare = path.split("?", 1)[0]
    for route in sorted(routes, key=lambda r: r.count("{")):  # a literal route before a pattern
        if re.fullmatch(re.sub(r"\{\w+\}", r"[^/]+", route), bare):
            return route
    return None


def _english_or_codes(staff: Staff, path: str) -> set[str]:
    """The deny-listed English words and station/voice codes in the page's visible text, at both widths."""
    words: set[str] = set()
    for viewport in (PHONE, DESKTOP):
        staff.page.set_viewport_size(viewport)
        words |= set(SCAN.findall(staff.page.evaluate("document.body.innerText")))
    return words - set(CODES[:3]) if path == "/admin/stations" else words  # codes typed by the admin there


def _slug(role: str, path: str) -> str:
    return f"page-{role}-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home")


def test_every_page_is_photographed_at_both_widths(people, site: Site, browser, tmp_path: Path) -> None:  # noqa: F811
    _no_quiet_hours(site)  # "Phát ngay" is refused in the station's quiet hours: the suite runs at any hour
    bulletin_id = _approved_recording(people, "Tin chụp ảnh mọi trang", ["xa-a"], tmp_path)
    approver: Staff = people("approver")
    _play_now(approver, bulletin_id, ["xa-a"])  # its delivery page (the as-run log links only to plays)
    delivery = approver.page.url.removeprefix(site.url).split("?", 1)[0]
    with httpx.Client(base_url=site.url, timeout=30) as http:  # a CAP warning, so its page is photographed too
        sent = http.post(
            "/api/v1/alerts",
            content=samples.flood_warning("VN-SHOTS-1"),
            headers={**login(http, "admin"), "Content-Type": "application/xml"},
        )
        assert sent.status_code == 201, sent.text
    editor: Staff = people("editor")  # a batch job of one small text, so the job page is photographed too
    editor.goto("/batch")
    (tmp_path / "thong-bao.txt").write_text("Thôn Nà Pàn họp dân lúc 8 giờ sáng Chủ nhật.", encoding="utf-8")
    editor.page.set_input_files("#batch-files", [str(tmp_path / "thong-bao.txt")])
    editor.page.click("#batch-form button[type=submit]")
    editor.page.wait_for_url("**/batch/*")
    batch_job = editor.page.url.removeprefix(site.url)

    routes = _page_routes()
    seen: set[str] = set()
    found: dict[str, set[str]] = {}
    stranger = Staff(browser, site, "stranger")  # the login page, before anyone logs in
    try:
        stranger.goto("/login", "page-anonymous-login")
        found["anonymous /login"] = _english_or_codes(stranger, "/login")
        seen.add("/login")
    finally:
        stranger.close()
    for role in ("editor", "approver", "admin"):
        staff: Staff = editor if role == "editor" else people(role)
        extra = [delivery, "/account/password"] + ([batch_job] if role == "editor" else [])
        for path in _pages_for(staff) + extra:
            staff.goto(path, _slug(role, path))  # 200, fits 360 px, no console errors, both screenshots
            route = _template(path, routes)
            assert route is not None, f"{path} is served by no known page route"
            seen.add(route)
            found[f"{role} {path}"] = _english_or_codes(staff, path)
    assert routes - seen == set(), f"pages never photographed: {sorted(routes - seen)}"
    assert not any(found.values()), {where: sorted(words) for where, words in found.items() if words}
    for shot in (s for s in site.shots if s.startswith("page-")):  # both widths of each page are on disk
        assert (SCREENSHOTS / f"{shot}-360.png").is_file() and (SCREENSHOTS / f"{shot}-1280.png").is_file(), shot
