"""The ``broadcast`` command line: serve, say, normalise, admin tasks, migrations, keys."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Annotated

import typer

from broadcast.cli_common import fail, load_settings
from broadcast.errors import ServiceError
from broadcast.receiver.cli import receiver_app
from broadcast.voices_cli import voices_app

# rich_markup_mode=None: plain click help; rich formatting imports ~0.1 s of modules, a third of `--help`.
app = typer.Typer(help="Text-to-speech bulletins for commune loudspeaker systems.", no_args_is_help=True,
                  rich_markup_mode=None, pretty_exceptions_enable=False)
admin_app = typer.Typer(help="Create users, stations and receivers.", no_args_is_help=True, rich_markup_mode=None)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True, rich_markup_mode=None)
keys_app = typer.Typer(help="The manifest signing key.", no_args_is_help=True, rich_markup_mode=None)
stations_app = typer.Typer(help="Station data in bulk.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(admin_app, name="admin")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(stations_app, name="stations")
app.add_typer(receiver_app, name="receiver")
app.add_typer(voices_app, name="voices")


def _print_seed(seed) -> None:  # type: ignore[no-untyped-def]
    typer.echo("\n" + "=" * 64)
    typer.echo("First start: created the admin account (the password is shown only now).")
    typer.echo(f"  username: {seed.admin_username}\n  password: {seed.admin_password}")
    if seed.receiver_tokens:
        typer.echo("Demo receivers' device tokens (shown only now):")
        for code, token in seed.receiver_tokens.items():
            typer.echo(f"  {code}: {token}")
    typer.echo("=" * 64 + "\n", err=False)
    sys.stdout.flush()


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port")] = 8000,
          workers: Annotated[int, typer.Option(
              help="Service processes sharing the port (PostgreSQL only); one of them, the scheduler lease "
                   "holder, runs the background jobs")] = 1,
          access_log: Annotated[bool, typer.Option(
              help="Log every request (off behind nginx, which logs them already)")] = True) -> None:
    """Run the service (API, web pages and scheduler) on the configured database."""
    import uvicorn

    from broadcast.app import create_app
    from broadcast.db import require_driver

    settings = load_settings()
    try:
        require_driver(settings.db_url)
    except ServiceError as exc:
        raise fail(exc.message) from None
    if workers < 1:
        raise fail("--workers must be at least 1")
    if workers > 1 and settings.db_url.startswith("sqlite"):
        raise fail("--workers > 1 needs PostgreSQL (BROADCAST_DATABASE_URL=postgresql+psycopg://…): SQLite takes "
                   "one writing process; run one process, or see docs/deploy.md")
    # uvicorn configures only its own loggers; route the service's (lease, jobs, synthesis) to the same output.
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["broadcast"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if workers == 1:
        uvicorn.run(create_app(settings, on_seed=_print_seed), host=host, port=port, log_level="info",
                    log_config=log_config, access_log=access_log)
        return
    _prepare_for_workers(settings)
    import inspect

    extra = {}
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters:  # uvicorn ≥ 0.33
        # a worker's start-up (imports, lifespan) on a busy machine takes more than uvicorn's default 5 s,
        # after which the supervisor kills and restarts it, forever
        extra["timeout_worker_healthcheck"] = 60
    uvicorn.run("broadcast.app:worker_app", factory=True, workers=workers, host=host, port=port,
                log_level="info", log_config=log_config, access_log=access_log, **extra)


def _prepare_for_workers(settings) -> None:  # type: ignore[no-untyped-def]
    """Migrate, seed and make the signing key once, here, before the workers start (they would race)."""
    from broadcast.runtime import Runtime

    try:
        runtime = Runtime.open(settings)
    except ServiceError as exc:
        raise fail(exc.message) from None
    try:
        seeded = runtime.seed_if_empty()
        runtime.signing_key  # noqa: B018 - created now, not by N workers at once
    finally:
        runtime.close()
    if seeded:
        _print_seed(seeded)


@app.command()
def say(text: Annotated[list[str] | None, typer.Argument(
            help="Text to read; after -f, more documents or folders")] = None,
        file: Annotated[list[Path] | None, typer.Option(
            "-f", "--file", help=".docx, .txt or .pdf document, or a folder of them (more may follow)")] = None,
        out: Annotated[Path, typer.Option(
            "-o", "--out", help="MP3 file to write; for several documents, the output folder")] = Path("bulletin.mp3"),
        voice: Annotated[str | None, typer.Option(help="Voice profile name")] = None) -> None:
    """Convert a text, a document, or many documents to broadcast-ready MP3s, offline, as the service does.

    broadcast say "Thông báo…" · broadcast say -f notice.docx -o notice.mp3 ·
    broadcast say -f a.docx b.txt c.pdf -o outdir/ · broadcast say -f folder/ -o outdir/
    """
    from broadcast.say import SayError, say_documents, say_one_document, say_text

    try:
        if not file:
            if not text:
                raise fail("give either TEXT or -f FILE")
            say_text(load_settings(), " ".join(text), out, voice)
            return
        paths = [*file, *(Path(t) for t in text or [])]
        if len(paths) == 1 and not paths[0].is_dir() and out.suffix.lower() == ".mp3":
            say_one_document(load_settings(), paths[0], out, voice)
            return
        status = say_documents(load_settings(), paths, out, voice)
    except SayError as exc:
        raise fail(str(exc)) from None
    if status:
        raise typer.Exit(status)


@app.command()
def normalise() -> None:
    """Read UTF-8 text on stdin, one paragraph per line; write one line of spoken text per input line."""
    from broadcast.normalise import default_lexicon, normalise_line

    lexicon = default_lexicon()
    stdin = sys.stdin.buffer
    out = sys.stdout
    for raw in stdin:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        out.write(normalise_line(line, lexicon) + "\n")
        out.flush()


def _with_session(fn):  # type: ignore[no-untyped-def]
    from broadcast.db import session_scope
    from broadcast.runtime import Runtime

    try:
        runtime = Runtime.open(load_settings())
    except ServiceError as exc:
        raise fail(exc.message) from None
    try:
        with session_scope(runtime.engine) as session:
            return fn(session, runtime)
    except ServiceError as exc:
        raise fail(exc.message) from None
    finally:
        runtime.close()


@admin_app.command("create-user")
def create_user(username: str,
                role: Annotated[str, typer.Option(help="admin, editor, approver or intake")] = "editor",
                full_name: Annotated[str, typer.Option(help="Display name")] = "",
                station: Annotated[list[str] | None, typer.Option(help="Station code (repeatable)")] = None,
                password: Annotated[str | None, typer.Option(
                    help="Visible in `ps` and shell history: prefer --password-stdin. Default: a random one, printed"
                )] = None,
                password_stdin: Annotated[bool, typer.Option(
                    "--password-stdin", help="Read the password from standard input (asked for, hidden, on a terminal)"
                )] = False) -> None:
    """Create a user; prints the password once if it was generated."""
    from broadcast.models import Role
    from broadcast.services.accounts import create_user as create
    from broadcast.services.passwords import generate, problem

    try:
        role_value = Role(role)
    except ValueError:
        raise fail("role must be admin, editor, approver or intake") from None
    if password_stdin:
        if password is not None:
            raise fail("give either --password or --password-stdin, not both")
        password = read_password()
    if password is not None and (why := problem(password, username)):
        raise fail(why)
    secret = password or generate(username)
    _with_session(lambda s, _r: create(s, username, secret, role_value, full_name, station or []))
    typer.echo(f"created {role_value.value} {username.strip().lower()}")
    if password is None:
        typer.echo(f"password: {secret}")


@admin_app.command("reset-password")
def reset_password(username: str) -> None:
    """Give a user a random one-time password (printed once) that must be changed at the next login."""
    from broadcast.services.accounts import reset_password as reset

    def run(session, _runtime):  # type: ignore[no-untyped-def]
        user, secret = reset(session, None, username)
        return user.username, secret

    name, secret = _with_session(run)
    typer.echo(f"password of {name} reset; every session ended; it must be changed at the next login")
    typer.echo(f"one-time password: {secret}")


def read_password() -> str:
    """One password from standard input: asked for twice without echo on a terminal, else its first line."""
    import sys

    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@admin_app.command("create-station")
def create_station(code: str, name: str, province: str = "", district: str = "",
                   template: Annotated[str | None, typer.Option(help="Schedule template from schedules/")] = "daily"
                   ) -> None:
    """Create a commune station, with the slots of a schedule template."""
    from broadcast.schedule.service import apply_template
    from broadcast.schedule.templates import load_templates
    from broadcast.services.stations import create_station as create

    def run(session, runtime):  # type: ignore[no-untyped-def]
        station = create(session, code, name, province, district)
        if template:
            templates = load_templates(runtime.settings.schedules_dir)
            if template not in templates:
                raise fail(f"unknown template {template!r}; known: {', '.join(sorted(templates))}")
            apply_template(session, station, templates[template])
        return station.code

    typer.echo(f"created station {_with_session(run)}")


@admin_app.command("create-receiver")
def create_receiver(station: str, name: str) -> None:
    """Register a receiver for a station and print its device token (shown only once)."""
    from broadcast.services.receivers import create_receiver as create
    from broadcast.services.stations import get_station

    def run(session, _runtime):  # type: ignore[no-untyped-def]
        receiver, token = create(session, get_station(session, station), name)
        return receiver.id, token

    receiver_id, token = _with_session(run)
    typer.echo(f"created receiver {receiver_id} for {station}")
    typer.echo(f"device token (shown only now): {token}")


@stations_app.command("import-locations")
def import_locations(file: Annotated[Path, typer.Argument(
        help="GeoJSON FeatureCollection (properties: code, province_code, district_code, commune_code; "
             "geometry Point/Polygon/MultiPolygon) or CSV (code, lat, lon, province_code, district_code, "
             "commune_code)")]) -> None:
    """Set stations' locations (for CAP warning areas) from a file: all rows or none."""
    from broadcast.services import audit
    from broadcast.services.location_import import MAX_FILE_BYTES
    from broadcast.services.location_import import import_locations as run_import

    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}") from None

    def run(session, _runtime):  # type: ignore[no-untyped-def]
        try:
            updated = run_import(session, data, file.name)
        except ServiceError as exc:
            for row in exc.extra.get("errors", []):  # type: ignore[union-attr]
                code = f" ({row['code']})" if row["code"] else ""
                typer.echo(f"  row {row['row']}{code}: {row['message']}", err=True)
            raise
        audit.record(session, None, "station.locations_import", "station", None,
                     f"{file.name} · {len(updated)}")
        return [s.code for s in updated]

    codes = _with_session(run)
    typer.echo(f"updated the location of {len(codes)} station(s): {', '.join(codes)}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    from broadcast.db import make_engine, upgrade

    settings = load_settings()
    settings.ensure_dirs()
    try:
        engine = make_engine(settings.db_url)
    except ServiceError as exc:
        raise fail(exc.message) from None
    upgrade(engine)
    engine.dispose()
    typer.echo("database is up to date")


@keys_app.command("show")
def keys_show() -> None:
    """Print the public key that receivers pin."""
    from broadcast.keys import SigningKey

    settings = load_settings()
    settings.ensure_dirs()
    key = SigningKey.load_or_create(settings.keys_dir / "signing-ed25519.pem")
    typer.echo(f"alg: Ed25519\nkey_id: {key.key_id}\npublic_key: {key.public_b64}")


if __name__ == "__main__":
    app()
