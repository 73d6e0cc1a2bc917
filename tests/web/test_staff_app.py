"""Issue 14 in-process: what an official relies on (listen before approving, delivery status, as-run log,
notifications, safe defaults), on both databases."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
from sqlmodel import Session, select

from broadcast.models import Bulletin, BulletinStatus
from tests.conftest import World


def tone(path: Path, seconds: int = 3) -> bytes:
    """A real recording, as a phone would upload it."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ar", "22050", str(path)], check=True)
    return path.read_bytes()


def test_approver_can_listen_to_a_recording_before_approving(web_client, world: World, runtime, tmp_path) -> None:
    editor, csrf = web_client("editor")
    reply = editor.post("/bulletins", data={"title": "Ghi âm của chủ tịch", "stations": ["xa-a"],
                                            "csrf_token": csrf, "action": "submit"},
                        files={"file": ("chu-tich.wav", tone(tmp_path / "t.wav"), "audio/wav")})
    assert reply.status_code == 200, reply.text[:500]
    with Session(runtime.engine) as session:
        bulletin = session.exec(select(Bulletin)).one()
    assert bulletin.status == BulletinStatus.submitted
    approver, _ = web_client("approver")
    page = approver.get(f"/bulletins/{bulletin.id}").text
    assert "Nghe trước khi duyệt" in page
    player = re.search(r'<audio[^>]*src="(/api/v1/media/[0-9a-f]{64}\.mp3)"[^>]*id="bulletin-audio"', page)
    assert player, page
    assert re.search(r'id="audio-duration">0:03<', page)
    assert 'id="approve-button"' in page
    mp3 = approver.get(player.group(1))
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg" and len(mp3.content) > 10_000
    assert re.search(r"độ to trung bình -?\d+,\d dB", page)  # a decimal comma, no LUFS code
