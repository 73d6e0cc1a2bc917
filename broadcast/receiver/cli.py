"""``broadcast receiver enrol | run | status``: the device's commands (also ``python -m broadcast.receiver``)."""

from __future__ import annotations

import logging
import shlex
import shutil
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import httpx
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from broadcast.receiver.store import ReceiverConfig

# The agent, httpx, the protocol's pydantic models and the Ed25519 code are imported by the commands that use
# them, so ``broadcast --help`` (which registers these commands) does not pay for them.

receiver_app = typer.Typer(help="The receiver agent for a commune's loudspeaker cluster.", no_args_is_help=True,
                           rich_markup_mode=None, pretty_exceptions_enable=False)

StateOption = Annotated[Path, typer.Option("--state", help="The agent's state directory", resolve_path=True)]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@receiver_app.command()
def enrol(
    server: Annotated[str, typer.Option(help="The service's base URL, e.g. https://bantin.example.vn")],
    token: Annotated[str, typer.Option(help="The device token rcv_… (shown once when the receiver was created)",
                                       envvar="BROADCAST_RECEIVER_TOKEN")],
    state: StateOption,
    public_key: Annotated[str | None, typer.Option(
        help="Expected signing key (base64, from `broadcast keys show`); refuse the server if it differs")] = None,
    player: Annotated[str | None, typer.Option(help="Player command with {file}; default: mpg123 -q {file}")] = None,
    poll_interval: Annotated[float | None, typer.Option(help="Seconds between polls; default: the server's")] = None,
    force: Annotated[bool, typer.Option(help="Start afresh: forget the cached manifest, media and reports")] = False,
) -> None:
    """Pin the server's signing key, check the token, and store the credentials in the state directory."""
    from broadcast.protocol import VerificationError, key_id, verify
    from broadcast.receiver.store import ReceiverConfig

    server = server.rstrip("/")
    if not token.startswith("rcv_") or "." not in token:
        raise _fail("the token should look like rcv_<id>.<secret>")
    key_info, playlist, where = _ask_server(server, token)
    key = _offered_key(key_info, public_key)
    if playlist.status_code == 401:
        raise _fail("the server refused the device token (unknown or revoked)")
    if playlist.status_code != 200:
        raise _fail(f"the playlist request failed: HTTP {playlist.status_code}")
    try:
        manifest = verify(playlist.content, key)
    except VerificationError as exc:
        raise _fail(f"the server's manifest does not verify with its own key ({exc.reason}): refusing") from None
    feed_url = _feed_url(where)
    config = ReceiverConfig(server_url=server, token=token, public_key=key_info["public_key"], key_id=key_id(key),
                            receiver_id=manifest.receiver_id, station=manifest.station, enrolled_at=datetime.now(UTC),
                            player=player, poll_interval_s=poll_interval, feed_url=feed_url)
    _replace_config(state, config, force)
    typer.echo(f"enrolled receiver {config.receiver_id} of station {config.station} at {server}")
    typer.echo(f"pinned signing key {config.key_id}")
    typer.echo(f"API URL: {server}")
    typer.echo(f"feed URL: {feed_url}" if feed_url else "feed URL: none (the service publishes no feeds; "
               "polling the API)")


def _ask_server(server: str, token: str) -> tuple[dict[str, Any], httpx.Response, httpx.Response]:
    """The server's signing key (as offered), a first playlist and the enrolment reply, with the token."""
    import httpx

    from broadcast.receiver.sync import USER_AGENT

    try:
        with httpx.Client(base_url=server, timeout=20, headers={"User-Agent": USER_AGENT}) as http:
            offered = http.get("/api/v1/receiver/signing-key")
            if offered.status_code != 200:
                raise _fail(f"{server} did not give its signing key (HTTP {offered.status_code})")
            key_info = offered.json()
            playlist = http.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token}"})
            where = http.get("/api/v1/receiver/enrolment", headers={"Authorization": f"Bearer {token}"})
    except (httpx.HTTPError, ValueError) as exc:
        raise _fail(f"cannot reach {server}: {exc}") from None
    return key_info, playlist, where


def _offered_key(key_info: dict[str, Any], expected: str | None) -> Ed25519PublicKey:
    """The key the server offers, refused when unusable or not the one the installer was given."""
    from broadcast.protocol import load_public_key_b64

    if key_info.get("alg") != "Ed25519":
        raise _fail(f"unsupported signature algorithm {key_info.get('alg')!r}")
    try:
        key = load_public_key_b64(str(key_info.get("public_key", "")))
    except ValueError as exc:
        raise _fail(f"the server's signing key is unusable: {exc}") from None
    if expected is not None and expected.strip() != key_info["public_key"]:
        raise _fail("the server's signing key is not the one given with --public-key: refusing to pin it")
    return key


def _feed_url(where: httpx.Response) -> str | None:
    """The receiver's feed address from the enrolment reply; None from an older server (API polling only)."""
    from broadcast.protocol import Enrolment

    if where.status_code != 200:
        return None
    try:
        return Enrolment.model_validate_json(where.content).feed_url
    except ValueError:
        return None


