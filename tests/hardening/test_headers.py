"""Item 11: security headers on every answer, no inline script in any template, /docs behind login."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from broadcast.app import create_app
from broadcast.config import Settings
from broadcast.web.core import HERE
from tests.web.conftest import web_login

# A JSON data block (type="application/json", the page's message catalogue for the scripts) is data the
# browser never runs, so the CSP does not apply to it; any other <script> without src= is inline code.
INLINE_SCRIPT = re.compile(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style", re.I)


def test_templates_have_no_inline_script_handlers_or_styles() -> None:
    """The CSP forbids inline code, so a template that adds some would silently break in the browser."""
    offenders = []
    for path in sorted(Path(HERE / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            offenders += [f"{path.name}: {m.group(0)!r}" for m in pattern.finditer(text)]
        if "javascript:" in text:
            offenders.append(f"{path.name}: javascript: URL")
    assert not offenders, offenders


def test_pages_and_api_carry_the_security_headers(app_client: TestClient, world) -> None:  # type: ignore[no-untyped-def]
    for path in ("/login", "/healthz", "/static/app.js", "/api/v1/auth/me"):
        reply = app_client.get(path)
        headers = reply.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)  # type: ignore[union-attr]
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, path
    web_login(app_client, world.editor)
    home = app_client.get("/")
    assert home.status_code == 200 and "script-src 'self';" in home.headers["content-security-policy"]
    docs = app_client.get("/docs")
    assert docs.status_code == 200 and "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_docs_can_be_put_behind_login(settings: Settings, world_settings_users) -> None:  # type: ignore[no-untyped-def]
    locked = settings.model_copy(update={"docs_require_login": True})
    with TestClient(create_app(locked, start_jobs=False)) as client:
        world_settings_users(client)
        for path in ("/docs", "/redoc"):
            reply = client.get(path, follow_redirects=False)
            assert reply.status_code == 303 and reply.headers["location"] == f"/login?next={path}"
        assert client.get("/openapi.json").status_code == 401
        client.cookies.set("bc_session", "forged")
        assert client.get("/openapi.json").status_code == 401
        client.cookies.clear()
        web_login(client, "editor")
        assert client.get("/docs").status_code == 200
        assert client.get("/openapi.json").json()["info"]["title"] == "broadcast"
    # Without the setting the docs stay open (the default).
    with TestClient(create_app(settings, start_jobs=False)) as client:
        assert client.get("/openapi.json").status_code == 200
