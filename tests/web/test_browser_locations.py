"""Station locations in a real Chromium against a real ``broadcast serve``: edit one, import a file."""

from __future__ import annotations

import json
import re

import pytest

from broadcast.services.demo import DEMO_LOCATIONS
from tests.web.conftest import Site
from tests.web.test_browser import Staff, people  # noqa: F401  (the fixture is used by name)

pytestmark = pytest.mark.browser


def test_an_admin_edits_a_location_and_imports_a_file(people, site: Site) -> None:  # noqa: F811
    admin: Staff = people("admin")
    admin.goto("/admin/stations")
    admin.page.click("a[href='/admin/stations/xa-c/location']")
    admin.page.wait_for_url(re.compile(r"/admin/stations/xa-c/location$"))
    admin.shoot("station-location")
    form = admin.page.locator("#location-form")
    form.locator("input[name=lat]").fill("21,855")
    form.locator("input[name=lon]").fill("106.945")
    form.locator("input[name=commune_code]").fill("6436")
    form.locator("textarea[name=area]").fill('{"type": "Polygon", "coordinates": [[[106.9, 21.8], [107, 21.9], '
                                             '[107, 21.8], [106.9, 21.9], [106.9, 21.8]]]}')  # crosses itself
    form.locator("button[type=submit]").click()
    admin.page.wait_for_selector("#location-error")
    assert "các cạnh tự cắt nhau" in admin.text("#location-error")
    admin.shoot("station-location-error", expect_error_status=True)
    form.locator("textarea[name=area]").fill(json.dumps(DEMO_LOCATIONS["xa-mau-son"]["area"]))
    form.locator("button[type=submit]").click()
    admin.page.wait_for_url(re.compile(r"/admin/stations\?m=saved"))
    assert "21.855, 106.945 · có ranh giới xã · mã 06436" in re.sub(r"\s+", " ", admin.text())

    admin.page.click("#locations-import")
    admin.page.wait_for_url(re.compile(r"/admin/stations/locations/import$"))
    bad = b"code,lat,lon\nxa-c,21.9,106.9\nxa-khong-co,21.9,106.9\n"
    admin.page.set_input_files("#import-form input[type=file]",
                               {"name": "vi-tri.csv", "mimeType": "text/csv", "buffer": bad})
    admin.page.click("#import-form button[type=submit]")
    admin.page.wait_for_selector("#import-rows")
    assert "Dòng 3 (đài xa-khong-co): Không có đài xa-khong-co." in admin.text("#import-rows")
    admin.shoot("locations-import-error", expect_error_status=True)
    good = b"code,lat,lon\nxa-c,21.9,106.9\n"
    admin.page.set_input_files("#import-form input[type=file]",
                               {"name": "vi-tri.csv", "mimeType": "text/csv", "buffer": good})
    admin.page.click("#import-form button[type=submit]")
    admin.page.wait_for_url(re.compile(r"m=locations_imported"))
    assert "Đã nhập vị trí các đài từ tệp." in admin.text()
    assert "21.9, 106.9 · có ranh giới xã · mã 06436" in re.sub(r"\s+", " ", admin.text())  # area and code kept
    admin.check_console()
