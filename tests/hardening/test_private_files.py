"""Item 11: the SQLite database and its -wal/-shm are owner-only (0600), like the signing key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.models import Role
from broadcast.runtime import Runtime
from broadcast.services.accounts import create_user
from tests.conftest import PASSWORD


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_and_existing_sqlite_files_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask that made them 0644
    try:
        settings = Settings(data_dir=tmp_path / "var", database_url="", demo=False, scheduler=False,
                            _env_file=None)  # type: ignore[call-arg]
        runtime = Runtime.open(settings)
        try:
            with session_scope(runtime.engine) as session:
                create_user(session, "someone", PASSWORD, Role.editor)
            database = tmp_path / "var" / "broadcast.db"
            files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
            assert all(f.exists() for f in files), list((tmp_path / "var").iterdir())
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        finally:
            runtime.close()
        # A database an older version left readable by everyone is tightened on the next start.
        for f in files:
            if f.exists():
                f.chmod(0o644)
        runtime = Runtime.open(settings)
        try:
            assert _mode(database) == 0o600
            assert all(_mode(f) == 0o600 for f in files if f.exists())
        finally:
            runtime.close()
    finally:
        os.umask(old_umask)
