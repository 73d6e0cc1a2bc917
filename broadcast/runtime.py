"""What a running service holds: settings, database engine, media store, speaker and scheduler.

Built by the app factory's lifespan (never at import time) and handed to requests through
FastAPI dependencies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine

from broadcast.config import Settings
from broadcast.db import make_engine, session_scope, upgrade
from broadcast.keys import SigningKey
from broadcast.media import MediaStore
from broadcast.services import demo

if TYPE_CHECKING:
    from broadcast.jobs import JobDeps
    from broadcast.secret_box import SecretBox
    from broadcast.services.login import LoginGuard
    from broadcast.services.previews import PreviewSlots
    from broadcast.speech import Speaker

log = logging.getLogger(__name__)


class BackgroundJobs(Protocol):
    """What requests may ask of the background jobs (``jobs.Jobs``): run now rather than at the next tick."""

    def wake_synthesis(self) -> None: ...

    def wake_publication(self) -> None: ...

    def wake_notifications(self) -> None: ...

    def shutdown(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    media: MediaStore
    jobs: BackgroundJobs | None = None
    seeded: demo.DemoSeed | None = field(default=None)

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True) -> Runtime:
        settings.ensure_dirs()
        engine = make_engine(settings.db_url)
        if migrate:
            upgrade(engine)
        media = MediaStore(settings.media_dir)
        media.remove_partials()
        runtime = cls(settings=settings, engine=engine, media=media)
        if migrate:
            from broadcast.secret_box import encrypt_plain_push_secrets

            encrypt_plain_push_secrets(engine, runtime.secret_box)  # rows from before encryption at rest
        return runtime

    @cached_property
    def secret_box(self) -> SecretBox:
        """Encrypts push secrets at rest; its key sits beside the signing key (0600)."""
        from broadcast.secret_box import SecretBox

        return SecretBox.load_or_create(self.settings.keys_dir / "push-secrets.key")

    @cached_property
    def signing_key(self) -> SigningKey:
        return SigningKey.load_or_create(self.settings.keys_dir / "signing-ed25519.pem")

    @cached_property
    def speaker(self) -> Speaker:
        from broadcast.speech import Speaker

        return Speaker(self.settings)

    @cached_property
    def preview_slots(self) -> PreviewSlots:
        """Per-user cap on previews being synthesised at once (``services.previews``)."""
        from broadcast.services.previews import PreviewSlots

        return PreviewSlots(self.settings.previews_per_user)

    @cached_property
    def login_guard(self) -> LoginGuard:
        """Login throttling and the argon2 pool (``services.login``), made on first use."""
        from broadcast.services.login import LoginGuard

        return LoginGuard()

    def job_deps(self) -> JobDeps:
        """What the background jobs may use, and no more."""
        from broadcast.jobs import JobDeps

        return JobDeps(settings=self.settings, engine=self.engine, media=self.media,
                       speaker=lambda: self.speaker, signing_key=lambda: self.signing_key,
                       secret_box=lambda: self.secret_box)

    def seed_if_empty(self) -> demo.DemoSeed | None:
        with session_scope(self.engine) as session:
            if not demo.is_empty(session):
                return None
            self.seeded = demo.seed(session, self.settings.schedules_dir, with_demo=self.settings.demo)
        return self.seeded

    def close(self) -> None:
        if self.jobs is not None:
            self.jobs.shutdown()
        if "login_guard" in self.__dict__:
            self.login_guard.close()
        self.engine.dispose()
