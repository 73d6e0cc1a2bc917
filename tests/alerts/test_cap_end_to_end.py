"""A CAP flood warning from intake to loudspeakers: the real ``broadcast serve`` and real receiver processes
on loopback. The polygon covers two of three communes → one emergency draft for those two → approved and
placed now → the covered receivers play it, the one outside does not; an Update (narrower area) replaces
it; a Cancel stops it on the receiver while it plays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from broadcast.models import ItemStatus, PlaylistItem, User
from broadcast.services import asrun
from tests.alerts import cap_samples as samples
from tests.alerts.geo_fixtures import place_demo_communes
from tests.receiver.live import LiveWorld, Receiver, settle
from tests.receiver.support import wait_for

STATIONS = ["cap-hoang-dong", "cap-tan-thanh", "cap-mau-son"]  # the first two lie in the flood valley


@pytest.fixture
def world(tmp_path: Path) -> Iterator[LiveWorld]:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    live = LiveWorld.start(data_dir, f"sqlite:///{data_dir / 'broadcast.db'}", bank=[],
                           stations=dict.fromkeys(STATIONS, 1),
                           prepare=lambda session: place_demo_communes(session, STATIONS))
    yield live
    live.close()


def _post(live: LiveWorld, xml: bytes) -> dict[str, Any]:
    reply = live.http.post("/api/v1/alerts", content=xml,
                           headers={**live.headers["admin"], "Content-Type": "application/xml"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _approve_and_place(live: LiveWorld, alert: dict[str, Any]) -> dict[str, Any]:
    """admin2 waits for the audio made for review, then approves what they heard and places it now."""
    def heard() -> dict[str, Any] | None:
        body = live.http.get(f"/api/v1/bulletins/{alert['bulletin_id']}", headers=live.headers["admin2"]).json()
        assert body["status"] != "failed", body
        newest_heard = body["review_audio"] and body["version_id"] != body["approved_version_id"]
        return body if newest_heard else None

    bulletin = wait_for(heard, 120, 0.3, what=f"the audio of alert {alert['identifier']}")
    placed = live.http.post(f"/api/v1/alerts/{alert['id']}/approve-and-place", headers=live.headers["admin2"],
                            json={"version_id": bulletin["version_id"],
                                  "audio_sha256": bulletin["review_audio"]["sha256"]})
    assert placed.status_code == 200, placed.text
    return placed.json()


def test_a_flood_warning_reaches_exactly_the_covered_communes_and_update_and_cancel_follow(
        world: LiveWorld, tmp_path: Path, receivers: list[Receiver]) -> None:
    live = world
    # Emergencies are held "playing" for a minute, so the Update and the Cancel arrive while they play.
    receivers += live.receivers(tmp_path, *((code, 0) for code in STATIONS), player_args="--hold emergency=60")
    inside, second, outside = receivers
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)

    alert = _post(live, samples.flood_warning("VN-E2E-1", sent=sent))
    assert alert["outcome"] == "draft" and sorted(m["code"] for m in alert["matched"]) == STATIONS[:2]
    settle(inside, second)
    assert inside.words() == [] and second.words() == []  # nothing plays without approval

    placed = _approve_and_place(live, alert)
    by_station = {i["station_id"]: i["id"] for i in placed["items"]}
    assert len(by_station) == 2
    first_items = sorted(by_station.values())
    wait_for(lambda: any(("start", i) in inside.words() for i in first_items), 30, what="Hoàng Đồng plays it")
    wait_for(lambda: any(("start", i) in second.words() for i in first_items), 30, what="Tân Thanh plays it")
    settle(outside)
    assert outside.words() == []  # Mẫu Sơn lies outside the warned area

    # Update: the area narrows to Hoàng Đồng; once approved its new audio replaces the playing warning
    narrow = "21.80,106.69 21.80,106.80 22.02,106.80 22.02,106.69 21.80,106.69"
    update = _post(live, samples.flood_warning(
        "VN-E2E-2", sent=sent + timedelta(seconds=1), msg_type="Update", polygon=narrow,
        references=samples.reference("VN-E2E-1", sent), headline="Lũ quét đang xảy ra tại xã Hoàng Đồng",
        description="Nước sông Kỳ Cùng đang lên nhanh tại xã Hoàng Đồng."))
    assert update["outcome"] == "update" and [m["code"] for m in update["matched"]] == STATIONS[:1]
    replaced = _approve_and_place(live, update)
    [new_item] = [i["id"] for i in replaced["items"]]
    wait_for(lambda: ("start", new_item) in inside.words(), 30, what="Hoàng Đồng plays the update")
    wait_for(lambda: any(("term", i) in second.words() for i in first_items), 30,
             what="Tân Thanh, no longer in the area, stops the old warning")
    old_here = next(i for i in first_items if ("start", i) in inside.words())
    assert inside.words()[:3] == [("start", old_here), ("term", old_here), ("start", new_item)]

    # Cancel: the sender withdraws the warning; the receiver stops it while it plays
    cancel = _post(live, samples.flood_warning(
        "VN-E2E-3", sent=sent + timedelta(seconds=2), msg_type="Cancel", note="Mưa đã ngớt, hủy cảnh báo.",
        references=samples.reference("VN-E2E-2", sent + timedelta(seconds=1))))
    assert cancel["outcome"] == "cancelled"
    wait_for(lambda: ("term", new_item) in inside.words(), 30, what="Hoàng Đồng stops the cancelled warning")
    assert all(word != "end" for word, _ in inside.words() + second.words())
    assert outside.words() == []
    with Session(live.engine) as session:
        statuses = {i.status for i in session.exec(select(PlaylistItem)).all()}
    assert statuses == {ItemStatus.cancelled}  # nothing of the warning is left to play anywhere
    wait_for(lambda: [e.detail for e in live.events(inside.id, "skipped")
                      if e.item_id == new_item and "withdrawn" in e.detail], 30, what="the stop reported")

    # the record: the as-run log (and its export) names the warning behind every outcome reported
    def reported() -> list[asrun.AsRunRow] | None:
        with Session(live.engine) as session:
            admin = session.exec(select(User).where(User.username == "admin")).one()
            rows = asrun.as_run(session, admin, asrun.AsRunFilter())
        return rows if len(rows) == 3 else None

    rows = wait_for(reported, 30, what="the three stops in the as-run log")
    assert {r.kind for r in rows} == {"skipped"}
    assert all(r.alert == "VN-E2E-1 (Đài Khí tượng Thủy văn khu vực Đông Bắc)" for r in rows)
    assert "VN-E2E-1 (Đài Khí tượng" in asrun.to_csv(rows, ZoneInfo("Asia/Ho_Chi_Minh")).decode("utf-8-sig")
