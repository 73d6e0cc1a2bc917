"""Issue 14, delivery status: every state a cluster goes through is shown truthfully on the live fragment —
a download the receiver will retry is not a failed play, audio fetched ahead of its time waits, and a skip
says why in Vietnamese and closes the occurrence at once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from broadcast.models import ItemStatus, Placement
from broadcast.models.types import utcnow
from tests.conftest import World
from tests.distribute.support import ready_bulletin
from tests.web.test_staff_app import _event, _items, _no_quiet_hours, _report


def test_a_download_retry_is_not_a_failed_play(web_client, app_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin tải lại", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    placed = approver.post(
        f"/bulletins/{bulletin_id}/schedule", data={"csrf_token": csrf, "stations": ["xa-a"], "mode": "now"}
    )
    live = placed.url.path + "/live"
    item = _items(runtime)["xa-a"]
    token = world.receiver_tokens["xa-a"]
    _report(
        app_client,
        token,
        _event(
            "r1",
            item.id or 0,
            "failed",
            "download of 0123456789ab failed (HTTP 503); not kept, will fetch again (attempt 1)",
        ),
    )
    part = approver.get(live).text
    assert 'data-state="retrying"' in part and "Phát lỗi" not in part, part
    assert "sẽ tự tải lại" in part  # the reason, in Vietnamese
    _report(app_client, token, _event("r2", item.id or 0, "downloaded"))
    part = approver.get(live).text  # fetched on the second try: it is playing now, not failed
    assert 'data-state="playing"' in part and "Phát lỗi" not in part, part
    _report(app_client, token, _event("r3", item.id or 0, "played"))
    assert 'data-state="played"' in approver.get(live).text


def test_fetched_ahead_waits_and_a_skip_says_why(web_client, app_client, world: World, runtime) -> None:
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin ngày mai", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    day = (utcnow().astimezone(runtime.settings.tz) + timedelta(days=1)).date()
    placed = approver.post(
        f"/bulletins/{bulletin_id}/schedule",
        data={"csrf_token": csrf, "stations": ["xa-a"], "mode": "at", "at_date": f"{day:%d/%m/%Y}", "at_time": "09:00"},
    )
    assert placed.status_code == 200, placed.text[:500]
    with Session(runtime.engine) as session:
        placement_id = session.exec(select(Placement.id)).one()
    live = f"/placements/{placement_id}/delivery/live"
    item = _items(runtime)["xa-a"]
    token = world.receiver_tokens["xa-a"]
    _report(app_client, token, _event("a1", item.id or 0, "downloaded"))
    part = approver.get(live).text
    assert 'data-state="downloaded"' in part and "Đã tải về, chờ đến giờ" in part
    _report(
        app_client, token, _event("a2", item.id or 0, "skipped", "too late: 1200 s after its time, beyond the grace")
    )
    assert _items(runtime)["xa-a"].status == ItemStatus.skipped  # at once, not at expiry
    part = approver.get(live).text
    assert 'data-state="skipped"' in part and "Không phát được" in part
    assert "Quá muộn: đã trễ 1200 giây so với giờ phát." in part and "too late" not in part
    assert 'data-finished="1"' in part


def test_the_as_run_log_leaves_out_a_download_retry(web_client, app_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin tải lại rồi phát", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    approver.post(f"/bulletins/{bulletin_id}/schedule", data={"csrf_token": csrf, "stations": ["xa-a"], "mode": "now"})
    item = _items(runtime)["xa-a"]
    token = world.receiver_tokens["xa-a"]
    retry = "download of 0123456789ab failed (HTTP 503); not kept, will fetch again (attempt 1)"
    _report(app_client, token, _event("l1", item.id or 0, "failed", retry))
    _report(app_client, token, _event("l2", item.id or 0, "downloaded"), _event("l3", item.id or 0, "played"))
    assert re.findall(r'<tr data-kind="(\w+)">', approver.get("/asrun").text) == ["played"]  # no "Phát lỗi"
    lines = approver.get("/asrun.csv").content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "Đã phát" in lines[1], lines
