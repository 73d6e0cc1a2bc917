"""Item 8: hostile values sent to every route of the app answer a clear 4xx, never a 500 (both backends).

The routes are enumerated from the application itself, so a route added later is fuzzed too. Each gets its
path parameters, query parameters, JSON body fields and form fields filled with: a lone surrogate, a NUL,
an integer of 2**70, and date-times of years 1 and 9999 at ±14:00. Requests are made as an admin with a
web session (and, for the receiver protocol, with a device token), so they reach the handlers.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlmodel import func, select

from broadcast.db import session_scope
from broadcast.errors import InvalidInput
from broadcast.models import Bulletin
from broadcast.services import documents
from tests.conftest import World, login
from tests.web.conftest import web_login

HOSTILE: dict[str, Any] = {
    "surrogate": "a\ud800b",
    "nul": "a\x00b",
    "huge-int": 2**70,
    "year-1": "0001-01-01T00:00:00+14:00",
    "year-9999": "9999-12-31T23:59:59-14:00",
}
SKIP_PREFIXES = ("/docs", "/redoc", "/openapi.json", "/static")


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # an included router (FastAPI resolves them lazily)
            yield from _routes(route.original_router.routes, prefix + (route.include_context.prefix or ""))


def _body_for(route: APIRoute, value: Any) -> Any:
    """The route's JSON body with every field set to ``value`` (or the value itself for a scalar body)."""
    if route.body_field is None:
        return {"text": value, "title": value, "id": value}
    annotation = route.body_field.field_info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: value for name in annotation.model_fields}
    return value


def _query_for(route: APIRoute, value: Any) -> str:
    names = [p.name for p in route.dependant.query_params] or ["q"]
    text = str(value)
    return "&".join(f"{quote(n)}={quote(text.encode('utf-8', 'surrogatepass'))}" for n in names)


def _path_for(path: str, value: Any) -> str:
    text = quote(str(value).encode("utf-8", "surrogatepass"), safe="")
    return re.sub(r"\{[^}]+\}", text, path)


def _json_bytes(document: Any) -> bytes:
    import json

    return json.dumps(document).encode()  # ensure_ascii: the surrogate travels as the escape "\ud800"


def test_every_route_answers_hostile_values_with_a_4xx(app_client: TestClient, world: World) -> None:
    client = TestClient(app_client.app, raise_server_exceptions=False)
    csrf = web_login(client, world.admin)  # sent on every request: web forms reach their handlers too
    admin = login(client, world.admin)["Authorization"]
    device = f"Bearer {world.receiver_tokens['xa-a']}"
    failures: list[str] = []
    count = 0
    for path, route in _routes(list(app_client.app.routes)):  # type: ignore[attr-defined]
        if path.startswith(SKIP_PREFIXES):
            continue
        auth = device if path.startswith("/api/v1/receiver") else admin
        for method in sorted(route.methods - {"HEAD"}):
            for label, value in HOSTILE.items():
                url = f"{_path_for(path, 1)}?{_query_for(route, value)}"
                attempts = [("query", url, {})]
                if "{" in path and label in ("nul", "huge-int"):
                    attempts.append(("path", _path_for(path, value), {}))
                if method in ("POST", "PUT", "PATCH"):
                    attempts.append(("json", _path_for(path, 1), {
                        "content": _json_bytes(_body_for(route, value)),
                        "headers": {"Content-Type": "application/json"}}))
                    if isinstance(value, str):
                        form = [(p.name, value) for p in route.dependant.body_params] or [("text", value)]
                        attempts.append(("form", _path_for(path, 1), {
                            "content": "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}"
                                                for k, v in form).encode(),
                            "headers": {"Content-Type": "application/x-www-form-urlencoded"}}))
                for where, target, extra in attempts:
                    headers = {"Authorization": auth, "X-CSRF-Token": csrf, **extra.pop("headers", {})}
                    reply = client.request(method, target, headers=headers, **extra)
                    count += 1
                    if not 400 <= reply.status_code < 500:
                        failures.append(f"{method} {path} {label} in {where}: {reply.status_code} {reply.text[:120]}")
    assert count > 500
    assert not failures, "\n".join(failures)


