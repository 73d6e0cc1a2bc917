"""Item 5: request bodies are limited while they stream in, chunked or not, on a real ``broadcast serve``."""

from __future__ import annotations

import select
import socket
import time
from urllib.parse import urlparse

import httpx

from tests.conftest import login

CHUNK = b"x" * 65536


def _send_until_answered(url: str, head: bytes, total: int, chunked: bool,
                         preamble: bytes = b"") -> tuple[int, bytes]:
    """Stream ``total`` bytes of body, stopping as soon as the server answers; return (bytes sent, answer)."""
    parsed = urlparse(url)
    sent = 0
    answer = b""
    with socket.create_connection((parsed.hostname, parsed.port), timeout=30) as sock:
        sock.sendall(head)
        if preamble:
            sock.sendall(b"%x\r\n%s\r\n" % (len(preamble), preamble))
        deadline = time.monotonic() + 120
        while sent < total and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = CHUNK[: total - sent]
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        sock.settimeout(30)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
            answer += sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            pass
    return sent, answer


def test_chunked_upload_and_huge_json_are_refused_early(live_server_factory) -> None:
    server = live_server_factory(env={"BROADCAST_MAX_UPLOAD_MB": "5"})
    with httpx.Client(base_url=server.url, timeout=30) as client:
        auth = login(client, "admin", _admin_password(server))
        # the demo bulletin's audio is rendered by a job after start: let it land before taking stock
        deadline = time.monotonic() + 180
        while any(b["status"] != "ready" for b in client.get("/api/v1/bulletins", headers=auth).json()):
            assert time.monotonic() < deadline, "the demo bulletin's audio never became ready"
            time.sleep(0.2)
    media = server.data_dir / "media"
    before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    host = urlparse(server.url).netloc
    token = auth["Authorization"]

    # A 200 MB chunked multipart upload (no Content-Length): refused once it passes 5 MB + the form allowance.
    head = (f"POST /api/v1/bulletins/recording HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\n"
            "Content-Type: multipart/form-data; boundary=zzz\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    part = (b'--zzz\r\nContent-Disposition: form-data; name="title"\r\n\r\nT\r\n'
            b'--zzz\r\nContent-Disposition: form-data; name="stations"\r\n\r\nxa-a\r\n'
            b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            b"Content-Type: audio/wav\r\n\r\n")
    sent, answer = _send_until_answered(server.url, head, 200 * 1024 * 1024, chunked=True, preamble=part)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"larger than 6 MB" in answer
    assert sent < 40 * 1024 * 1024, f"{sent} bytes were accepted before the refusal"
    assert {p for p in media.rglob("*") if p.is_file()} == before, "the refused upload left a media file"

    # A 300 MB JSON body with its Content-Length: refused before it is read.
    head = (f"POST /api/v1/normalise/preview HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {300 * 1024 * 1024}\r\n\r\n").encode()
    sent, answer = _send_until_answered(server.url, head, 300 * 1024 * 1024, chunked=False)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert sent < 40 * 1024 * 1024

    # The same JSON chunked (no length): refused once it passes 1 MB.
    head = (f"POST /api/v1/normalise/preview HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    sent, answer = _send_until_answered(server.url, head, 300 * 1024 * 1024, chunked=True)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"larger than 1 MB" in answer
    assert sent < 40 * 1024 * 1024

    # The service is still fine, and a normal-sized request still works.
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/healthz").status_code == 200
        ok = client.post("/api/v1/normalise/preview", json={"text": "UBND xã họp lúc 7h30."}, headers=auth)
        assert ok.status_code == 200, ok.text


def _admin_password(server) -> str:  # type: ignore[no-untyped-def]
    """``serve`` prints the demo admin's password the first time it starts."""
    import re

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"password: (\S+)", server.output())
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(server.output())
