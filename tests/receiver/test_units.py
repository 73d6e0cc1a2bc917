"""The receiver's pieces on their own: manifest checks, playout decisions, clock, state files, downloads."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broadcast.atomic import atomic_write
from broadcast.keys import SigningKey
from broadcast.protocol import Manifest, ManifestItem, sign
from broadcast.receiver.clock import Clock
from broadcast.receiver.media import MediaCache
from broadcast.receiver.playout import Player, plan, wants_interrupt
from broadcast.receiver.store import AgentState, Event, LedgerEntry, StateStore
from broadcast.receiver.sync import Rejected, ServerClient, accept
from tests.receiver.support import ContractServer, read_plays, tamper, throttled

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
SHA = "a" * 64


def _item(item_id: int, at: datetime, priority: str = "normal", **kw) -> ManifestItem:  # type: ignore[no-untyped-def]
    return ManifestItem(id=item_id, title=f"#{item_id}", priority=priority, play_at=at, duration_ms=1000,  # type: ignore[arg-type]
                        media_url=f"/api/v1/media/{SHA}.mp3", sha256=SHA, bytes=10, **kw)


def _manifest(*items: ManifestItem, sequence: int = 5, receiver: int = 7, valid: timedelta = timedelta(hours=24)
              ) -> Manifest:
    return Manifest(receiver_id=receiver, station="xa-a", sequence=sequence, generated_at=NOW - timedelta(minutes=1),
                    valid_until=NOW + valid, items=list(items))


KEY = SigningKey(Ed25519PrivateKey.generate())


def _accept(body: bytes, last: int = 4, now: datetime = NOW, receiver: int = 7) -> Manifest:
    return accept(body, KEY.public_key, KEY.key_id, receiver, last, now)


# ---- acceptance, in the documented order ---------------------------------------------------------------

def test_a_good_manifest_is_accepted() -> None:
    manifest = _accept(sign(_manifest(_item(1, NOW)), KEY.private_key))
    assert manifest.sequence == 5 and [i.id for i in manifest.items] == [1]


@pytest.mark.parametrize(("make", "reason"), [
    (lambda: tamper(sign(_manifest(_item(1, NOW)), KEY.private_key), station="xa-b"), "bad-signature"),
    (lambda: sign(_manifest(), SigningKey(Ed25519PrivateKey.generate()).private_key), "unknown-key"),
    (lambda: b'{"manifest": 1}', "malformed"),
    (lambda: b"\xff\xfe not json", "malformed"),
    (lambda: sign(_manifest(receiver=8), KEY.private_key), "wrong-receiver"),
    (lambda: sign(_manifest(sequence=4), KEY.private_key), "replayed"),
    (lambda: sign(_manifest(sequence=3), KEY.private_key), "replayed"),
    (lambda: sign(_manifest(valid=timedelta(seconds=-1)), KEY.private_key), "expired"),
    (lambda: sign(_manifest().model_copy(update={"generated_at": NOW + timedelta(hours=1)}), KEY.private_key),
     "from-future"),
])
def test_each_failed_check_names_its_reason(make, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Rejected) as caught:
        _accept(make())
    assert caught.value.reason == reason, caught.value.message


def test_checks_run_in_order_signature_receiver_sequence_expiry() -> None:
    """A manifest wrong in every way is reported for the first check it fails."""
    everything_wrong = _manifest(receiver=8, sequence=1, valid=timedelta(seconds=-5))
    with pytest.raises(Rejected) as other_key:
        _accept(sign(everything_wrong, SigningKey(Ed25519PrivateKey.generate()).private_key))
    assert other_key.value.reason == "unknown-key"
    for manifest, reason in ((everything_wrong, "wrong-receiver"),
                             (_manifest(sequence=1, valid=timedelta(seconds=-5)), "replayed"),
                             (_manifest(sequence=9, valid=timedelta(seconds=-5)), "expired")):
        with pytest.raises(Rejected) as caught:
            _accept(sign(manifest, KEY.private_key))
        assert caught.value.reason == reason


# ---- playout decisions ---------------------------------------------------------------------------------

def _plan(manifest: Manifest, ledger: dict[int, LedgerEntry] | None = None, now: datetime = NOW,
          ready: bool = True):  # type: ignore[no-untyped-def]
    return plan(manifest, ledger or {}, now, timedelta(minutes=15), lambda _i: ready)


def test_priority_goes_first_and_emergency_before_that() -> None:
    manifest = _manifest(_item(1, NOW - timedelta(seconds=30)), _item(2, NOW, "priority"),
                         _item(3, NOW - timedelta(seconds=1), "emergency"), _item(4, NOW + timedelta(minutes=5)))
    decided = _plan(manifest)
    assert decided.play is not None and decided.play.id == 3
    assert decided.next_at == NOW + timedelta(minutes=5)
    done = LedgerEntry(state="done", at=NOW, play_at=NOW)
    assert _plan(manifest, {3: done}).play.id == 2  # type: ignore[union-attr]
    assert _plan(manifest, {3: done, 2: done}).play.id == 1  # type: ignore[union-attr]
    assert _plan(manifest, {3: done, 2: done, 1: done}).play is None


def test_late_expired_and_played_items_are_not_started() -> None:
    manifest = _manifest(_item(1, NOW - timedelta(minutes=16)), _item(2, NOW - timedelta(minutes=1),
                                                                      valid_until=NOW - timedelta(seconds=1)),
                         _item(3, NOW - timedelta(minutes=2)), _item(4, NOW - timedelta(minutes=14)))
    ledger = {3: LedgerEntry(state="skipped", at=NOW, play_at=NOW)}
    decided = _plan(manifest, ledger)
    reasons = {item.id: reason for item, reason in decided.skips}
    assert set(reasons) == {1, 2}
    assert reasons[1].startswith("too late") and reasons[2].startswith("expired")
    assert decided.play is not None and decided.play.id == 4


def test_an_expired_manifest_plays_nothing_more() -> None:
    manifest = _manifest(_item(1, NOW - timedelta(seconds=10)), valid=timedelta(seconds=-1))
    decided = _plan(manifest)
    assert decided.play is None and decided.skips[0][1].startswith("the manifest expired")


def test_a_due_emergency_without_audio_holds_normal_items_back() -> None:
    manifest = _manifest(_item(1, NOW), _item(2, NOW, "emergency"))
    decided = plan(manifest, {}, NOW, timedelta(minutes=15), lambda i: i.id == 1)
    assert decided.play is None and decided.waiting is not None and decided.waiting.id == 2


def test_an_emergency_interrupts_normal_but_not_another_emergency() -> None:
    normal, emergency = _item(1, NOW - timedelta(seconds=20)), _item(2, NOW, "emergency")
    manifest = _manifest(normal, emergency)
    playing = {1: LedgerEntry(state="started", at=NOW, play_at=normal.play_at)}
    assert wants_interrupt(normal, manifest, playing, NOW, timedelta(minutes=15), lambda _i: True) == emergency
    assert wants_interrupt(normal, manifest, playing, NOW, timedelta(minutes=15), lambda _i: False) is None
    other = _item(3, NOW - timedelta(seconds=5), "emergency")
    assert wants_interrupt(other, _manifest(other, emergency), {}, NOW, timedelta(minutes=15),
                           lambda _i: True) is None
    interrupted = {1: LedgerEntry(state="interrupted", at=NOW, play_at=normal.play_at),
                   2: LedgerEntry(state="done", at=NOW, play_at=NOW)}
    assert _plan(manifest, interrupted).play == normal  # resumes from the start after the emergency


# ---- clock ---------------------------------------------------------------------------------------------

def test_clock_follows_the_server_date_when_far_off_and_ignores_small_noise() -> None:
    clock = Clock()
    now = time.time()
    clock.observe(formatdate(now + 0.2, usegmt=True), now - 0.05, now + 0.05)
    assert abs(clock.measured_offset_s or 0) < 1.5 and clock.applied_offset_s == 0.0
    for _ in range(5):
        clock.observe(formatdate(now + 3600, usegmt=True), now, now)
    assert 3599 <= clock.applied_offset_s <= 3601
    offset = timedelta(seconds=clock.applied_offset_s)
    before, shown, after = datetime.now(UTC), clock.now(), datetime.now(UTC)  # bracketed: no time window
    assert before + offset - timedelta(milliseconds=1) <= shown <= after + offset + timedelta(milliseconds=1)
    assert "off by +3600 s" in (clock.problem() or "")
    assert clock.observe("not a date", now, now) is None


def test_a_clock_behind_the_last_time_seen_holds_until_synced() -> None:
    clock = Clock(high_water=datetime.now(UTC) + timedelta(hours=2))
    assert clock.suspect() and "playout held" in (clock.problem() or "")
    now = time.time()
    clock.observe(formatdate(now, usegmt=True), now, now)
    assert not clock.suspect()


# ---- state on disk -------------------------------------------------------------------------------------

def test_state_survives_reload_and_writes_are_atomic(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    with store.update() as state:
        state.sequence = 12
        state.ledger[5] = LedgerEntry(state="done", at=NOW, play_at=NOW)
        state.outbox.append(Event(event_id="played-5", item_id=5, kind="played", at=NOW))
    again = StateStore(tmp_path).state
    assert again.sequence == 12 and again.ledger[5].state == "done" and again.outbox[0].event_id == "played-5"
    assert oct((tmp_path / "state.json").stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp files left behind


def test_a_crash_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    """Kill a writer between writing the temp file and renaming it: readers still see the old state."""
    path = tmp_path / "state.json"
    atomic_write(path, AgentState(sequence=1).model_dump_json().encode())
    script = ("import os, sys; from pathlib import Path; import broadcast.receiver.store as s\n"
              "os.replace = lambda *a: os.kill(os.getpid(), 9)\n"
              f"s.atomic_write(Path({str(path)!r}), b'{{\"sequence\": 2}}')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    assert StateStore(tmp_path).state.sequence == 1
    assert any(p.name.startswith(".state.json.") for p in tmp_path.iterdir())  # the orphan temp file ...
    from broadcast.receiver.store import remove_stale_temps
    remove_stale_temps(tmp_path)  # ... is what the agent removes at start-up
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_an_unreadable_state_file_is_moved_aside_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{ half a file")
    store = StateStore(tmp_path)
    assert store.state.sequence == 0 and "unreadable" in (store.state.last_error or "")
    assert (tmp_path / "state.json.corrupt").read_text() == "{ half a file"


def test_the_outbox_is_capped_and_counts_what_it_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("broadcast.receiver.store.MAX_OUTBOX", 3)
    store = StateStore(tmp_path)
    with store.update() as state:
        state.outbox = [Event(event_id=f"e{i}", kind="played", at=NOW) for i in range(5)]
    assert [e.event_id for e in store.state.outbox] == ["e2", "e3", "e4"] and store.state.dropped_events == 2


# ---- downloads -----------------------------------------------------------------------------------------

@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    contract = ContractServer()
    yield contract
    contract.stop()


def _client(server: ContractServer) -> ServerClient:
    return ServerClient(server.url, "rcv_x.y", Clock())


def _partials(cache: MediaCache) -> list[Path]:
    """Partial downloads kept for resuming."""
    return sorted(cache.partial_dir.glob("*.part"))


def test_download_checks_size_and_hash_and_renames_into_place(server: ContractServer, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    sha = server.add_media(data)
    cache = MediaCache(tmp_path, max_bytes=10**6)
    result = cache.fetch(_client(server), sha, len(data), f"/api/v1/media/{sha}.mp3")
    assert result.kind == "ok"
    assert cache.path(sha).read_bytes() == data and cache.verify(sha, len(data)) is None
    assert _partials(cache) == []


def test_an_interrupted_download_resumes_with_range(server: ContractServer, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    sha = server.add_media(data)
    cache = MediaCache(tmp_path, max_bytes=10**6)
    calls = []

    def abort_midway() -> bool:
        calls.append(1)
        return len(calls) == 2

    paused = cache.fetch(_client(server), sha, len(data), f"/api/v1/media/{sha}.mp3", abort=abort_midway)
    assert paused.kind == "aborted" and not cache.path(sha).exists()
    have = cache.partial(sha).stat().st_size
    assert 0 < have < len(data)
    resumed = cache.fetch(_client(server), sha, len(data), f"/api/v1/media/{sha}.mp3")
    assert resumed.kind == "ok" and resumed.resumed_from == have
    assert server.requests[-1][2].get("Range") == f"bytes={have}-"
    assert hashlib.sha256(cache.path(sha).read_bytes()).hexdigest() == sha


@pytest.mark.parametrize(("hook", "expected"), [
    (lambda data: (200, {}, data[:-1000]), "truncated"),
    (lambda data: (200, {}, data[:5000] + bytes([data[5000] ^ 1]) + data[5001:]), "sha256 mismatch"),
    (lambda data: (200, {}, data + b"extra"), "more than the announced"),
])
def test_corrupt_or_short_downloads_are_never_kept(server: ContractServer, tmp_path: Path, hook, expected: str
                                                   ) -> None:  # type: ignore[no-untyped-def]
    data = os.urandom(50_000)
    sha = server.add_media(data)
    server.media_hook = lambda _sha, body, _headers: hook(body)
    cache = MediaCache(tmp_path, max_bytes=10**6)
    result = cache.fetch(_client(server), sha, len(data), f"/api/v1/media/{sha}.mp3")
    assert result.kind == "integrity" and expected in result.detail
    assert not cache.path(sha).exists() and _partials(cache) == []


def test_a_connection_cut_keeps_the_partial_for_later(server: ContractServer, tmp_path: Path) -> None:
    data = os.urandom(100_000)
    sha = server.add_media(data)

    def cut(_sha: str, body: bytes, _headers: dict[str, str]):  # type: ignore[no-untyped-def]
        def chunks():  # type: ignore[no-untyped-def]
            yield body[:40_000]
            raise ConnectionResetError  # the handler stops writing: the client sees a short body
        return 200, {"Content-Length": str(len(body))}, chunks()

    server.media_hook = cut
    cache = MediaCache(tmp_path, max_bytes=10**6)
    result = cache.fetch(_client(server), sha, len(data), f"/api/v1/media/{sha}.mp3")
    assert result.kind == "network", result
    assert cache.partial(sha).stat().st_size == 40_000 and not cache.path(sha).exists()
    server.media_hook = None
    assert cache.fetch(_client(server), sha, len(data), f"/api/v1/media/{sha}.mp3").resumed_from == 40_000


def test_oversized_media_is_refused_without_downloading(server: ContractServer, tmp_path: Path) -> None:
    sha = server.add_media(os.urandom(2000))
    cache = MediaCache(tmp_path, max_bytes=1000)
    result = cache.fetch(_client(server), sha, 2000, f"/api/v1/media/{sha}.mp3")
    assert result.kind == "refused" and "cap" in result.detail
    assert not any(p[1].startswith("/api/v1/media") for p in server.requests)


def test_media_nothing_needs_is_deleted(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=10**6)
    for name in ("a", "b"):
        cache.path(name * 64).write_bytes(b"x")
    cache.partial("c" * 64).write_bytes(b"x")
    assert sorted(cache.collect({"a" * 64})) == ["b" * 64, "c" * 64]
    assert [p.name for p in cache.dir.glob("*.mp3")] == [f"{'a' * 64}.mp3"] and _partials(cache) == []


# ---- the player ----------------------------------------------------------------------------------------

def test_player_substitutes_placeholders_and_is_stopped_by_sigterm(tmp_path: Path) -> None:
    media = tmp_path / "x.mp3"
    media.write_bytes(b"audio")
    log = tmp_path / "plays.log"
    player = Player(f"{sys.executable} {Path(__file__).with_name('recording_player.py')} --log {log} "
                    "--min-seconds 30 {file}", tmp_path / "player.log")
    item = _item(9, NOW)
    assert player.argv(media, item)[-1] == str(media)
    process = player.start(media, item)
    deadline = time.monotonic() + 10
    while not read_plays(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Player.stop(process) == 143
    digest = hashlib.sha256(b"audio").hexdigest()
    assert [(p.word, p.item_id, p.sha256) for p in read_plays(log)] == [("start", 9, digest), ("term", 9, digest)]
    with pytest.raises(ValueError, match="must contain"):
        Player("mpg123 -q", tmp_path / "p.log")


def test_throttled_helper_and_tamper_helper_behave() -> None:
    assert b"".join(throttled(b"abcdef", 4, 0)) == b"abcdef"
    body = sign(_manifest(), KEY.private_key)
    assert json.loads(tamper(body, sequence=99))["manifest"]["sequence"] == 99


def test_the_agent_imports_only_the_protocol_from_the_server_package() -> None:
    """A device installs the receiver alone: nothing of the server (web, database, audio) may load."""
    script = ("import sys, broadcast.receiver.cli, broadcast.receiver.agent\n"
              "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('broadcast', 'fastapi', 'sqlalchemy', 'sqlmodel', 'numpy', 'scipy', 'uvicorn', 'apscheduler'))))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    server_side = {m for m in loaded if not m.startswith("broadcast.receiver")}
    assert server_side == {"broadcast", "broadcast.protocol", "broadcast.atomic"}, loaded