def test_targeted_attacks_from_the_review(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """The exact requests of the security review: each is a 422 that names the problem, and stores nothing."""
    client = TestClient(app_client.app, raise_server_exceptions=False)
    editor = login(client, world.editor)
    device = {"Authorization": f"Bearer {world.receiver_tokens['xa-a']}"}
    at = "2026-11-23T09:05:00+07:00"
    cases = [
        client.post("/api/v1/bulletins", headers={**editor, "Content-Type": "application/json"},
                    content=b'{"title": "T", "text": "\\ud800", "stations": ["xa-a"]}'),
        client.post("/api/v1/bulletins", headers=editor,
                    json={"title": "T", "text": "UBND\x00 xã", "stations": ["xa-a"]}),
        client.put("/api/v1/lexicon", headers=login(client, world.admin), json={"written": "UB\x00", "spoken": "x"}),
        client.post("/api/v1/receiver/reports", headers=device,
                    json={"events": [{"event_id": "e\x00", "item_id": 1, "kind": "played", "at": at}]}),
        client.post("/api/v1/receiver/reports", headers=device,
                    json={"events": [{"event_id": "e1", "item_id": 2**70, "kind": "played", "at": at}]}),
        client.post("/api/v1/receiver/reports", headers=device,
                    json={"events": [], "heartbeat": {"manifest_sequence": 2**70}}),
        client.get("/api/v1/bulletins?status=%00", headers=editor),
        client.get(f"/api/v1/bulletins/{2**70}", headers=editor),
        client.post("/api/v1/auth/token", data={"username": "admin\x00", "password": "x"}),
        client.post("/login", data={"username": "admin\x00", "password": "x", "csrf_token": "x"}),
    ]
    for reply in cases:
        assert reply.status_code == 422, (reply.request.url, reply.status_code, reply.text)
        assert "invalid input" in reply.text or "Dữ liệu không hợp lệ" in reply.text
    # A NUL in a multipart text field reaches no handler's SQL: the database guard answers 422.
    wav = _tiny_wav()
    upload = client.post("/api/v1/bulletins/recording", headers=editor,
                         data={"title": "Ghi\x00âm", "stations": ["xa-a"]}, files={"file": ("a.wav", wav, "audio/wav")})
    assert upload.status_code == 422, upload.text
    with session_scope(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(Bulletin)).one() == 0


def _tiny_wav() -> bytes:
    import math
    import struct
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(16000 * 2)))
    return buffer.getvalue()


def _docx_with(body_xml_insert: str, doctype: str = "") -> bytes:
    """A real .docx (python-docx) whose document.xml gets a comment / entity reference added."""
    from docx import Document

    source = io.BytesIO()
    document = Document()
    document.add_paragraph("Thông báo họp dân.")
    document.save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source.getvalue())) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                xml = data.decode()
                if doctype:
                    xml = xml.replace("?>", "?>" + doctype, 1)
                xml = xml.replace("<w:body>", "<w:body>" + body_xml_insert, 1)
                data = xml.encode()
            zout.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("insert,doctype", [
    ("<!-- một ghi chú -->", ""),
    ('<w:p><!-- c --><w:r><w:t>Họp &x; lúc 7h.</w:t></w:r></w:p>', '<!DOCTYPE d [<!ENTITY x "dân">]>'),
    ('<w:tbl><!-- c --><w:tr><!-- c --><w:tc><w:p><w:r><w:t>Ô</w:t></w:r></w:p></w:tc></w:tr></w:tbl>', ""),
])
def test_docx_with_comment_or_entity_nodes_is_read_or_refused_never_crashes(insert: str, doctype: str) -> None:
    data = _docx_with(insert, doctype)
    try:
        extracted = documents.extract_document(data, "ban-tin.docx")
    except InvalidInput as exc:  # a clear refusal is fine; an AttributeError (a 500) is not
        assert ".docx" in exc.message
    else:
        assert "Thông báo họp dân." in extracted.text
