"""The real ``broadcast serve`` and real receiver processes on loopback, with a recording player.

Time is compressed by configuration, not by sleeping through minutes: receivers poll every second,
bulletins are placed a few seconds ahead, the recording player plays at 0.3× the audio's duration (or
holds an item as long as a test needs). One server per database backend serves the whole session (its
start-up is the slow part; see conftest.py); each test has its own station, so tests cannot see each
other's items. The happy path also runs on PostgreSQL when it is configured.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broadcast.keys import SigningKey
from tests.receiver.live import LiveWorld, Receiver, parse_time, settle
from tests.receiver.support import Proxy, resign, tamper, throttled, wait_for


def _soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _no_partials(receiver: Receiver) -> bool:
    return not list((receiver.process.state / "media" / ".partial").glob("*"))


def _on_time(receiver: Receiver, item_id: int, play_at: float) -> str | None:
    """None when the agent waited for ``play_at`` itself and started the item once, not before it; else why not."""
    decisions = receiver.process.decisions("playout")
    first_play = next((i for i, d in enumerate(decisions) if d["what"] == "play" and d["item"] == item_id),
                      len(decisions))
    aimed = [datetime.fromisoformat(d["detail"].removeprefix("next at ")).timestamp()
             for d in decisions[:first_play] if d["what"] == "wait" and str(d["detail"]).startswith("next at ")]
    played = [d["t"] for d in decisions if d["what"] == "play" and d["item"] == item_id]
    due = play_at - 0.001  # the wire and the log keep milliseconds
    if not aimed or abs(aimed[-1] - play_at) >= 0.001:
        return f"never aimed at {play_at} (last aim {aimed[-1:]})"
    if len(played) != 1 or played[0] < due:
        return f"play decisions {played} for an item due at {play_at}"
    if not all(start >= due for start in receiver.starts(item_id)):
        return f"the player started before its time: {receiver.starts(item_id)}"
    return None


def test_a_scheduled_bulletin_plays_once_at_its_time_on_every_receiver(live_any: LiveWorld, tmp_path: Path,
                                                                      receivers: list[Receiver]) -> None:
    live = live_any
    station = "e2e-happy"
    receivers += live.receivers(tmp_path, (station, 0), (station, 1), ("e2e-other", 0))
    bystander = receivers[2]
    bulletin = live.bulletin("happy")
    [item] = live.place(bulletin["id"], [station], at=_soon(6))
    play_at = parse_time(item["play_at"]).timestamp()

    for receiver in receivers[:2]:
        wait_for(lambda r=receiver: ("end", item["id"]) in r.words(), 30, what=f"receiver {receiver.id} played")
    for receiver in receivers[:2]:
        starts = receiver.starts(item["id"])
        assert len(starts) == 1
        # On time, told by the agent's decisions rather than a wall-clock window (the stand-in player is a
        # whole Python interpreter whose start-up a loaded machine stretches): the agent aimed at the item's
        # own instant, decided to play it once and not before, and the player started after that.
        off = _on_time(receiver, item["id"], play_at)
        assert off is None, f"receiver {receiver.id}: {off}"
        assert {p.sha256 for p in receiver.process.plays()} == {bulletin["audio"]["sha256"]}
    wait_for(lambda: live.item_status(station, item["id"]) == "played", 20, what="the server shows it played")
    for receiver in receivers[:2]:
        wait_for(lambda r=receiver: live.events(r.id, "played"), 10, what="each receiver's played report")
        assert [e.item_id for e in live.events(receiver.id, "played")] == [item["id"]]
        assert [e.item_id for e in live.events(receiver.id, "downloaded")] == [item["id"]]
    settle(*receivers)
    assert all(len(r.starts(item["id"])) == 1 for r in receivers[:2]), "played twice"
    assert bystander.process.plays() == [] and live.events(bystander.id, "played") == []


def test_receivers_carry_on_while_the_server_is_down_and_report_after(live: LiveWorld, tmp_path: Path,
                                                                      receivers: list[Receiver]) -> None:
    """Server stopped; one receiver also loses power and restarts with no network. Nothing lost or doubled."""
    station = "e2e-outage"
    receivers += live.receivers(tmp_path, (station, 0), (station, 1))
    first, second = live.bulletin("outage-1"), live.bulletin("outage-2")
    [one] = live.place(first["id"], [station], at=_soon(8))
    [two] = live.place(second["id"], [station], at=parse_time(one["play_at"]) + timedelta(seconds=8))
    ids = sorted([one["id"], two["id"]])
    for receiver in receivers:
        wait_for(lambda r=receiver: sorted(e.item_id for e in live.events(r.id, "downloaded")) == ids, 30,
                 what="both bulletins downloaded and reported")
    live.stop_server()
    cut = receivers[1]
    cut.process.kill9()
    cut.process.start()  # back from a power cut, the server unreachable: the cached manifest is all it has
    try:
        for receiver in receivers:
            wait_for(lambda r=receiver: [w for w in r.words() if w[0] == "end"] == [("end", i) for i in ids], 40,
                     what=f"receiver {receiver.id} played both from its cache")
            wait_for(lambda r=receiver: len(r.process.state_json()["outbox"]) >= 2, 10)
    finally:
        live.start_server()
    for receiver in receivers:
        wait_for(lambda r=receiver: not r.process.state_json()["outbox"], 30, what="reports uploaded after the outage")
        played = [e.item_id for e in live.events(receiver.id, "played")]
        assert sorted(played) == ids, f"receiver {receiver.id}: played reports {played}"
        assert [len(receiver.starts(i)) for i in ids] == [1, 1]
    assert [live.item_status(station, i) for i in ids] == ["played", "played"]
    assert "playlist" in (cut.process.output()), "the restarted agent should have tried the server"


def test_bad_manifests_play_nothing_and_each_rejection_is_reported(live: LiveWorld, tmp_path: Path,
                                                                   receivers: list[Receiver]) -> None:
    station = "e2e-reject"
    proxy = Proxy(live.url)
    try:
        receiver = live.receiver(tmp_path, station, via=proxy.url, poll_interval=0.5)
        receivers.append(receiver)
        genuine, intruder = live.bulletin("genuine"), live.bulletin("intruder")
        [item] = live.place(genuine["id"], [station], at=_soon(10))  # it may well fall due mid-attack
        wait_for(lambda: ("downloaded" in {e.kind for e in live.events(receiver.id)}), 20, what="the genuine item")
        state = receiver.process.state_json()
        current = proxy.playlists[-1]
        assert json.loads(current)["manifest"]["sequence"] == state["sequence"]
        older = proxy.playlists[0]
        assert json.loads(older)["manifest"]["sequence"] < state["sequence"]
        evil = {**json.loads(current)["manifest"]["items"][0], "id": 999_999, "priority": "emergency",
                "play_at": _soon(1).isoformat(), "sha256": intruder["audio"]["sha256"],
                "bytes": intruder["audio"]["bytes"], "media_url": intruder["audio"]["url"]}
        sequence = state["sequence"] + 1
        attacks = {
            "bad-signature": tamper(current, items=[evil]),
            "unknown-key": resign(current, SigningKey(Ed25519PrivateKey.generate()), items=[evil], sequence=sequence),
            "replayed": older,
            "expired": resign(current, live.signing_key(), items=[evil], sequence=sequence,
                              valid_until=_soon(-1).isoformat()),
        }
        for reason, body in attacks.items():
            proxy.playlist_hook = lambda _reply, body=body: (200, {"Content-Type": "application/json"}, body)
            wait_for(lambda reason=reason: any(e.detail.startswith(f"{reason}:")
                                               for e in live.events(receiver.id, "rejected")), 20,
                     what=f"the {reason} rejection reported to the server")
        proxy.playlist_hook = None
        wait_for(lambda: ("end", item["id"]) in receiver.words(), 40, what="the genuine bulletin played")
    finally:
        proxy.stop()
    reasons = sorted(e.detail.split(":")[0] for e in live.events(receiver.id, "rejected"))
    assert reasons == sorted(attacks), reasons
    assert receiver.words() == [("start", item["id"]), ("end", item["id"])]
    assert not any(sha == intruder["audio"]["sha256"] for sha, _r, _s in proxy.media_requests)
    assert receiver.process.state_json()["sequence"] == state["sequence"]


def test_tampered_or_truncated_audio_is_never_played_but_fetched_again(live: LiveWorld, tmp_path: Path,
                                                                       receivers: list[Receiver]) -> None:
    station = "e2e-media"
    proxy = Proxy(live.url)
    served: list[str] = []

    def spoil(_sha: str, data: bytes, _headers: dict[str, str]):  # type: ignore[no-untyped-def]
        served.append("flipped" if not served else "truncated" if len(served) == 1 else "intact")
        if served[-1] == "flipped":
            return 200, {"Content-Type": "audio/mpeg"}, data[:100] + bytes([data[100] ^ 0x55]) + data[101:]
        if served[-1] == "truncated":
            return 200, {"Content-Type": "audio/mpeg"}, data[: len(data) // 2]
        return None

    proxy.media_hook = spoil
    try:
        receiver = live.receiver(tmp_path, station, via=proxy.url)
        receivers.append(receiver)
        bulletin = live.bulletin("spoiled")
        [item] = live.place(bulletin["id"], [station], at=_soon(8))
        wait_for(lambda: ("end", item["id"]) in receiver.words(), 40, what="the bulletin played")
        # The reports travel through the proxy too: wait for them before it stops.
        wait_for(lambda: len(live.events(receiver.id, "failed")) == 2, 10, what="both failures reported")
        wait_for(lambda: [e.item_id for e in live.events(receiver.id, "played")] == [item["id"]], 10,
                 what="the play reported")
    finally:
        proxy.stop()
    assert served[:3] == ["flipped", "truncated", "intact"]
    assert [(p.word, p.sha256) for p in receiver.process.plays()] == [
        ("start", bulletin["audio"]["sha256"]), ("end", bulletin["audio"]["sha256"])]
    details = [e.detail for e in live.events(receiver.id, "failed")]
    assert "sha256 mismatch" in details[0] and "truncated" in details[1], details
    assert _no_partials(receiver)


def test_an_emergency_interrupts_a_playing_bulletin_within_two_polls(live: LiveWorld, tmp_path: Path,
                                                                    receivers: list[Receiver]) -> None:
    station, poll = "e2e-urgent", 1.5
    receiver = live.receiver(tmp_path, station, poll_interval=poll, extra=("--late-tolerance", "120"),
                             player_args="--hold normal=12")
    receivers.append(receiver)
    normal, alarm = live.bulletin("normal"), live.bulletin("alarm")
    [item] = live.place(normal["id"], [station], at=_soon(5))
    wait_for(lambda: ("start", item["id"]) in receiver.words(), 30, what="the normal bulletin started")
    settle(receiver, loops=("sync",))  # it plays on while the agent polls
    placed_at = datetime.now(UTC).timestamp()
    [urgent] = live.place(alarm["id"], [station])
    wait_for(lambda: ("start", urgent["id"]) in receiver.words(), 20, what="the emergency started")
    cut = next(p for p in receiver.process.plays() if p.word == "term")
    assert cut.item_id == item["id"]
    assert cut.at - placed_at < 2 * poll, f"interrupted {cut.at - placed_at:.2f} s after the emergency was placed"
    wait_for(lambda: receiver.words()[-1:] == [("start", item["id"])], 20,
             what="the interrupted bulletin started again after the emergency")
    assert receiver.words() == [("start", item["id"]), ("term", item["id"]), ("start", urgent["id"]),
                                ("end", urgent["id"]), ("start", item["id"])]
    wait_for(lambda: [e.item_id for e in live.events(receiver.id, "played")] == [urgent["id"]], 10)


def test_kill_9_mid_download_and_mid_playback(live: LiveWorld, tmp_path: Path, receivers: list[Receiver]) -> None:
    station = "e2e-crash"
    proxy = Proxy(live.url)
    proxy.media_hook = lambda _sha, data, headers: (
        200, {"Content-Type": "audio/mpeg", "Content-Length": str(len(data))}, throttled(data, 1024, 0.05)
    ) if "range" not in headers else None  # a slow 4G link for the first attempt
    try:
        receiver = live.receiver(tmp_path, station, via=proxy.url, player_args="--hold normal=20")
        receivers.append(receiver)
        bulletin = live.bulletin("crash")
        [item] = live.place(bulletin["id"], [station], at=_soon(10))
        partial = receiver.process.state / "media" / ".partial" / f"{bulletin['audio']['sha256']}.part"
        wait_for(lambda: partial.exists() and partial.stat().st_size > 4096, 20, 0.05, what="a download under way")
        receiver.process.kill9()
        cut_at = partial.stat().st_size
        assert 0 < cut_at < bulletin["audio"]["bytes"]
        receiver.process.start()
        wait_for(lambda: ("start", item["id"]) in receiver.words(), 40, what="the bulletin started after recovery")
        resumed = [r for sha, r, status in proxy.media_requests if sha == bulletin["audio"]["sha256"] and r]
        assert resumed and int(resumed[0].removeprefix("bytes=").rstrip("-")) >= cut_at, proxy.media_requests
        assert _no_partials(receiver)
        settle(receiver, loops=("sync",))  # it plays on while the agent polls
        receiver.process.kill9()  # mid-playback: its player is orphaned, still "playing"
        receiver.process.start()
        wait_for(lambda: ("term", item["id"]) in receiver.words(), 20, what="the orphaned player stopped")
        wait_for(lambda: live.events(receiver.id, "skipped"), 20, what="the cut-off item reported")
        settle(receiver)
    finally:
        proxy.stop()
    assert receiver.words() == [("start", item["id"]), ("term", item["id"])], "played twice after a restart"
    [skipped] = live.events(receiver.id, "skipped")
    assert skipped.item_id == item["id"] and "cut off by an agent restart" in skipped.detail
    assert len(live.events(receiver.id, "downloaded")) == 1
    media = receiver.process.state / "media" / f"{bulletin['audio']['sha256']}.mp3"
    assert not media.exists() or media.stat().st_size == bulletin["audio"]["bytes"]
    assert _no_partials(receiver) and not [p for p in receiver.process.state.iterdir() if p.name.startswith(".")]
    assert os.path.getsize(receiver.process.state / "state.json") > 0
