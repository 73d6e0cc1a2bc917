"""Item 10 of issue 13: the password policy, changing one's own password, the CLI's --password-stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from broadcast.models import AuditLog
from broadcast.services import passwords
from tests.conftest import PASSWORD, World, login
from tests.foundation.test_cli import run_cli

REFUSED = {
    " " * 8: "at least 12", " " * 16: "different characters", "12345678": "at least 12", "password": "at least 12",
    "123456789012": "only digits", "Password2026!": "too common", "matkhaumatkhau": "too common",
    "qwertyuiop123": "too common", "aaaaaaaaaaaaaaaa": "different characters", "my-editor-account": "username",
    "rotide-backwards-x": "username", "love love love love": "too common",
}


@pytest.mark.parametrize(("password", "why"), REFUSED.items())
def test_policy_refuses_weak_passwords(password: str, why: str) -> None:
    found = passwords.problem(password, "editor")
    assert found is not None and why in found


def test_policy_accepts_phrases_and_its_own_random_passwords() -> None:
    for good in (PASSWORD, "mat-khau-duyet", "Lúa chín vàng đồng 2026"):
        assert passwords.problem(good, "editor") is None
    for _ in range(50):
        assert passwords.problem(passwords.generate("admin"), "admin") is None


def _audit(runtime, action: str) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)).all())


def test_change_own_password_over_the_api(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    headers = login(app_client, world.editor)
    other_session = login(app_client, world.editor)
    new = "đồng lúa xanh mướt 2026"
    wrong = app_client.post("/api/v1/auth/password", headers=headers,
                            json={"current_password": "not it at all", "new_password": new})
    assert wrong.status_code == 403 and wrong.json()["detail"] == "the current password is wrong"
    assert len(_audit(runtime, "user.confirm_failed")) == 1
    for weak, why in (("password", "at least 12"), ("editor-editor-editor", "username"),
                      ("Password2026!", "too common")):
        refused = app_client.post("/api/v1/auth/password", headers=headers,
                                  json={"current_password": PASSWORD, "new_password": weak})
        assert refused.status_code == 422 and why in refused.json()["detail"]
    assert app_client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": PASSWORD, "new_password": new}).status_code == 204
    assert app_client.get("/api/v1/auth/me", headers=headers).status_code == 200  # this token stays
    assert app_client.get("/api/v1/auth/me", headers=other_session).status_code == 401  # others end
    old = app_client.post("/api/v1/auth/token", data={"username": world.editor, "password": PASSWORD})
    assert old.status_code == 401
    login(app_client, world.editor, new)
    # Only one's own account: the approver's password is untouched by all of this.
    login(app_client, world.approver, PASSWORD)
    assert [a.detail for a in _audit(runtime, "user.password_changed")] == ["api, from testclient"]


def test_wrong_current_passwords_are_throttled(app_client: TestClient, world: World) -> None:
    headers = login(app_client, world.approver)
    body = {"current_password": "guessing again", "new_password": "a brand new phrase 42"}
    codes = [app_client.post("/api/v1/auth/password", headers=headers, json=body).status_code for _ in range(5)]
    assert codes[:4] == [403] * 4 and codes[4] == 429


def test_cli_password_from_stdin_and_policy(tmp_path: Path, db_url: str) -> None:
    env = {"BROADCAST_DATABASE_URL": db_url, "BROADCAST_DEMO": "false"}
    weak = run_cli("admin", "create-user", "duyet", "--role", "approver", "--password", "12345678",
                   data_dir=tmp_path, env=env)
    assert weak.returncode == 1 and "at least 12" in weak.stderr
    piped = run_cli("admin", "create-user", "duyet", "--role", "approver", "--password-stdin",
                    data_dir=tmp_path, env=env, stdin="password\n")
    assert piped.returncode == 1 and "at least 12" in piped.stderr
    piped = run_cli("admin", "create-user", "duyet", "--role", "approver", "--password-stdin",
                    data_dir=tmp_path, env=env, stdin="sông Kỳ Cùng mùa lũ\n")
    assert piped.returncode == 0, piped.stderr
    assert "password:" not in piped.stdout  # nothing to print: the admin chose it
    from broadcast.db import make_engine
    from broadcast.models import User
    from broadcast.security import verify_password

    engine = make_engine(db_url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "duyet")).one()
        assert verify_password(user.password_hash, "sông Kỳ Cùng mùa lũ")
    engine.dispose()


def test_admin_page_refuses_a_weak_password_in_vietnamese(app_client: TestClient, world: World) -> None:
    from tests.web.conftest import web_login

    csrf = web_login(app_client, world.admin)
    reply = app_client.post("/admin/users", data={"username": "moi", "password": "matkhau123", "role": "editor",
                                            "csrf_token": csrf})
    assert reply.status_code == 422 and "Mật khẩu phải có ít nhất 12 ký tự" in reply.text
    reply = app_client.post("/admin/users", data={"username": "moi", "password": "matkhau-matkhau", "role": "editor",
                                            "csrf_token": csrf})
    assert reply.status_code == 422 and "quá phổ biến" in reply.text


def test_change_own_password_on_the_web(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import web_login

    csrf = web_login(app_client, world.editor)
    assert "Đổi mật khẩu" in app_client.get("/account/password").text
    new = "ruộng bậc thang mùa vàng"
    wrong = app_client.post("/account/password", data={"current": "not it at all", "new": new, "repeat": new,
                                                       "csrf_token": csrf})
    assert wrong.status_code == 403 and "Mật khẩu hiện tại không đúng" in wrong.text
    weak = app_client.post("/account/password", data={"current": PASSWORD, "new": "matkhau123", "repeat": "matkhau123",
                                                      "csrf_token": csrf})
    assert weak.status_code == 422 and "ít nhất 12 ký tự" in weak.text
    mismatch = app_client.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new + "x",
                                                          "csrf_token": csrf})
    assert mismatch.status_code == 422 and "không giống nhau" in mismatch.text
    done = app_client.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new,
                                                      "csrf_token": csrf})
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text  # the session itself stays
    assert app_client.post("/api/v1/auth/token",
                           data={"username": world.editor, "password": PASSWORD}).status_code == 401
    login(app_client, world.editor, new)
    assert [a.detail for a in _audit(runtime, "user.password_changed")] == ["web, from testclient"]
