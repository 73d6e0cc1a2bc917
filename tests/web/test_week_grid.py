"""Issue 14: the week of many stations (a district's or the province's grid) and date/time boxes typed the
Vietnamese way on the scheduling form."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from broadcast.models import PlaylistItem, Station
from broadcast.models.types import utcnow
from tests.conftest import World
from tests.web.test_pages import _create, approve_on_page


def _cells(html: str, code: str) -> dict[str, str]:
    row = html.split(f'<tr data-station="{code}">', 1)[1].split("</tr>", 1)[0]
    return dict(re.findall(r'<td data-day="([\d-]+)"[^>]*>(.*?)</td>', row, re.S))


def test_week_of_many_stations(web_client, world: World, runtime) -> None:
    editor, editor_csrf = web_client("editor")
    approver, csrf = web_client("approver")
    bulletin = _create(editor, editor_csrf, action="submit", stations=["xa-a", "xa-b"], title="Họp dân cuối tuần")
    approve_on_page(approver, csrf, bulletin, runtime)
    day = (utcnow().astimezone(runtime.settings.tz) + timedelta(days=2)).date()
    placed = approver.post(f"/bulletins/{bulletin}/schedule", data={
        "csrf_token": csrf, "stations": ["xa-b"], "mode": "at", "at_date": day.strftime("%d/%m/%Y"),
        "at_time": "9h05"})
    assert "Đã xếp lịch phát" in placed.text
    with Session(runtime.engine) as session:
        item = session.exec(select(PlaylistItem)).one()
        assert session.get(Station, item.station_id).code == "xa-b"  # type: ignore[union-attr]
        assert item.starts_at.astimezone(runtime.settings.tz).strftime("%d/%m/%Y %H:%M") == \
            f"{day:%d/%m/%Y} 09:05"

    grid = approver.get("/week/stations")
    assert grid.status_code == 200 and 'id="nav-grid"' in grid.text
    assert 'data-station="xa-a"' in grid.text and 'data-station="xa-b"' in grid.text
    assert 'data-station="xa-c"' not in grid.text  # only the stations the approver works for
    cells = _cells(grid.text, "xa-b")
    assert list(cells)[0] == utcnow().astimezone(runtime.settings.tz).date().isoformat() and len(cells) == 7
    assert "09:05" in cells[day.isoformat()] and "Họp dân cuối tuần" in cells[day.isoformat()]
    assert "Họp dân cuối tuần" not in "".join(_cells(grid.text, "xa-a").values())
    later = approver.get(f"/week/stations?start={(day + timedelta(days=1)):%d/%m/%Y}").text
    assert "Họp dân cuối tuần" not in later  # the week starts the day after

    admin, _ = web_client("province-admin")
    everything = admin.get("/week/stations?area=Văn Lãng, Lạng Sơn").text
    assert all(f'data-station="{code}"' in everything for code in ("xa-a", "xa-b", "xa-c"))
    assert admin.get("/week/stations?area=Nowhere").status_code == 404
    bad = admin.get("/week/stations?start=11/29/2026")
    assert bad.status_code == 422 and "ngày/tháng/năm, ví dụ 29/11/2026" in bad.text
    assert 'id="nav-grid"' not in editor.get("/").text  # a commune editor has the one-station week


def test_schedule_form_dates_and_times_are_typed_the_vietnamese_way(web_client, world: World, runtime) -> None:
    editor, editor_csrf = web_client("editor")
    approver, csrf = web_client("approver")
    bulletin = _create(editor, editor_csrf, action="submit")
    approve_on_page(approver, csrf, bulletin, runtime)
    form = approver.get(f"/bulletins/{bulletin}/schedule").text
    assert 'type="date"' not in form and 'type="time"' not in form
    tomorrow = (utcnow().astimezone(runtime.settings.tz) + timedelta(days=1)).date()
    assert f'name="at_date" value="{tomorrow:%d/%m/%Y}"' in form and 'name="at_time" value="07:00"' in form
    for field, typed, message in [("at_time", "5:30 PM", "giờ:phút theo 24 giờ"),
                                  ("at_date", f"{tomorrow:%m/%d/%Y}" if tomorrow.day > 12 else "31/02/2027",
                                   "ngày/tháng/năm")]:
        refused = approver.post(f"/bulletins/{bulletin}/schedule", data={
            "csrf_token": csrf, "stations": ["xa-a"], "mode": "at", "at_date": f"{tomorrow:%d/%m/%Y}",
            "at_time": "17:30", field: typed})
        assert refused.status_code == 422 and message in refused.text, refused.text[:500]
        assert f'value="{typed}"' in refused.text  # shown back to be corrected
    for page in ("/bulletins", "/reports", "/asrun", "/week", "/alerts"):
        html = approver.get(page).text
        assert 'type="date"' not in html and 'type="time"' not in html, page
        dated = re.search(r'name="(since|start)" value="\d\d/\d\d/\d{4}"', html)
        assert dated or page in ("/bulletins", "/alerts"), page
    assert approver.get("/reports?since=29/11/2026&until=30/11/2026").status_code == 200
    assert "ngày/tháng/năm" in approver.get("/reports?since=hôm qua").text
    assert approver.get("/alerts?since=29/11/2026&until=30/11/2026").status_code == 200
    assert 'name="since" value="29/11/2026"' in approver.get("/alerts?since=2026-11-29").text
    refused = approver.get("/alerts?since=11/29/2026")
    assert refused.status_code == 422 and "ngày/tháng/năm" in refused.text
