"""Settings fail fast with a message that names the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from broadcast.config import Settings


def test_defaults_use_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", _env_file=None)  # type: ignore[call-arg]
    assert settings.db_url == f"sqlite:///{(tmp_path / 'd' / 'broadcast.db').resolve()}"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.mp3_bitrate_kbps == 64


def test_postgres_urls_get_the_psycopg_driver() -> None:
    settings = Settings(database_url="postgresql://u@h/db", _env_file=None)  # type: ignore[call-arg]
    assert settings.db_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("field", "value"), [("timezone", "Mars/Olympus"), ("database_url", "mysql://x"),
                                              ("mp3_bitrate_kbps", 3)])
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Settings(**{field: value}, _env_file=None)  # type: ignore[arg-type]
    assert field in str(info.value)


def test_cli_reports_bad_environment_and_exits_non_zero(tmp_path: Path) -> None:
    env = {"BROADCAST_TIMEZONE": "Nowhere/Town", "BROADCAST_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "broadcast.cli", "db", "upgrade"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "BROADCAST_TIMEZONE" in result.stderr and "unknown time zone" in result.stderr
