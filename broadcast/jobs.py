"""The background scheduler and its jobs. Jobs call services; they hold no logic of their own."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from broadcast.services import synthesis

if TYPE_CHECKING:
    from broadcast.runtime import Runtime

log = logging.getLogger(__name__)
SYNTHESIS_JOB = "synthesis-queue"


class Jobs:
    """Owns the APScheduler instance for one running service."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1,
                                                                         "misfire_grace_time": 30})

    def start(self) -> None:
        self.scheduler.add_job(self.run_synthesis, "interval", seconds=5, id=SYNTHESIS_JOB,
                               next_run_time=datetime.now(UTC), replace_existing=True)
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def wake_synthesis(self) -> None:
        """Run the synthesis queue now instead of at the next tick (after an approval)."""
        if self.scheduler.running:
            self.scheduler.modify_job(SYNTHESIS_JOB, next_run_time=datetime.now(UTC))

    def run_synthesis(self) -> None:
        rt = self.runtime
        for outcome in synthesis.run_queue(rt.engine, rt.speaker, rt.media):
            log.info("bulletin %s → %s", outcome.bulletin_id, outcome.status)
