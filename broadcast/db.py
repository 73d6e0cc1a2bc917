"""Engine creation and schema migrations.

SQLite is the embedded default (WAL mode, foreign keys on, a busy timeout so the scheduler and the web
workers can share it); PostgreSQL is used when the settings say so. The schema is only ever created by
Alembic migrations, both at start-up and through ``broadcast db upgrade``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from broadcast.errors import ServiceError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
POSTGRES_EXTRA_HINT = "pip install -e '.[postgres]'"


class DriverMissing(ServiceError):
    """The configured database needs a driver that only an extra installs."""


def require_driver(url: str) -> None:
    """Fail with one clear line when a PostgreSQL URL is configured but psycopg (the extra) is absent.

    The default install runs on SQLite; psycopg is imported only here and by PostgreSQL-only code.
    """
    if not url.startswith("postgresql"):
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DriverMissing(
            f"BROADCAST_DATABASE_URL is a PostgreSQL URL but its driver (psycopg) is not installed: "
            f"run {POSTGRES_EXTRA_HINT}"
        ) from None


def private_sqlite_file(url: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite opens it, and tighten an existing one.

    It holds password hashes, push secrets and the audit log, like the signing key beside it. SQLite
    creates its ``-wal`` and ``-shm`` files with the database file's own permissions, so they follow;
    ones left by an older version are tightened too.
    """
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            os.chmod(candidate, 0o600)


def make_engine(url: str) -> Engine:
    """Create an engine with the per-backend settings the service relies on (raises DriverMissing)."""
    from broadcast import db_guard

    require_driver(url)
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        db_guard.install(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    db_guard.install(engine)
    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on the engine's database."""
    config = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (for jobs and the CLI)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_ignore(session: Session, model: type, **values: Any) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    stmt = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(**values)
    session.execute(stmt.on_conflict_do_nothing())
