"""Item 11: push URLs may not target loopback, private or link-local addresses (unless allowed)."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fastapi.testclient import TestClient
from sqlmodel import select

from broadcast.db import session_scope
from broadcast.distribute.publish import publish
from broadcast.distribute.push import deliver_due
from broadcast.models import PushDelivery, Station
from tests.conftest import World, login
from tests.distribute.support import FIXED_NOW, pinned_settings, ready_bulletin, service_now, settings  # noqa: F401
from tests.protocol.test_receiver_api import place_at


def test_private_push_urls_are_refused_when_set(app_client: TestClient, world: World) -> None:
    admin = login(app_client, world.admin)
    for url in ("http://127.0.0.1:8080/push", "http://localhost/push", "http://10.1.2.3/", "http://192.168.1.10/",
                "http://169.254.169.254/latest/meta-data/", "http://[::1]:9000/", "http://[fe80::1]/",
                "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/"):
        reply = app_client.put("/api/v1/stations/xa-a/push", headers=admin, json={"url": url})
        assert reply.status_code == 422, (url, reply.text)
        assert "BROADCAST_PUSH_ALLOW_PRIVATE" in reply.json()["detail"]
    public = app_client.put("/api/v1/stations/xa-a/push", headers=admin, json={"url": "https://93.184.216.34/push"})
    assert public.status_code == 200, public.text


def test_a_stored_private_url_is_not_contacted_at_send_time(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with session_scope(runtime.engine) as session:  # set before this rule existed, or by hand
            station = session.exec(select(Station).where(Station.code == "xa-a")).one()
            station.push_url, station.push_secret = f"http://127.0.0.1:{server.server_port}/push", "s" * 32
            session.add(station)
        bid = ready_bulletin(runtime.engine, runtime.media, "Đẩy", ["xa-a"], seconds=10)
        place_at(app_client, bid, FIXED_NOW + timedelta(hours=1))
        with session_scope(runtime.engine) as session:
            publish(session, runtime.signing_key, "", service_now(runtime))
        assert deliver_due(runtime.engine, service_now(runtime), box=runtime.secret_box) == 1
        assert hits == []
        with session_scope(runtime.engine) as session:
            delivery = session.exec(select(PushDelivery)).one()
        assert delivery.last_error and "refused" in delivery.last_error and "loopback" in delivery.last_error
        # With the setting on (gateways on an internal network) the same delivery goes out.
        assert deliver_due(runtime.engine, service_now(runtime) + timedelta(minutes=20), allow_private=True,
                           box=runtime.secret_box) == 1
        assert hits == ["/push"]
    finally:
        server.shutdown()


def test_push_secrets_are_encrypted_at_rest(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """The database holds only ciphertext; old plain rows are encrypted at the next start; the key is 0600."""
    import stat

    from broadcast.runtime import Runtime
    from broadcast.secret_box import PREFIX

    admin = login(app_client, world.admin)
    reply = app_client.put("/api/v1/stations/xa-a/push", headers=admin,
                           json={"url": "https://93.184.216.34/push", "secret": "bi-mat-cua-cong-xa-a"})
    assert reply.status_code == 200 and reply.json()["secret"] == "bi-mat-cua-cong-xa-a"
    with session_scope(runtime.engine) as session:
        stored = session.exec(select(Station.push_secret).where(Station.code == "xa-a")).one()
        legacy = session.exec(select(Station).where(Station.code == "xa-b")).one()
        legacy.push_url, legacy.push_secret = "https://93.184.216.34/b", "ban-ro-tu-truoc-khi-ma-hoa"
        session.add(legacy)
    assert stored and stored.startswith(PREFIX) and "bi-mat" not in stored
    assert runtime.secret_box.decrypt(stored) == "bi-mat-cua-cong-xa-a"
    key = runtime.settings.keys_dir / "push-secrets.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = Runtime.open(runtime.settings)  # the start-up pass encrypts the plain row
    try:
        with session_scope(again.engine) as session:
            converted = session.exec(select(Station.push_secret).where(Station.code == "xa-b")).one()
        assert converted and converted.startswith(PREFIX)
        assert again.secret_box.decrypt(converted) == "ban-ro-tu-truoc-khi-ma-hoa"
    finally:
        again.close()
