"""Real receiver processes against an in-memory server that speaks the protocol, for what the real server
cannot easily be made to do: lie about the time, lose acknowledgements, refuse one report, sign for
another receiver. The real server is used in test_end_to_end.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broadcast.keys import SigningKey
from broadcast.receiver.store import AgentState, Event
from tests.receiver.support import ContractServer, HTTPService, ReceiverProcess, enrol, tamper, wait_for

RID = 7


@pytest.fixture
def contract() -> Iterator[ContractServer]:
    server = ContractServer()
    yield server
    server.stop()


@pytest.fixture
def receiver(tmp_path: Path, contract: ContractServer) -> Iterator[Callable[..., ReceiverProcess]]:
    made: list[ReceiverProcess] = []

    def make(name: str = "r1", start: bool = True, **options) -> ReceiverProcess:  # type: ignore[no-untyped-def]
        token = contract.add_receiver(RID)
        state = tmp_path / name
        enrolled = enrol(contract.url, token, state)
        assert enrolled.returncode == 0, enrolled.stderr
        process = ReceiverProcess(state, tmp_path / f"{name}-plays.log", **options)
        made.append(process)
        if start:  # up and holding a first manifest: what a test publishes next is timed from here
            process.start()
            wait_for(lambda: process.state_json()["sequence"] >= 1, 15, what="the agent's first manifest")
        return process

    yield make
    for process in made:
        process.stop()
        assert "Traceback" not in process.output(), process.output()


def _now() -> datetime:
    return datetime.now(UTC)


def _words(process: ReceiverProcess) -> list[tuple[str, int]]:
    return [(p.word, p.item_id) for p in process.plays()]


def _played_decisions(process: ReceiverProcess) -> list[int]:
    """The items the agent decided to start, in order, over all its runs."""
    return [d["item"] for d in process.decisions("playout") if d["what"] == "play"]


def test_enrol_pins_the_key_and_refuses_a_different_one(contract: ContractServer, tmp_path: Path) -> None:
    token = contract.add_receiver(RID)
    state = tmp_path / "r"
    wrong = enrol(contract.url, token, state, "--public-key", SigningKey.load_or_create(tmp_path / "k.pem").public_b64)
    assert wrong.returncode == 1 and "--public-key" in wrong.stderr and not (state / "config.json").exists()
    assert enrol(contract.url, "rcv_nobody.secret", state).returncode == 1
    ok = enrol(contract.url, token, state, "--public-key", contract.key.public_b64)
    assert ok.returncode == 0, ok.stderr
    assert f"receiver {RID} of station xa-test" in ok.stdout and contract.key.key_id in ok.stdout
    config = json.loads((state / "config.json").read_text())
    assert config["public_key"] == contract.key.public_b64 and config["receiver_id"] == RID
    assert oct((state / "config.json").stat().st_mode & 0o777) == "0o600"  # it holds the device token
    other = ContractServer()
    try:
        moved = enrol(other.url, other.add_receiver(RID), state)
        assert moved.returncode == 1 and "--force" in moved.stderr
    finally:
        other.stop()


def test_plays_once_on_time_reports_and_cleans_up(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    sha = contract.add_media(os.urandom(30_000))
    r1 = receiver(poll_interval=0.5)
    # Lead time for the agent to poll, download and settle before the instant: the test is about playing
    # at that instant, so a loaded machine must not make the item late before the agent has even seen it.
    at = _now() + timedelta(seconds=5)
    contract.publish(RID, [contract.item(1, sha, at, duration_ms=400)])
    wait_for(lambda: _words(r1) == [("start", 1), ("end", 1)], 15, what="the item played")
    start = r1.plays()[0]
    assert start.sha256 == sha
    # On time, told by the agent's decisions rather than a wall-clock margin: it waited for the item's own
    # instant, then decided to play it once, not before that instant (and the player started after it).
    decisions = r1.decisions("playout")
    aimed = [datetime.fromisoformat(d["detail"].removeprefix("next at ")) for d in decisions
             if d["what"] == "wait" and d["detail"].startswith("next at ")]
    played = [d for d in decisions if d["what"] == "play" and d["item"] == 1]
    assert aimed and abs((aimed[-1] - at).total_seconds()) < 0.001, (aimed[-1:], at)  # the wire keeps ms
    due = aimed[-1].timestamp() - 0.001  # the log's times are rounded to the millisecond
    assert len(played) == 1 and played[0]["t"] >= due, (played, due)
    assert start.at >= due, f"started {start.at - due:+.3f} s from its time"
    wait_for(lambda: ("played", 1) in contract.kinds(RID), 10, what="the played report")
    wait_for(lambda: not r1.state_json()["outbox"], 10, what="acknowledged reports leave the queue")
    assert sorted(contract.kinds(RID)) == [("downloaded", 1), ("played", 1)]
    played = next(e for e in contract.events.values() if e["kind"] == "played")  # start and end of playback
    started, ended = datetime.fromisoformat(played["started_at"]), datetime.fromisoformat(played["at"])
    assert abs(started.timestamp() - start.at) < 0.5 and ended - started >= timedelta(seconds=0.3)
    beat = contract.heartbeats[-1]
    assert beat["software_version"].startswith("broadcast-receiver/") and beat["manifest_sequence"] == 2
    assert beat["free_disk_mb"] > 0 and beat["clock_offset_s"] is not None and abs(beat["clock_offset_s"]) < 2
    # the first poll is enrol's, the second the agent's first: every later one asks "changed since?"
    polls = [h for m, p, h in contract.requests if p == "/api/v1/receiver/playlist"]
    assert len(polls) >= 3 and all(h.get("If-None-Match", "").startswith(f'"{RID}-') for h in polls[2:])

    status = subprocess.run([sys.executable, "-m", "broadcast.receiver", "status", "--state", str(r1.state)],
                            capture_output=True, text=True, check=True).stdout
    assert f"receiver {RID} of xa-test" in status and "#1 normal    done" in status
    assert "reports waiting to be sent: 0" in status

    contract.publish(RID, [])  # the server forgets the item once reported: its audio is deleted here too
    wait_for(lambda: not list((r1.state / "media").glob("*.mp3")), 10, what="unneeded media deleted")
    mark = r1.mark()
    wait_for(lambda: len(r1.decisions("playout", after=mark)) >= 3, 10, what="three more playout decisions")
    assert _played_decisions(r1) == [1]  # it looked again, and decided to play nothing more
    assert _words(r1) == [("start", 1), ("end", 1)]


def test_rejected_manifests_change_nothing_and_are_reported_once(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    good_sha, bad_sha = contract.add_media(os.urandom(5000)), contract.add_media(os.urandom(6000))
    first = contract.publish(RID, [])
    r1 = receiver(poll_interval=0.3)
    at = _now() + timedelta(seconds=6)
    good = contract.publish(RID, [contract.item(1, good_sha, at, duration_ms=300)])
    wait_for(lambda: r1.state_json()["sequence"] == 2, 10)
    evil = [contract.item(66, bad_sha, _now() + timedelta(seconds=1), "emergency").model_dump(mode="json")]
    other_key = SigningKey.load_or_create(r1.state.parent / "other.pem")
    attempts = {
        "bad-signature": tamper(good, items=evil),
        "unknown-key": contract.publish(RID, [contract.item(66, bad_sha, _now(), "emergency")], key=other_key),
        "replayed": first,
        "expired": contract.publish(RID, [contract.item(66, bad_sha, _now())], valid_for=timedelta(seconds=-1)),
        "wrong-receiver": contract.publish(RID, [contract.item(66, bad_sha, _now())], for_receiver=RID + 1),
    }
    for reason, body in attempts.items():
        contract.manifests[RID].body = body
        wait_for(lambda reason=reason: any(e["detail"].startswith(reason + ":") for e in contract.events.values()),
                 10, what=f"the {reason} rejection reported")
    mark = r1.mark()  # several more polls of the last bad manifest: reported once, not at every poll
    wait_for(lambda: len([d for d in r1.decisions("sync", after=mark) if d["what"] == "rejected"]) >= 3, 10,
             what="three more polls of the last bad manifest")
    again = [d["detail"] for d in r1.decisions("sync", after=mark) if d["what"] == "rejected"]
    assert all(detail == "wrong-receiver; already reported" for detail in again), again
    rejected = sorted(e["detail"].split(":")[0] for e in contract.events.values() if e["kind"] == "rejected")
    assert rejected == sorted(attempts)
    assert r1.state_json()["sequence"] == 2
    wait_for(lambda: _words(r1) == [("start", 1), ("end", 1)], 15, what="the good item played")
    assert all(p.sha256 == good_sha for p in r1.plays())
    assert not any(bad_sha in path for _m, path, _h in contract.requests), "media of a rejected manifest was fetched"
    assert "rejected" in (contract.heartbeats[-1]["last_error"] or "")


def test_outage_power_cut_and_lost_acknowledgements(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    """Server down, receiver killed and restarted without network, the first ack after recovery lost."""
    shas = [contract.add_media(os.urandom(8000 + i)) for i in range(2)]
    r1 = receiver(poll_interval=0.3)
    # Generous margins (the waits end as soon as the condition holds): on a loaded 2-core CI machine the
    # downloads, the kill and the restart must all happen before the first item is due.
    at = _now() + timedelta(seconds=10)
    contract.publish(RID, [contract.item(1, shas[0], at, duration_ms=300),
                           contract.item(2, shas[1], at + timedelta(seconds=2), duration_ms=300)])
    wait_for(lambda: sorted(contract.kinds(RID)) == [("downloaded", 1), ("downloaded", 2)], 30)
    # The server has the reports; wait until the agent has also recorded their acknowledgement on disk, or
    # the power cut below may come between the two and leave them queued (which is correct, but not this test).
    wait_for(lambda: not r1.state_json()["outbox"], 15, what="the downloads' acknowledgement saved")
    contract.stop()
    r1.kill9()  # a power cut, with the server unreachable when it comes back
    r1.start()
    wait_for(lambda: _words(r1) == [("start", 1), ("end", 1), ("start", 2), ("end", 2)], 40,
             what="the cached schedule played without the server")
    wait_for(lambda: len(r1.state_json()["outbox"]) == 2, 15, what="both plays queued for reporting")
    contract.lose_acks = 1
    contract.start()
    wait_for(lambda: not r1.state_json()["outbox"], 30, what="the queue drained after the server came back")
    played = [e for e in contract.events.values() if e["kind"] == "played"]
    assert sorted(e["item_id"] for e in played) == [1, 2]  # each counted once, though sent twice
    assert any(dup for _acc, dup in contract.report_replies), "the re-sent batch should have been duplicates"


def test_a_far_off_clock_is_corrected_from_the_server_date(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    contract.date_offset_s = 600.0  # the server is 10 minutes ahead of this machine
    sha = contract.add_media(os.urandom(4000))
    r1 = receiver(poll_interval=0.3)
    server_at = _now() + timedelta(seconds=600 + 2)
    contract.publish(RID, [contract.item(1, sha, server_at, duration_ms=200)])
    wait_for(lambda: _words(r1)[:1] == [("start", 1)], 15, what="the item played on server time")
    local_at = server_at.timestamp() - 600
    assert abs(r1.plays()[0].at - local_at) < 1.5
    wait_for(lambda: contract.heartbeats and contract.heartbeats[-1]["clock_offset_s"], 10)
    beat = contract.heartbeats[-1]
    assert 598 <= beat["clock_offset_s"] <= 602 and "off by +600 s" in beat["last_error"]


def test_a_refused_report_is_dropped_alone_and_a_failing_player_is_reported(contract: ContractServer,
                                                                          receiver) -> None:  # type: ignore[no-untyped-def]
    sha = contract.add_media(os.urandom(4000))
    r1 = receiver(poll_interval=0.3, player_args="--exit-status 3", start=False)
    poison = Event(event_id="poison-1", kind="played", item_id=999, at=_now(), detail="x")
    state = AgentState(outbox=[poison, Event(event_id="fine-1", kind="skipped", item_id=998, at=_now())])
    (r1.state / "state.json").write_text(state.model_dump_json())
    contract.refuse_event = lambda e: e["event_id"] == "poison-1"
    contract.publish(RID, [contract.item(1, sha, _now() + timedelta(seconds=3), duration_ms=200)])
    r1.start()
    wait_for(lambda: ("failed", 1) in contract.kinds(RID), 15, what="the player failure reported")
    failure = next(e for e in contract.events.values() if e["kind"] == "failed")
    assert "status 3" in failure["detail"]
    # the queued skip may go in another report cycle than the failure: wait for it, never race it
    wait_for(lambda: ("skipped", 998) in contract.kinds(RID), 10, what="the queued skip reported")
    wait_for(lambda: r1.state_json()["outbox"] == [] and r1.state_json()["dropped_events"] == 1, 10)
    assert ("played", 999) not in contract.kinds(RID)  # the queue is empty and the poison dropped: settled
    mark = r1.mark()
    wait_for(lambda: len(r1.decisions("playout", after=mark)) >= 3, 10, what="three more playout decisions")
    assert _played_decisions(r1) == [1]
    assert _words(r1) == [("start", 1), ("fail", 1)]  # at most once, even when it failed


def test_emergency_interrupts_and_the_cut_item_starts_again(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    normal_sha, alarm_sha = contract.add_media(os.urandom(9000)), contract.add_media(os.urandom(7000))
    r1 = receiver(poll_interval=1.0, scale=0.5)
    normal = contract.item(1, normal_sha, _now() + timedelta(seconds=2), duration_ms=8000)
    contract.publish(RID, [normal])
    wait_for(lambda: _words(r1) == [("start", 1)], 15, what="the normal item started")
    mark = r1.mark()
    contract.publish(RID, [normal, contract.item(2, alarm_sha, _now(), "emergency", duration_ms=1000)])
    wait_for(lambda: ("start", 2) in _words(r1), 10, what="the emergency started")
    cut = next(p for p in r1.plays() if p.word == "term")
    assert cut.item_id == 1
    # Within one poll: the manifest carrying the emergency is taken at the first poll after it was placed
    # (or the second, when a poll was already under way), and the interruption follows it at once.
    since = r1.decisions(after=mark)
    polls = [d for d in since if d["loop"] == "sync" and d["what"] != "unreachable"]
    accepted = next(i for i, d in enumerate(polls) if d["what"] == "accepted")
    assert accepted <= 1, [d["what"] for d in polls]
    interrupt = next(d for d in since if d["what"] == "interrupt")
    assert interrupt["item"] == 1 and interrupt["detail"] == "by emergency item 2"
    assert polls[accepted]["n"] < interrupt["n"]
    wait_for(lambda: _words(r1)[-1:] == [("end", 1)], 20, what="the normal item played again after")
    assert _words(r1) == [("start", 1), ("term", 1), ("start", 2), ("end", 2), ("start", 1), ("end", 1)]
    wait_for(lambda: sorted(k for k in contract.kinds(RID) if k[0] == "played") == [("played", 1), ("played", 2)], 10)


def test_audio_damaged_on_disk_is_not_played_but_fetched_again(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    data = os.urandom(20_000)
    sha = contract.add_media(data)
    r1 = receiver(poll_interval=0.3)
    contract.publish(RID, [contract.item(1, sha, _now() + timedelta(seconds=3), duration_ms=200)])
    wait_for(lambda: ("downloaded", 1) in contract.kinds(RID), 10)
    path = r1.state / "media" / f"{sha}.mp3"
    damaged = bytearray(path.read_bytes())
    damaged[1000] ^= 0xFF
    path.write_bytes(bytes(damaged))  # an SD card going bad
    wait_for(lambda: ("end", 1) in _words(r1), 15, what="the item played from a fresh copy")
    assert [p.sha256 for p in r1.plays()] == [sha, sha]
    wait_for(lambda: ("failed", 1) in contract.kinds(RID), 10)
    failure = next(e for e in contract.events.values() if e["kind"] == "failed")
    assert "failed its check before playing" in failure["detail"]
    # the second download is reported on the receiver's next report cycle: wait for it, never race it
    wait_for(
        lambda: [k for k in contract.kinds(RID) if k[0] == "downloaded"] == [("downloaded", 1)] * 2,
        10,
        what="both downloads reported",
    )


def test_a_clock_set_back_by_a_reboot_holds_playout_until_the_server_gives_the_time(contract: ContractServer,
                                                                                     receiver) -> None:  # type: ignore[no-untyped-def]
    sha = contract.add_media(os.urandom(4000))
    r1 = receiver(poll_interval=0.3)
    at = _now() + timedelta(seconds=5)
    contract.publish(RID, [contract.item(1, sha, at, duration_ms=200)])
    wait_for(lambda: ("downloaded", 1) in contract.kinds(RID), 10)
    r1.stop()
    contract.stop()
    state = r1.state_json()  # as if the board had rebooted and its clock came back an hour behind
    state.update(high_water=(_now() + timedelta(hours=1)).isoformat(), clock_boot_id="another boot")
    (r1.state / "state.json").write_text(json.dumps(state))
    r1.start()
    # the give-up time includes a fresh interpreter starting on a possibly loaded machine: not a promise
    wait_for(lambda: "playout held" in r1.output(), 60, what="the agent noticed its clock is behind")
    wait_for(lambda: any(d["what"] == "hold" and d["t"] > at.timestamp() + 1 for d in r1.decisions("playout")),
             15, what="the agent still holding after the item's time")
    assert r1.plays() == [] and _played_decisions(r1) == [], "played by a clock known to be wrong"
    contract.start()
    wait_for(lambda: _words(r1) == [("start", 1), ("end", 1)], 15, what="played once the time was known")
    assert "playout resumes" in r1.output()


def test_an_item_whose_audio_never_comes_is_skipped_at_its_latest_start(contract: ContractServer,
                                                                         receiver) -> None:  # type: ignore[no-untyped-def]
    sha = contract.add_media(os.urandom(3000))
    r1 = receiver(poll_interval=0.3)
    item = contract.item(1, sha, _now() + timedelta(seconds=1), valid_until=_now() + timedelta(seconds=3))
    del contract.media[sha]  # the server lost the file
    contract.publish(RID, [item])
    wait_for(lambda: ("skipped", 1) in contract.kinds(RID), 15, what="the skip reported")
    skipped = next(e for e in contract.events.values() if e["kind"] == "skipped")
    assert skipped["detail"].startswith("expired") and "HTTP 404" in skipped["detail"], skipped["detail"]
    wait_for(lambda: ("failed", 1) in contract.kinds(RID), 10, what="the failed download reported")
    assert r1.plays() == []  # skipped at its latest start (the decision above): it can never play


def test_the_first_heartbeat_after_an_outage_carries_no_stale_error(contract: ContractServer, receiver) -> None:  # type: ignore[no-untyped-def]
    """The connection error of an outage the receiver rode through must not reach the server once it is back."""
    r1 = receiver(poll_interval=0.3)  # heartbeats every second
    wait_for(lambda: contract.heartbeats, 10, what="a first heartbeat")
    contract.stop()
    stopped = time.monotonic()
    # Down for longer than the heartbeat interval, so a heartbeat is due at the first contact afterwards.
    wait_for(lambda: r1.output().count("WARNING") >= 2 and time.monotonic() - stopped > 2.0, 20,
             what="the agent noticed the outage")
    assert "Server disconnected" in r1.output() or "ConnectError" in r1.output()
    before = len(contract.heartbeats)
    contract.start()
    wait_for(lambda: len(contract.heartbeats) > before, 15, what="a heartbeat after the outage")
    first = contract.heartbeats[before]
    assert first["last_error"] is None, first["last_error"]


class StaticFeed(HTTPService):
    """A bucket/CDN stand-in: serves one body at /feed.json with an ETag (no token needed)."""

    def __init__(self) -> None:
        self.body: bytes | None = None
        self.gets = 0
        super().__init__()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes):  # type: ignore[no-untyped-def]
        self.gets += 1
        if self.body is None:
            return 404, {}, b"no such key"
        etag = f'"{hashlib.sha256(self.body).hexdigest()[:12]}"'
        if {k.lower(): v for k, v in headers.items()}.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/json", "ETag": etag}, self.body


def test_the_feed_is_used_and_the_api_asked_when_it_is_unreachable_or_stale(contract: ContractServer, receiver,
                                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    feed = StaticFeed()
    try:
        r1 = receiver(poll_interval=0.3, start=False)
        config = json.loads((r1.state / "config.json").read_text())
        (r1.state / "config.json").write_text(json.dumps({**config, "feed_url": f"{feed.url}/feed.json"}))
        sha = contract.add_media(os.urandom(3000))
        # 1. the feed has nothing yet (404): the API's manifest is taken
        contract.publish(RID, [contract.item(1, sha, _now() + timedelta(hours=2))])
        r1.start()
        wait_for(lambda: r1.state_json()["sequence"] == contract.sequences[RID], 15, what="the API's manifest")
        assert "asking the service" in r1.output()
        # 2. a newer manifest on the feed, fresh: taken from the feed, the API is not asked for it
        fresh = contract.publish(RID, [contract.item(2, sha, _now() + timedelta(hours=2))])
        feed.body = fresh
        wait_for(lambda: "from the feed" in r1.output(), 15, what="the manifest accepted from the feed")
        polls_before = sum(1 for _m, p, _h in contract.requests if p == "/api/v1/receiver/playlist")
        gets = feed.gets
        wait_for(lambda: feed.gets >= gets + 3, 10, what="three more feed polls")
        polls_after = sum(1 for _m, p, _h in contract.requests if p == "/api/v1/receiver/playlist")
        assert polls_after == polls_before, "a fresh feed must spare the API"
        # 3. the feed goes stale (its manifest has < 11 h left): the API is asked and its newer manifest taken
        stale = contract.publish(RID, [contract.item(3, sha, _now() + timedelta(hours=2))],
                                 valid_for=timedelta(hours=10))
        feed.body = stale
        newest = contract.publish(RID, [contract.item(4, sha, _now() + timedelta(hours=2))])
        assert newest
        wait_for(lambda: r1.state_json()["sequence"] == contract.sequences[RID], 15,
                 what="the API's newer manifest after the stale feed")
        assert not [e for e in contract.events.values() if e["kind"] == "rejected"]
    finally:
        feed.stop()
