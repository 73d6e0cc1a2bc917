"""Logging in, tokens and the 401s."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, World, login


def test_login_and_who_am_i(app_client: TestClient, world: World) -> None:
    headers = login(app_client, world.editor)
    reply = app_client.get("/api/v1/auth/me", headers=headers)
    assert reply.status_code == 200
    assert reply.json()["username"] == "editor" and reply.json()["role"] == "editor"


def test_wrong_password_is_401_and_logged(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    reply = app_client.post("/api/v1/auth/token", data={"username": "editor", "password": "nope-nope"})
    assert reply.status_code == 401
    assert reply.json()["detail"] == "wrong username or password"
    from sqlmodel import Session, select

    from broadcast.models import LoginAttempt

    with Session(runtime.engine) as session:
        attempts = session.exec(select(LoginAttempt).where(LoginAttempt.username == "editor")).all()
    assert [a.success for a in attempts] == [False]


def test_missing_and_wrong_tokens_are_401(app_client: TestClient, world: World) -> None:
    assert app_client.get("/api/v1/bulletins").status_code == 401
    reply = app_client.get("/api/v1/bulletins", headers={"Authorization": "Bearer not-a-token"})
    assert reply.status_code == 401
    assert "invalid" in reply.json()["detail"]
    assert reply.headers["www-authenticate"] == "Bearer"


def test_logout_ends_the_token(app_client: TestClient, world: World) -> None:
    headers = login(app_client, world.admin, PASSWORD)
    assert app_client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert app_client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_receiver_endpoints_need_a_device_token(app_client: TestClient, world: World) -> None:
    assert app_client.get("/api/v1/receiver/playlist").status_code == 401
    staff = login(app_client, world.admin)
    assert app_client.get("/api/v1/receiver/playlist", headers=staff).status_code == 401
    token = world.receiver_tokens["xa-a"]
    forged = token[: token.index(".") + 1] + "x" * 43
    assert app_client.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    good = app_client.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200
    assert good.json()["manifest"]["station"] == "xa-a"
