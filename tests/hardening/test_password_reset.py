"""Item 10 of issue 13, the reset: an admin issues a one-time password that must be changed at first login."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from broadcast.models import AuditLog, User
from tests.conftest import PASSWORD, World, login
from tests.foundation.test_cli import run_cli
from tests.web.conftest import META_CSRF, web_login

NEW = "mùa nước nổi về đồng 2026"


def _audit(runtime, action: str) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)).all())


def _user(runtime, username: str) -> User:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def _token(client: TestClient, username: str, password: str) -> dict:  # type: ignore[type-arg]
    reply = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_api_reset_forces_a_change_before_anything_else(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    admin = login(app_client, world.admin)
    before = login(app_client, world.editor)  # a session the reset must end
    assert app_client.get("/api/v1/auth/me", headers=before).status_code == 200

    reply = app_client.post(f"/api/v1/users/{world.editor}/password-reset", headers=admin)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    one_time = body["one_time_password"]
    assert body["username"] == world.editor and body["must_change_password"] is True and len(one_time) >= 12
    assert app_client.get("/api/v1/auth/me", headers=before).status_code == 401  # old sessions revoked
    assert app_client.post("/api/v1/auth/token",
                           data={"username": world.editor, "password": PASSWORD}).status_code == 401
    [entry] = _audit(runtime, "user.password_reset")
    assert entry.detail == world.editor and entry.object_id == _user(runtime, world.editor).id
    assert one_time not in (entry.detail or "")

    granted = _token(app_client, world.editor, one_time)
    assert granted["must_change_password"] is True
    headers = {"Authorization": f"Bearer {granted['access_token']}"}
    for method, path in (("GET", "/api/v1/auth/me"), ("GET", "/api/v1/bulletins"), ("GET", "/api/v1/stations"),
                         ("POST", "/api/v1/bulletins")):
        refused = app_client.request(method, path, headers=headers, json={"title": "x", "text": "y"})
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["detail"].startswith("password change required")

    same = app_client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": one_time, "new_password": one_time})
    assert same.status_code == 422 and "differ" in same.json()["detail"]
    weak = app_client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": one_time, "new_password": "Password2026!"})
    assert weak.status_code == 422 and "too common" in weak.json()["detail"]
    assert _user(runtime, world.editor).must_change_password is True  # refusals change nothing
    done = app_client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": one_time, "new_password": NEW})
    assert done.status_code == 204, done.text
    assert _user(runtime, world.editor).must_change_password is False
    assert app_client.get("/api/v1/auth/me", headers=headers).json()["username"] == world.editor
    assert app_client.get("/api/v1/bulletins", headers=headers).status_code == 200
    assert app_client.post("/api/v1/auth/token",
                           data={"username": world.editor, "password": one_time}).status_code == 401
    assert _token(app_client, world.editor, NEW)["must_change_password"] is False


def test_logout_still_works_while_a_change_is_required(app_client: TestClient, world: World) -> None:
    admin = login(app_client, world.admin)
    one_time = app_client.post(f"/api/v1/users/{world.approver}/password-reset",
                               headers=admin).json()["one_time_password"]
    headers = {"Authorization": f"Bearer {_token(app_client, world.approver, one_time)['access_token']}"}
    assert app_client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert app_client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": one_time, "new_password": NEW}).status_code == 401


def test_only_admins_can_reset(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    for who in (world.editor, world.approver):
        headers = login(app_client, who)
        for target in (world.admin, world.other_editor, who):
            reply = app_client.post(f"/api/v1/users/{target}/password-reset", headers=headers)
            assert reply.status_code == 403 and reply.json()["detail"] == "only an admin can do this"
    assert _audit(runtime, "user.password_reset") == []
    login(app_client, world.admin)  # nobody's password moved
    login(app_client, world.other_editor)
    assert not any(_user(runtime, u).must_change_password for u in (world.admin, world.editor, world.approver))
    admin = login(app_client, world.admin)
    assert app_client.post("/api/v1/users/nobody-here/password-reset", headers=admin).status_code == 404
    own = app_client.post(f"/api/v1/users/{world.admin}/password-reset", headers=admin)
    assert own.status_code == 422 and "your own password" in own.json()["detail"]
    assert _audit(runtime, "user.password_reset") == []


def test_web_reset_and_forced_change(app_client: TestClient, world: World, web_client, runtime) -> None:  # type: ignore[no-untyped-def]
    editor_browser, _ = web_client(world.editor)
    assert editor_browser.get("/").status_code == 200

    admin_csrf = web_login(app_client, world.admin)
    page = app_client.get("/admin/users")
    assert f'action="/admin/users/{world.editor}/password-reset"' in page.text
    assert 'data-confirm="Cấp lại mật khẩu cho' in page.text
    reply = app_client.post(f"/admin/users/{world.editor}/password-reset", data={"csrf_token": admin_csrf})
    assert reply.status_code == 200 and "Đã cấp lại mật khẩu" in reply.text
    found = re.search(r'<code id="reset-password">([^<]+)</code>', reply.text)
    assert found
    one_time = found.group(1)
    assert "reset-password" not in app_client.get("/admin/users").text  # shown once only
    assert [a.action for a in _audit(runtime, "user.password_reset")] == ["user.password_reset"]
    assert "Cấp lại mật khẩu" in app_client.get("/admin/audit").text  # the Vietnamese label

    # The editor's open browser session was ended by the reset.
    assert editor_browser.get("/", follow_redirects=False).headers["location"].startswith("/login")

    with TestClient(app_client.app) as browser:
        _forced_change(app_client, browser, world, one_time)


def _forced_change(app_client: TestClient, browser: TestClient, world: World, one_time: str) -> None:
    """The one-time password logs in, but every page leads to the password change until it is done."""
    login_page = browser.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
    assert csrf
    landed = browser.post("/login", data={"username": world.editor, "password": one_time,
                                          "csrf_token": csrf.group(1), "next": "/bulletins"})
    assert landed.status_code == 200 and landed.url.path == "/account/password"
    assert 'id="must-change"' in landed.text and "mật khẩu tạm thời" in landed.text
    for path in ("/", "/bulletins", "/receivers", "/admin/users"):
        moved = browser.get(path, follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == "/account/password", path
    session_csrf = META_CSRF.search(landed.text)
    assert session_csrf
    token = session_csrf.group(1)
    blocked = browser.post("/bulletins", data={"title": "x", "text": "y", "csrf_token": token})
    assert blocked.status_code == 403 and "mật khẩu tạm thời" in blocked.text
    assert browser.get("/static/app.css").status_code == 200

    same = browser.post("/account/password", data={"current": one_time, "new": one_time, "repeat": one_time,
                                                   "csrf_token": token})
    assert same.status_code == 422 and "phải khác mật khẩu hiện tại" in same.text
    done = browser.post("/account/password", data={"current": one_time, "new": NEW, "repeat": NEW,
                                                   "csrf_token": token})
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text and 'id="must-change"' not in done.text
    assert browser.get("/", follow_redirects=False).status_code == 200
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 200
    assert app_client.post("/api/v1/auth/token",
                           data={"username": world.editor, "password": one_time}).status_code == 401
    login(app_client, world.editor, NEW)


def test_web_reset_refused_to_non_admins(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    csrf = web_login(app_client, world.approver)
    reply = app_client.post(f"/admin/users/{world.editor}/password-reset", data={"csrf_token": csrf})
    assert reply.status_code == 403 and "Quản trị" in reply.text
    assert _audit(runtime, "user.password_reset") == []
    login(app_client, world.editor)


def test_cli_reset_prints_a_password_that_logs_in(app_client: TestClient, world: World, settings, db_url: str,
                                                  runtime) -> None:  # type: ignore[no-untyped-def]
    env = {"BROADCAST_DATABASE_URL": db_url, "BROADCAST_DEMO": "false"}
    missing = run_cli("admin", "reset-password", "nobody-here", data_dir=settings.data_dir, env=env)
    assert missing.returncode == 1 and "no user" in missing.stderr
    done = run_cli("admin", "reset-password", world.approver, data_dir=settings.data_dir, env=env)
    assert done.returncode == 0, done.stderr
    found = re.search(r"^one-time password: (\S+)$", done.stdout, re.MULTILINE)
    assert found
    assert app_client.post("/api/v1/auth/token",
                           data={"username": world.approver, "password": PASSWORD}).status_code == 401
    granted = _token(app_client, world.approver, found.group(1))
    assert granted["must_change_password"] is True
    [entry] = _audit(runtime, "user.password_reset")
    assert entry.user_id is None and "command line" in (entry.detail or "")
