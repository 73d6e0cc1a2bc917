"""A text whose audio would run past the maximum (default 30 minutes, the recorded-upload limit) is refused
before anything is synthesised or stored: API 422, CLI non-zero, web form message in Vietnamese; the web
preview obeys the same limit."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from broadcast.models import Bulletin
from broadcast.reading_time import estimate_seconds
from tests.conftest import World, login

BULLETIN = Path(__file__).resolve().parents[2] / "bench" / "input" / "ban-tin-841.txt"


def long_text(characters: int = 77_000) -> str:
    """A realistic commune notice repeated to ``characters`` (about 80 minutes of reading at 77,000)."""
    one = BULLETIN.read_text(encoding="utf-8")
    return ((one + "\n\n") * (characters // len(one) + 1))[:characters].rsplit(".", 1)[0] + "."


def _bulletins(runtime) -> int:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(Bulletin)).one()


def test_estimate_counts_syllables_at_the_pace_and_the_pauses() -> None:
    # bench/input/ban-tin-841.txt: estimated 352 s, `broadcast say` renders 339 s in mien-bac (plus chimes).
    paragraphs = [["một hai ba, bốn năm"] * 3, ["sáu bảy"]]
    assert estimate_seconds(paragraphs, 60) == pytest.approx(17 + 3 * 0.3 + 2 * 0.45 + 0.9)


def test_api_refuses_an_80_minute_text_before_storing_it(app_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor = login(app_client, world.editor)
    before = _bulletins(runtime)
    reply = app_client.post("/api/v1/bulletins", headers=editor,
                            json={"title": "Quá dài", "text": long_text(), "stations": ["xa-a"]})
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["estimated_minutes"] > 60 and body["allowed_minutes"] == 30
    # the message names both: the estimate (rounded up) and the limit
    assert f"about {math.ceil(body['estimated_minutes'])} minutes" in body["detail"], body["detail"]
    assert "limit is 30 minutes" in body["detail"]
    assert _bulletins(runtime) == before
    fits = app_client.post("/api/v1/bulletins", headers=editor,
                           json={"title": "Vừa", "text": BULLETIN.read_text(encoding="utf-8"), "stations": ["xa-a"]})
    assert fits.status_code == 201, fits.text


def test_web_form_and_preview_say_it_in_vietnamese(web_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    client, csrf = web_client("editor")
    before = _bulletins(runtime)
    reply = client.post("/bulletins", data={"title": "Quá dài", "text": long_text(), "priority": "normal",
                                            "voice": "", "stations": ["xa-a"], "action": "draft",
                                            "csrf_token": csrf})
    assert reply.status_code == 422
    assert "dài hơn giới hạn 30 phút" in reply.text and "Hãy chia thành nhiều bản tin" in reply.text
    estimated = re.search(r"đọc mất khoảng (\d+) phút", reply.text)  # the estimate is named too
    assert estimated and int(estimated.group(1)) > 60, reply.text[-2000:]
    assert _bulletins(runtime) == before
    preview = client.post("/bulletins/preview", data={"text": long_text()}, headers={"X-CSRF-Token": csrf})
    assert preview.status_code == 422
    assert "dài hơn giới hạn 30 phút" in preview.text
    assert re.search(r"đọc mất khoảng \d+ phút", preview.text), preview.text[-2000:]


def test_cli_say_refuses_with_the_minutes(tmp_path: Path) -> None:
    source = tmp_path / "dai.txt"
    source.write_text(long_text(), encoding="utf-8")
    env = {**os.environ, "BROADCAST_DATA_DIR": str(tmp_path / "var")}
    result = subprocess.run([sys.executable, "-m", "broadcast.cli", "say", "-f", str(source), "-o",
                             str(tmp_path / "x.mp3")], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    said = result.stderr + result.stdout
    estimated = re.search(r"would read for about (\d+) minutes", said)
    assert estimated and int(estimated.group(1)) > 60 and "limit is 30 minutes" in said, said
    assert not (tmp_path / "x.mp3").exists()
