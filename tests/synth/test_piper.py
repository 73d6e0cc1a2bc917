"""Piper neural voices: `voices add` → `voices list` → `say --voice` → MP3, and a bulletin with that voice
through approval to a receiver's signed playlist, all with a tiny generated ONNX voice (a tone per
phoneme) going through the real loader, phonemiser, onnxruntime session and assembly."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fastapi.testclient import TestClient

from broadcast.audio.ffmpeg import decode
from broadcast.audio.master import measure_mp3
from broadcast.models import utcnow
from broadcast.protocol import load_public_key_b64, verify
from broadcast.synth import ChainState, EspeakEngine, PiperEngine, SentenceCache, speak_sentence
from broadcast.synth.installed import install_piper_voice, load_installed_profiles
from tests.conftest import World, login
from tests.foundation.test_cli import run_cli
from tests.synth import tiny_piper
from tests.synth.flow import make_and_approve


def tone_share(mp3: bytes, hz: float = tiny_piper.TONE_HZ) -> float:
    """Share of the decoded programme's energy within ±60 Hz of the tiny voice's tone."""
    samples, rate = decode(mp3, sample_rate=22050, channels=1, input_format="mp3")
    mono = samples.reshape(-1).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1 / 22050)
    return float(spectrum[np.abs(freqs - hz) < 60].sum() / spectrum.sum())


def add_voice(data_dir: Path, tmp_path: Path, name: str = "piper-thu") -> None:
    model, _ = tiny_piper.write_voice(tmp_path / "download")
    result = run_cli("voices", "add", str(model), "--name", name, "--label", "Giọng nữ miền Bắc (tự nhiên)",
                     "--region", "bac", "--gender", "nu", "--licence", "CC BY 4.0 (test)", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert name in result.stdout


def test_add_list_say_makes_an_mp3_spoken_by_piper(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    add_voice(data_dir, tmp_path)
    listed = run_cli("voices", "list", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith("piper-thu\t"))
    assert "engines=piper>espeak" in line and "rate=22050 Hz" in line and "usable=yes" in line
    assert "CC BY 4.0 (test)" in line and "Giọng nữ miền Bắc (tự nhiên)" in line

    model_sha = hashlib.sha256(tiny_piper.model_bytes()).hexdigest()
    stored = data_dir / "voices" / "models" / f"{model_sha}.onnx"
    assert stored.read_bytes() == tiny_piper.model_bytes()

    out = tmp_path / "piper.mp3"
    said = run_cli("say", "Kính thưa bà con. UBND xã thông báo lịch tiêm chủng.", "--voice", "piper-thu",
                   "-o", str(out), data_dir=data_dir)
    assert said.returncode == 0, said.stderr
    assert said.stdout.rstrip().endswith("engine piper")
    measured = measure_mp3(out.read_bytes())
    assert measured.duration_s > 1.0 and abs(measured.lufs + 16) < 1.0
    assert tone_share(out.read_bytes()) > 0.5, "the MP3 is not the Piper model's tone"

    # the same voice with espeak-ng for comparison: no tone
    espeak_out = tmp_path / "espeak.mp3"
    assert run_cli("say", "Kính thưa bà con.", "-o", str(espeak_out), data_dir=data_dir).returncode == 0
    assert tone_share(espeak_out.read_bytes()) < 0.2

    removed = run_cli("voices", "remove", "piper-thu", data_dir=data_dir)
    assert removed.returncode == 0, removed.stderr
    assert not stored.exists() and not (data_dir / "voices" / "piper-thu.toml").exists()
    assert "piper-thu" not in run_cli("voices", "list", data_dir=data_dir).stdout
    again = run_cli("voices", "remove", "piper-thu", data_dir=data_dir)
    assert again.returncode != 0 and "no installed voice" in again.stderr


def _installed_files(data_dir: Path) -> list[Path]:
    root = data_dir / "voices"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "mismatched-config", "not-json-config", "no-config"])
def test_a_broken_voice_is_refused_and_nothing_is_installed(tmp_path: Path, damage: str) -> None:
    data_dir = tmp_path / "var"
    model, cfg = tiny_piper.write_voice(tmp_path / "download")
    expected = "refused"
    if damage == "garbage":
        model.write_bytes(b"\x00not an onnx model" * 100)
    elif damage == "truncated":
        model.write_bytes(model.read_bytes()[:700])
    elif damage == "mismatched-config":  # a model with 20 symbols beside a config that uses 256
        model.write_bytes(tiny_piper.model_bytes(num_symbols=20))
    elif damage == "not-json-config":
        cfg.write_text("{ this is not json", encoding="utf-8")
        expected = "not readable JSON"
    else:
        cfg.unlink()
        expected = "does not exist"
    result = run_cli("voices", "add", str(model), "--name", "hong", "--label", "Hỏng", data_dir=data_dir)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert _installed_files(data_dir) == []
    assert "hong" not in run_cli("voices", "list", data_dir=data_dir).stdout


def test_bad_metadata_and_taken_names_are_refused_before_copying(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    model, _ = tiny_piper.write_voice(tmp_path / "download")
    taken = run_cli("voices", "add", str(model), "--name", "mien-bac", "--label", "x", data_dir=data_dir)
    assert taken.returncode != 0 and "already exists" in taken.stderr
    bad = run_cli("voices", "add", str(model), "--name", "Bad Name!", "--label", "x", data_dir=data_dir)
    assert bad.returncode != 0 and "invalid voice settings" in bad.stderr
    region = run_cli("voices", "add", str(model), "--name", "ok", "--label", "x", "--region", "dong",
                     data_dir=data_dir)
    assert region.returncode != 0 and "region" in region.stderr
    assert _installed_files(data_dir) == []


def test_one_shared_session_speaks_from_many_threads(tmp_path: Path) -> None:
    model, cfg = tiny_piper.write_voice(tmp_path / "download")
    profile = install_piper_voice(tmp_path / "voices", model, cfg, "piper-thu", "Giọng thử", taken=set())
    engine = PiperEngine()
    sentences = [f"Câu thứ {i} của bản tin, đọc bằng giọng tự nhiên." for i in range(12)]
    expected = [engine.synthesize(s, profile).samples for s in sentences]
    results: dict[int, np.ndarray] = {}

    def work(index: int) -> None:
        results[index] = engine.synthesize(sentences[index], profile).samples

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sentences))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(results[i], expected[i]) for i in range(len(sentences)))
    assert len(engine._voices) == 1  # one loaded model, shared


def test_sentence_cache_and_fallback_chain(tmp_path: Path) -> None:
    model, cfg = tiny_piper.write_voice(tmp_path / "download")
    voices = tmp_path / "voices"
    profile = install_piper_voice(voices, model, cfg, "piper-thu", "Giọng thử", taken=set())
    engines = {"piper": PiperEngine(), "espeak": EspeakEngine()}
    cache = SentenceCache(tmp_path / "cache", 10 * 1024 * 1024)
    first = speak_sentence("Xin chào bà con.", profile, engines, cache)
    assert first.engine == "piper" and cache.misses == 1
    again = speak_sentence("Xin chào bà con.", profile, engines, cache)
    assert again.engine == "piper" and cache.hits == 1 and np.array_equal(again.pcm.samples, first.pcm.samples)

    # the model file changed on disk: refused (sha256), the chain falls back to espeak-ng with the reason
    stored = profile.model_file(profile.piper_model or "", ".onnx")
    stored.write_bytes(tiny_piper.model_bytes(num_symbols=255))
    state = ChainState()
    fallback = speak_sentence("Một câu mới.", profile, {"piper": PiperEngine(), "espeak": EspeakEngine()},
                              cache, state)
    assert fallback.engine == "espeak"
    assert state.errors and "does not match its recorded sha256" in state.errors[0]

    stored.unlink()  # the model is gone: the voice says so and still speaks through espeak-ng
    assert "missing" in (PiperEngine().unavailable_reason(profile) or "")
    assert speak_sentence("Câu khác.", profile, {"piper": PiperEngine(), "espeak": EspeakEngine()},
                          None).engine == "espeak"
    assert load_installed_profiles(voices)["piper-thu"].piper_model == profile.piper_model


def test_bulletin_in_a_piper_voice_reaches_the_receivers_playlist(
        app_client: TestClient, world: World, runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # installed by the operator while the service runs: the service finds it by name
    add_voice(runtime.settings.data_dir, tmp_path, name="piper-bac")
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    created = app_client.post("/api/v1/bulletins", headers=editor, json={
        "title": "Giọng tự nhiên", "text": "UBND xã thông báo: ngày 12/5 tiêm chủng tại trạm y tế xã.",
        "stations": ["xa-a"], "voice": "piper-bac", "submit": True})
    assert created.status_code == 201, created.text
    bulletin_id = created.json()["id"]
    audio = make_and_approve(app_client, runtime, bulletin_id, approver)["audio"]
    assert audio["engine"] == "piper"
    assert {s["engine"] for s in audio["speakers"]} == {"piper"}
    assert audio["speakers"][0]["model"] == hashlib.sha256(tiny_piper.model_bytes()).hexdigest()

    local_now = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    # the next 10:00 in Vietnam at least an hour away: inside the manifest's 24-hour horizon and outside the
    # station's quiet hours whenever the suite runs ("tomorrow at 10:00" is 34 hours away just after midnight)
    at = local_now.replace(hour=10, minute=0, second=0, microsecond=0)
    if at < local_now + timedelta(hours=1):
        at += timedelta(days=1)
    placed = app_client.post(f"/api/v1/bulletins/{bulletin_id}/placements", headers=editor,
                             json={"stations": ["xa-a"], "mode": "at", "at": at.isoformat()})
    assert placed.status_code == 201, placed.text
    key = load_public_key_b64(app_client.get("/api/v1/receiver/signing-key").json()["public_key"])
    polled = app_client.get("/api/v1/receiver/playlist",
                            headers={"Authorization": f"Bearer {world.receiver_tokens['xa-a']}"})
    assert polled.status_code == 200, polled.text
    manifest = verify(polled.content, key)
    assert [item.sha256 for item in manifest.items] == [audio["sha256"]]
    media = app_client.get(manifest.items[0].media_url)
    assert media.status_code == 200 and hashlib.sha256(media.content).hexdigest() == audio["sha256"]
    assert tone_share(media.content) > 0.3