def _replace_config(state: Path, config: ReceiverConfig, force: bool) -> None:
    from broadcast.receiver.store import MANIFEST_FILE, STATE_FILE, AlreadyRunning, exclusive, load_config, save_config

    try:
        old = load_config(state)
    except FileNotFoundError:
        old = None
    except ValueError:
        old = None
        force = True
    same = old is not None and (old.server_url, old.public_key, old.receiver_id) == (
        config.server_url, config.public_key, config.receiver_id)
    if old is not None and not same and not force:
        raise _fail(f"{state} is enrolled as receiver {old.receiver_id} at {old.server_url} (key {old.key_id}); "
                    "use --force to start afresh")
    try:
        with exclusive(state):
            if old is not None and not same:
                for name in (STATE_FILE, MANIFEST_FILE):
                    (state / name).unlink(missing_ok=True)
                shutil.rmtree(state / "media", ignore_errors=True)
            save_config(state, config)
    except AlreadyRunning as exc:
        raise _fail(f"{exc}: stop it before enrolling again") from None


@receiver_app.command()
def run(
    state: StateOption,
    player: Annotated[str | None, typer.Option(
        help='Player command; {file} is replaced by the MP3 path. Default: "mpg123 -q {file}"')] = None,
    poll_interval: Annotated[float | None, typer.Option(help="Seconds between polls; default: the server's")] = None,
    late_tolerance: Annotated[float, typer.Option(help="Seconds an item may start after its time")] = 900.0,
    max_backoff: Annotated[float, typer.Option(help="Longest wait between polls while the server is down")] = 600.0,
    heartbeat_interval: Annotated[float, typer.Option(help="Seconds between heartbeats")] = 300.0,
    max_media_mb: Annotated[int, typer.Option(help="Refuse audio files larger than this")] = 200,
    volume: Annotated[int | None, typer.Option(help="Volume to report in heartbeats (0–100)")] = None,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING")] = "INFO",
    decision_log: Annotated[Path | None, typer.Option(
        help="Append every decision of the agent to this file (JSON lines), for diagnosis")] = None,
) -> None:
    """Run the agent: poll, verify, download, play and report until stopped (SIGTERM)."""
    from broadcast.receiver.agent import DEFAULT_PLAYER, Agent, Options
    from broadcast.receiver.store import AlreadyRunning, exclusive, load_config

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(threadName)s %(message)s")
    for noisy in ("httpx", "httpcore"):  # one line per poll would flood the journal
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        config = load_config(state)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    options = Options(player=player or config.player or DEFAULT_PLAYER,
                      poll_interval_s=poll_interval or config.poll_interval_s, late_tolerance_s=late_tolerance,
                      max_backoff_s=max_backoff, heartbeat_interval_s=heartbeat_interval, max_media_mb=max_media_mb,
                      volume=volume, decision_log=decision_log)
    argv = shlex.split(options.player)
    if not argv or shutil.which(argv[0]) is None:
        raise _fail(f"the player {argv[0] if argv else '(empty)'!r} is not installed (e.g. apt install mpg123), "
                    "or give another with --player")
    try:
        with exclusive(state):
            try:
                agent = Agent(state, config, options)
            except ValueError as exc:
                raise _fail(str(exc)) from None
            signal.signal(signal.SIGTERM, lambda *_: agent.stop())
            signal.signal(signal.SIGINT, lambda *_: agent.stop())
            logging.getLogger("broadcast.receiver").info(
                "receiver %s of %s starting; server %s", config.receiver_id, config.station, config.server_url)
            agent.run()
    except AlreadyRunning as exc:
        raise _fail(str(exc)) from None


def _local(instant: datetime) -> str:
    """For people: the device's local time (set the board's zone to Asia/Ho_Chi_Minh)."""
    return instant.astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


@receiver_app.command()
def status(state: StateOption) -> None:
    """Print what the agent knows: enrolment, the cached manifest, pending items and unsent reports."""
    from broadcast.protocol import VerificationError, load_public_key_b64, verify
    from broadcast.receiver.store import StateStore, load_config

    try:
        config = load_config(state)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    store = StateStore(state)
    typer.echo(f"receiver {config.receiver_id} of {config.station} at {config.server_url}; key {config.key_id}")
    raw = store.read_manifest()
    if raw is None:
        typer.echo("no manifest yet")
    else:
        try:
            manifest = verify(raw, load_public_key_b64(config.public_key))
        except VerificationError as exc:
            typer.echo(f"cached manifest is invalid: {exc.reason}")
        else:
            typer.echo(f"manifest {manifest.sequence}, valid until {_local(manifest.valid_until)}")
            for item in manifest.items:
                entry = store.state.ledger.get(item.id)
                typer.echo(f"  {_local(item.play_at)}  #{item.id} {item.priority:<9} "
                           f"{entry.state if entry else 'pending':<11} {item.title}")
    typer.echo(f"reports waiting to be sent: {len(store.state.outbox)}")
    if store.state.last_error:
        typer.echo(f"last error: {store.state.last_error}")
