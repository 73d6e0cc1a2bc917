"""Helpers for scheduling and distribution tests: real MP3 assets and ready bulletins, without synthesis."""

from __future__ import annotations

import functools
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import imageio_ffmpeg
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.media import MediaStore
from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStation,
    BulletinStatus,
    BulletinVersion,
    Priority,
    Station,
    User,
)
from broadcast.services.versions import seeded_approved_version


@functools.cache
def make_mp3(seconds: float, frequency: int = 440) -> bytes:
    """A real MP3 (sine tone) of the given length, made with ffmpeg."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
               f"sine=frequency={frequency}:duration={seconds}:sample_rate=8000", "-ac", "1", "-ar", "8000",
               "-b:a", "8k", "-f", "mp3", "-"]
    return subprocess.run(command, check=True, capture_output=True).stdout


def ready_bulletin(engine: Engine, media: MediaStore, title: str, stations: list[str], *,
                   priority: Priority = Priority.normal, seconds: float = 30.0, author: str = "editor",
                   frequency: int = 440) -> int:
    """An approved bulletin with real audio (status ready), as synthesis would leave it; returns its id."""
    data = make_mp3(seconds, frequency)
    stored = media.put(data, ".mp3")
    with session_scope(engine) as session:
        asset = session.exec(select(AudioAsset).where(AudioAsset.sha256 == stored.sha256)).first()
        if asset is None:
            asset = AudioAsset(sha256=stored.sha256, path=stored.path, bytes=stored.size, duration_s=seconds,
                               engine="test-tone")
            session.add(asset)
            session.flush()
        bulletin = _bulletin(session, title, stations, priority, author)
        bulletin.asset_id, bulletin.status = asset.id, BulletinStatus.ready
        version = session.get(BulletinVersion, bulletin.approved_version_id)
        assert version is not None
        version.asset_id, version.audio_sha256 = asset.id, asset.sha256  # the approved version's audio
        session.add_all([bulletin, version])
        session.flush()
        return bulletin.id or 0


def approved_bulletin(engine: Engine, title: str, text: str, stations: list[str], *,
                      priority: Priority = Priority.normal, author: str = "editor") -> int:
    """An approved text bulletin waiting for synthesis; returns its id."""
    with session_scope(engine) as session:
        bulletin = _bulletin(session, title, stations, priority, author, text)
        return bulletin.id or 0


def _bulletin(session: Session, title: str, stations: list[str], priority: Priority, author: str,
              text: str = "Thông báo thử.") -> Bulletin:
    user = session.exec(select(User).where(User.username == author)).one()
    approver = session.exec(select(User).where(User.username == "admin")).one()
    bulletin = Bulletin(title=title, text=text, priority=priority, status=BulletinStatus.approved,
                        created_by=user.id, approved_by=approver.id, approved_at=datetime.now().astimezone())
    session.add(bulletin)
    session.flush()
    for code in stations:
        station = session.exec(select(Station).where(Station.code == code)).one()
        session.add(BulletinStation(bulletin_id=bulletin.id, station_id=station.id))
    session.flush()
    seeded_approved_version(session, bulletin)
    session.flush()
    return bulletin


def get_user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


# --- a service clock pinned to a fixed local morning --------------------------------------------------

FIXED_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def offset_for(instant: datetime) -> float:
    """The clock offset that makes the service's "now" equal ``instant`` (at the moment of the call)."""
    return (instant - datetime.now(UTC)).total_seconds()


def pinned_settings(tmp_path: Path, db_url: str, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                    clock_offset_s=offset_for(FIXED_NOW), _env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return pinned_settings(tmp_path, db_url)


def advance(runtime: Any, delta: timedelta) -> None:
    """Move the running service's clock forward."""
    runtime.settings.clock_offset_s += delta.total_seconds()


def service_now(runtime: Any) -> datetime:
    from broadcast.schedule.clock import clock_for

    return clock_for(runtime.settings).now()
