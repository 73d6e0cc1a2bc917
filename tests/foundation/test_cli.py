"""The `broadcast` command line: normalise, say, admin and db commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from broadcast.audio import measure_mp3


def run_cli(*args: str, data_dir: Path, stdin: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "BROADCAST_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run([sys.executable, "-m", "broadcast.cli", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=120)


def test_normalise_writes_one_line_per_input_line(tmp_path: Path) -> None:
    lines = ["Xin chào bà con", "", "UBND xã thông báo ngày 12/5/2023.", "Giá 30.500.000 đồng"]
    result = run_cli("normalise", data_dir=tmp_path, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.split("\n")
    assert out[-1] == "" and len(out) - 1 == len(lines)
    assert out[0] == "Xin chào bà con"
    assert out[1] == ""
    assert "Ủy ban nhân dân" in out[2] and "hai nghìn không trăm hai mươi ba" in out[2]
    assert not any(ch.isdigit() for ch in "".join(out))


def test_say_writes_a_playable_mp3(tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    result = run_cli("say", "Xin chào bà con", "-o", str(out), data_dir=tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    measured = measure_mp3(out.read_bytes())
    assert measured.duration_s > 0.5 and measured.lufs > -30


def test_say_reads_a_file(tmp_path: Path) -> None:
    source = tmp_path / "ban-tin.txt"
    source.write_text("Thông báo của UBND xã.\nLịch tiêm chủng ngày 5/6.", encoding="utf-8")
    out = tmp_path / "b.mp3"
    result = run_cli("say", "-f", str(source), "-o", str(out), data_dir=tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert measure_mp3(out.read_bytes()).duration_s > 2


@pytest.mark.parametrize(("args", "message"), [
    (("say", "   "), "the text is empty"),
    (("say", "📢📢 ✅"), "nothing to read aloud"),
    (("say", "Xin chào", "--voice", "khong-co"), "unknown voice"),
    (("say",), "give either TEXT or -f FILE"),
    (("say", "-f", "/nonexistent/file.txt"), "cannot read"),
])
def test_say_refuses_bad_input(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args, "-o", str(tmp_path / "never.mp3"), data_dir=tmp_path / "var")
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "never.mp3").exists()


def test_admin_commands_and_db_upgrade(tmp_path: Path, db_url: str) -> None:
    env = {"BROADCAST_DATABASE_URL": db_url}
    assert run_cli("db", "upgrade", data_dir=tmp_path, env=env).stdout.strip() == "database is up to date"
    station = run_cli("admin", "create-station", "xa-moi", "Xã Mới", "--district", "Văn Lãng",
                      data_dir=tmp_path, env=env)
    assert station.returncode == 0, station.stderr
    receiver = run_cli("admin", "create-receiver", "xa-moi", "Cụm loa 1", data_dir=tmp_path, env=env)
    assert receiver.returncode == 0 and "rcv_" in receiver.stdout
    user = run_cli("admin", "create-user", "bientap", "--role", "editor", "--station", "xa-moi",
                   data_dir=tmp_path, env=env)
    assert user.returncode == 0 and "password: " in user.stdout
    duplicate = run_cli("admin", "create-station", "xa-moi", "Xã Mới", data_dir=tmp_path, env=env)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    unknown = run_cli("admin", "create-receiver", "xa-khong", "Cụm", data_dir=tmp_path, env=env)
    assert unknown.returncode == 1 and "unknown station" in unknown.stderr


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in (["--help"], ["serve", "--help"], ["say", "--help"], ["normalise", "--help"],
                    ["admin", "create-user", "--help"], ["admin", "create-station", "--help"],
                    ["admin", "create-receiver", "--help"], ["db", "upgrade", "--help"], ["keys", "show", "--help"]):
        result = run_cli(*command, data_dir=tmp_path)
        assert result.returncode == 0 and "Usage" in result.stdout, command
