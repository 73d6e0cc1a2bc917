"""Fixtures for the staff web app: logging in through the pages, and (for browser tests) a live server
with a small province and one Chromium for the whole session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.models import Role
from broadcast.runtime import Runtime
from broadcast.schedule.service import apply_template
from broadcast.schedule.templates import load_templates
from broadcast.services.accounts import create_user
from broadcast.services.receivers import create_receiver
from broadcast.services.stations import create_station
from tests.conftest import PASSWORD, LiveServer, start_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "ci-artifacts" / "screenshots"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the login form; returns the session's CSRF token (read from the home page)."""
    page = client.get("/login")
    token = FORM_CSRF.search(page.text)
    assert token, page.text
    reply = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1),
                                        "next": "/"})
    assert reply.status_code == 200 and reply.url.path == "/", reply.text[:500]
    found = META_CSRF.search(reply.text)
    assert found
    return found.group(1)


@pytest.fixture
def web_client(app_client: TestClient) -> Iterator:  # type: ignore[type-arg]
    """Make extra browsers-without-a-browser (own cookie jars) on the same running app."""
    clients: list[TestClient] = []

    def factory(username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
        client = TestClient(app_client.app)
        clients.append(client)
        return client, web_login(client, username, password)

    yield factory
    for client in clients:
        client.close()


def make_province(data_dir: Path) -> dict[str, str]:
    """Migrate a database in ``data_dir`` with three stations, their receivers and users of every role."""
    settings = Settings(data_dir=data_dir, database_url="", demo=False, scheduler=False,
                        _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime.open(settings)
    tokens: dict[str, str] = {}
    try:
        template = load_templates(settings.schedules_dir)["daily"]
        with session_scope(runtime.engine) as session:
            for code, name, district in (("xa-a", "Xã Hoàng Đồng", "Thành phố Lạng Sơn"),
                                         ("xa-b", "Xã Tân Thanh", "Huyện Văn Lãng"),
                                         ("xa-c", "Xã Mẫu Sơn", "Huyện Lộc Bình")):
                station = create_station(session, code, name, province="Lạng Sơn", district=district)
                apply_template(session, station, template)
                tokens[code] = create_receiver(session, station, f"Cụm loa trung tâm {name}")[1]
            create_user(session, "admin", PASSWORD, Role.admin, full_name="Quản trị tỉnh")
            create_user(session, "editor", PASSWORD, Role.editor, full_name="Nguyễn Thị Lan",
                        station_codes=["xa-a", "xa-b"])
            create_user(session, "approver", PASSWORD, Role.approver, full_name="Hoàng Văn Minh",
                        station_codes=["xa-a", "xa-b"])
            create_user(session, "editor-c", PASSWORD, Role.editor, full_name="Lý Thị Hoa", station_codes=["xa-c"])
    finally:
        runtime.close()
    return tokens


@dataclass
class Site:
    server: LiveServer
    receiver_tokens: dict[str, str]
    data_dir: Path
    shots: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


OFFLINE_AFTER_S = 12  # above the batched last-seen write interval (5 s) plus a loaded machine's latency


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One real ``broadcast serve`` (scheduler on, SQLite) shared by the browser tests."""
    data_dir = tmp_path_factory.mktemp("web-site") / "var"
    tokens = make_province(data_dir)
    server = start_server(data_dir, env={"BROADCAST_DATABASE_URL": "", "BROADCAST_DEMO": "false",
                                         "BROADCAST_RECEIVER_OFFLINE_AFTER_S": str(OFFLINE_AFTER_S),
                                         "BROADCAST_MAX_UPLOAD_MB": "1", "BROADCAST_SCHEDULER": "true"})
    try:
        yield Site(server, tokens, data_dir)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
