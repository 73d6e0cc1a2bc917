"""CAP 1.2 intake through the API: valid warnings become one emergency draft for exactly the covered stations;
invalid, hostile or duplicate messages change nothing; Update and Cancel act on the referenced alert."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from broadcast.alerts import cap, drafts
from broadcast.alerts.cap import CapInfo
from broadcast.db import session_scope
from broadcast.models import (
    AuditLog,
    Bulletin,
    BulletinStatus,
    BulletinVersion,
    CapAlertRecord,
    ItemStatus,
    PlaylistItem,
    Priority,
    Role,
    VersionState,
)
from broadcast.services import synthesis
from broadcast.services.accounts import create_user
from tests.alerts import cap_samples as samples
from tests.alerts.geo_fixtures import place_demo_communes
from tests.conftest import PASSWORD, World, login

XML = {"Content-Type": "application/xml"}


@pytest.fixture
def located(runtime, world: World) -> World:  # type: ignore[no-untyped-def]
    """xa-a and xa-b lie in the flood valley (Hoàng Đồng, Tân Thanh), xa-c on Mẫu Sơn outside it."""
    with session_scope(runtime.engine) as session:
        place_demo_communes(session, ["xa-a", "xa-b", "xa-c"])
    return world


def _counts(runtime) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return (session.exec(select(func.count()).select_from(CapAlertRecord)).one(),
                session.exec(select(func.count()).select_from(Bulletin)).one(),
                session.exec(select(func.count()).select_from(BulletinVersion)).one())


def _post(client: TestClient, body: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/alerts", content=body, headers={**XML, **headers})


def test_a_vietnamese_flood_warning_becomes_one_emergency_draft_for_the_two_covered_communes(
        app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    approver = login(app_client, located.approver)
    reply = _post(app_client, samples.flood_warning(), approver)
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["outcome"] == "draft" and body["in_vietnamese"] and body["via"] == "api"
    assert sorted(m["code"] for m in body["matched"]) == ["xa-a", "xa-b"]
    assert {m["how"] for m in body["matched"]} == {"polygon"}
    bulletin = app_client.get(f"/api/v1/bulletins/{body['bulletin_id']}", headers=approver).json()
    assert bulletin["stations"] == ["xa-a", "xa-b"]
    assert bulletin["priority"] == "emergency" and bulletin["status"] == "submitted"
    assert bulletin["title"] == "Cảnh báo lũ quét trên sông Kỳ Cùng"
    assert bulletin["text"].startswith("Mưa lớn kéo dài gây nguy cơ lũ quét")
    assert "Bà con khẩn trương di chuyển" in bulletin["text"]
    assert "Tin do Đài Khí tượng Thủy văn khu vực Đông Bắc phát đi." in bulletin["text"]
    assert "Cảnh báo có hiệu lực từ " in bulletin["text"] and " giờ " in bulletin["text"]
    assert bulletin["created_by"] is None  # written by the service, reviewed by a person
    assert _counts(runtime) == (1, 1, 1)
    with Session(runtime.engine) as session:
        record = session.get(CapAlertRecord, body["id"])
        assert record is not None and record.raw_xml.startswith("<?xml") and "Kỳ Cùng" in record.raw_xml
        assert record.validation.startswith("valid CAP 1.2")
        actions = session.exec(select(AuditLog.action).where(AuditLog.object_type == "capalert")).all()
        assert actions == ["alert.receive"]

    # the same message again (a duplicate delivery): nothing new
    again = _post(app_client, samples.flood_warning(), approver)
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["id"] == body["id"]
    assert _counts(runtime) == (1, 1, 1)


@pytest.mark.parametrize(("name", "reason"), [
    ("MISSING_STATUS", "not a valid CAP 1.2 alert"),
    ("BAD_SEVERITY", "must be one of"),
    ("NO_OFFSET", "pattern"),
    ("WRONG_NAMESPACE", "not a CAP 1.2 alert"),
    ("XXE", "document type"),
    ("BILLION_LAUGHS", "document type"),
])
def test_invalid_or_hostile_messages_are_refused_with_a_reason_and_nothing_stored(
        app_client: TestClient, runtime, located: World, name: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    reply = _post(app_client, getattr(samples, name), login(app_client, located.admin))
    assert reply.status_code == 422, reply.text
    assert reason in reply.json()["detail"]
    assert "/etc/passwd" not in reply.text and "root:" not in reply.text
    assert _counts(runtime) == (0, 0, 0)


def test_not_xml_and_bad_polygons_are_refused(app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    admin = login(app_client, located.admin)
    assert "well-formed" in _post(app_client, b"<alert>", admin).json()["detail"]
    assert "empty" in _post(app_client, b"", admin).json()["detail"]
    off_the_map = "21.80,106.55 95.02,106.80 21.80,106.80 21.80,106.55"
    reply = _post(app_client, samples.flood_warning("VN-OFFMAP", polygon=off_the_map), admin)
    assert reply.status_code == 422 and "polygon" in reply.json()["detail"]
    assert _counts(runtime) == (0, 0, 0)


def test_who_may_send_alerts(app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    body = samples.flood_warning("VN-WHO")
    assert _post(app_client, body, {}).status_code == 401
    assert _post(app_client, body, login(app_client, located.editor)).status_code == 403
    signed = {"X-Broadcast-Signature": "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()}
    assert _post(app_client, body, signed).status_code == 403  # the webhook is off without a secret
    assert _counts(runtime) == (0, 0, 0)

    # a warning centre's machine account: it may post alerts, and nothing else
    with session_scope(runtime.engine) as session:
        create_user(session, "kttv-dong-bac", PASSWORD, Role.intake)
    machine = login(app_client, "kttv-dong-bac")
    sent = _post(app_client, body, machine)
    assert sent.status_code == 201 and sent.json()["outcome"] == "draft"
    assert app_client.get("/api/v1/alerts", headers=machine).status_code == 403
    assert app_client.get(f"/api/v1/bulletins/{sent.json()['bulletin_id']}", headers=machine).status_code == 404
    refused = app_client.post(f"/api/v1/alerts/{sent.json()['id']}/approve-and-place", headers=machine,
                              json={"version_id": 1})
    assert refused.status_code == 403


def test_the_hmac_signed_webhook(tmp_path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from broadcast.app import create_app
    from broadcast.config import Settings

    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                        cap_webhook_secret="s3cret-of-the-warning-centre", _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, start_jobs=False)) as client:
        body = samples.flood_warning("VN-HOOK")
        wrong = {"X-Broadcast-Signature": "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()}
        assert _post(client, body, wrong).status_code == 403
        good = {"X-Broadcast-Signature": "sha256=" + hmac.new(b"s3cret-of-the-warning-centre", body,
                                                             hashlib.sha256).hexdigest()}
        reply = _post(client, body, good)
        assert reply.status_code == 201, reply.text
        assert reply.json()["via"] == "webhook" and reply.json()["outcome"] == "no-stations"  # no stations here


def test_examples_shaped_like_the_standard_are_kept_but_match_no_commune(
        app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    admin = login(app_client, located.admin)
    storm = _post(app_client, samples.THUNDERSTORM, admin).json()
    assert storm["in_vietnamese"] is False and storm["language"] == "en-US"
    assert storm["outcome"] == "expired"  # it expired in 2003: never placed
    advisory = _post(app_client, samples.ADVISORY, admin).json()
    assert advisory["outcome"] == "no-stations" and advisory["bulletin_id"] is None
    listed = app_client.get("/api/v1/alerts", headers=admin, params={"outcome": "expired"}).json()
    assert [a["identifier"] for a in listed] == ["KSTO1055887203"]
    assert app_client.get(f"/api/v1/alerts/{storm['id']}/xml", headers=admin).text.startswith("<?xml")
    assert _counts(runtime)[1] == 0


def test_an_expired_warning_is_kept_and_never_drafted(app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    sent = datetime.now(UTC) - timedelta(hours=8)
    body = _post(app_client, samples.flood_warning("VN-OLD", sent=sent, expires=sent + timedelta(hours=1)),
                 login(app_client, located.admin)).json()
    assert body["outcome"] == "expired" and body["bulletin_id"] is None


def test_the_english_info_is_skipped_for_the_vietnamese_one(app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    body = _post(app_client, samples.flood_warning("VN-BILINGUAL", english_too=True),
                 login(app_client, located.admin)).json()
    assert body["language"] == "vi-VN" and body["headline"] == "Cảnh báo lũ quét trên sông Kỳ Cùng"


def _info(urgency: str, severity: str, certainty: str) -> CapInfo:
    return CapInfo(language="vi", categories=("Met",), event="x", urgency=urgency, severity=severity,
                   certainty=certainty)


@pytest.mark.parametrize(("urgency", "severity", "certainty", "expected"), [
    ("Immediate", "Extreme", "Observed", Priority.emergency),
    ("Immediate", "Severe", "Likely", Priority.emergency),
    ("Immediate", "Severe", "Possible", Priority.priority),
    ("Expected", "Extreme", "Likely", Priority.priority),
    ("Future", "Moderate", "Possible", Priority.priority),
    ("Future", "Minor", "Likely", Priority.normal),
    ("Past", "Unknown", "Unknown", Priority.normal),
])
def test_the_priority_table(urgency: str, severity: str, certainty: str, expected: Priority) -> None:
    assert drafts.priority_of(_info(urgency, severity, certainty)) == expected


def test_references_are_triples() -> None:
    [ref] = cap.parse_references("a@b,ID-1,2026-11-28T10:00:00+07:00")
    assert (ref.sender, ref.identifier, ref.sent) == ("a@b", "ID-1", datetime(2026, 11, 28, 3, tzinfo=UTC))
    with pytest.raises(cap.CapRejected):
        cap.parse_references("a@b,ID-1")


def _approve_and_place(client: TestClient, runtime, headers: dict[str, str], alert_id: int, bulletin_id: int):  # type: ignore[no-untyped-def]
    synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    bulletin = client.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers).json()
    assert bulletin["review_audio"], bulletin
    return client.post(f"/api/v1/alerts/{alert_id}/approve-and-place", headers=headers,
                       json={"version_id": bulletin["version_id"], "audio_sha256": bulletin["review_audio"]["sha256"]})


def test_approve_and_place_now_then_update_then_cancel(app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    approver = login(app_client, located.approver)
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    first = _post(app_client, samples.flood_warning("VN-LIVE-1", sent=sent), approver).json()
    placed = _approve_and_place(app_client, runtime, approver, first["id"], first["bulletin_id"])
    assert placed.status_code == 200, placed.text
    assert len(placed.json()["items"]) == 2 and {i["priority"] for i in placed.json()["items"]} == {"emergency"}
    assert placed.json()["alert"]["outcome"] == "placed"
    with Session(runtime.engine) as session:
        item = session.exec(select(PlaylistItem)).first()
        assert item is not None and item.valid_until is not None
        assert abs((item.valid_until - (sent + timedelta(hours=6))).total_seconds()) < 1  # valid until expires

    # Update: shrink the area to Hoàng Đồng only, stronger words; a new version waits for approval
    narrow = "21.80,106.69 21.80,106.80 22.02,106.80 22.02,106.69 21.80,106.69"
    update = _post(app_client, samples.flood_warning(
        "VN-LIVE-2", sent=sent + timedelta(minutes=1), msg_type="Update", polygon=narrow,
        references=samples.reference("VN-LIVE-1", sent), headline="Lũ quét đang xảy ra tại xã Hoàng Đồng"),
        approver).json()
    assert update["outcome"] == "update" and update["bulletin_id"] == first["bulletin_id"]
    assert update["refers_to_id"] == first["id"]
    bulletin = app_client.get(f"/api/v1/bulletins/{first['bulletin_id']}", headers=approver).json()
    assert bulletin["stations"] == ["xa-a"] and bulletin["title"] == "Lũ quét đang xảy ra tại xã Hoàng Đồng"
    assert bulletin["status"] == "ready"  # the approved warning keeps airing until the update is approved
    replaced = _approve_and_place(app_client, runtime, approver, update["id"], first["bulletin_id"])
    assert replaced.status_code == 200, replaced.text
    assert [i["station_id"] for i in replaced.json()["items"]] == [1]
    with Session(runtime.engine) as session:
        old = session.exec(select(PlaylistItem).where(PlaylistItem.placement_id == placed.json()["placement_id"])
                           ).all()
        assert {i.status for i in old} == {ItemStatus.cancelled}
        assert all("updated warning" in i.status_detail for i in old)

    # Cancel: every placement stops at once, the reason is kept
    cancel = _post(app_client, samples.flood_warning(
        "VN-LIVE-3", sent=sent + timedelta(minutes=2), msg_type="Cancel", note="Mưa đã ngớt, hủy cảnh báo lũ quét.",
        references=samples.reference("VN-LIVE-2", sent + timedelta(minutes=1))), approver).json()
    assert cancel["outcome"] == "cancelled" and "Mưa đã ngớt" in cancel["outcome_detail"]
    with Session(runtime.engine) as session:
        items = session.exec(select(PlaylistItem)).all()
        assert {i.status for i in items} == {ItemStatus.cancelled}
        b = session.get(Bulletin, first["bulletin_id"])
        assert b is not None and b.status == BulletinStatus.cancelled and "Mưa đã ngớt" in (b.review_comment or "")
        assert not session.exec(select(BulletinVersion).where(BulletinVersion.state == VersionState.pending)).all()
    again = app_client.post(f"/api/v1/alerts/{first['id']}/approve-and-place", headers=approver,
                            json={"version_id": 1})
    assert again.status_code == 422 and "cancelled" in again.json()["detail"]


def test_an_update_of_an_unknown_alert_is_kept_as_unresolved(app_client: TestClient, runtime, located: World) -> None:  # type: ignore[no-untyped-def]
    body = _post(app_client, samples.flood_warning(
        "VN-ORPHAN", msg_type="Cancel", references=samples.reference("VN-NEVER", datetime(2026, 1, 1, tzinfo=UTC))),
        login(app_client, located.admin)).json()
    assert body["outcome"] == "unresolved"
    assert _counts(runtime)[1] == 0


def test_auto_approval_only_for_an_extreme_immediate_alert_from_a_trusted_sender(tmp_path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from broadcast.alerts.drafts import auto_approve_ready
    from broadcast.app import create_app
    from broadcast.config import Settings
    from broadcast.models import Placement, Role
    from broadcast.services.accounts import create_user
    from broadcast.services.stations import create_station

    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                        cap_auto_approve_senders=f"{samples.SENDER}, other@x", _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, start_jobs=False)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with session_scope(runtime.engine) as session:
            for code in ("xa-a", "xa-b", "xa-c"):
                create_station(session, code, f"Xã {code[-1].upper()}", province="Lạng Sơn")
            session.flush()
            place_demo_communes(session, ["xa-a", "xa-b", "xa-c"])
            create_user(session, "cap-admin", "correct horse battery", Role.admin)
        admin = login(client, "cap-admin")
        trusted = _post(client, samples.flood_warning("VN-AUTO-1"), admin).json()
        severe = _post(client, samples.flood_warning("VN-AUTO-2", severity="Severe"), admin).json()
        stranger = _post(client, samples.flood_warning("VN-AUTO-3", sender="someone@else.vn"), admin).json()
        assert (trusted["auto_approve"], severe["auto_approve"], stranger["auto_approve"]) == (True, False, False)
        with session_scope(runtime.engine) as session:
            assert auto_approve_ready(session, settings.cap_trusted_senders, datetime.now(UTC)) == []  # no audio yet
        synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
        with session_scope(runtime.engine) as session:
            assert auto_approve_ready(session, settings.cap_trusted_senders, datetime.now(UTC)) == [trusted["id"]]
        with session_scope(runtime.engine) as session:
            assert auto_approve_ready(session, settings.cap_trusted_senders, datetime.now(UTC)) == []  # once
        with Session(runtime.engine) as session:
            record = session.get(CapAlertRecord, trusted["id"])
            assert record is not None and record.outcome == "auto-approved"
            bulletin = session.get(Bulletin, trusted["bulletin_id"])
            assert bulletin is not None and bulletin.status == BulletinStatus.ready and bulletin.approved_by is None
            [placement] = session.exec(select(Placement)).all()
            assert placement.bulletin_id == bulletin.id and placement.created_by is None
            assert len(session.exec(select(PlaylistItem)).all()) == 2
            details = session.exec(select(AuditLog.detail).where(AuditLog.action.in_(  # type: ignore[attr-defined]
                ["bulletin.approve", "alert.auto_approve"]))).all()
            assert len(details) == 2 and all("auto-approved CAP alert VN-AUTO-1" in d for d in details)
            for other in (severe, stranger):
                assert session.get(CapAlertRecord, other["id"]).outcome == "draft"  # type: ignore[union-attr]
