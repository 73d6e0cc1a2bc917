"""The single-scheduler lease, the job-run ledger and APScheduler's own job table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, LargeBinary, Table, Unicode
from sqlmodel import Field, SQLModel, UniqueConstraint

from .types import UTCDateTime, utcnow


class SchedulerLease(SQLModel, table=True):
    """Who may run the scheduler on this database. Taken with one conditional UPDATE (free, expired or
    already ours), renewed well before it expires; ``generation`` grows at every change of holder."""

    name: str = Field(primary_key=True, max_length=32)
    holder: str | None = Field(default=None, max_length=100)
    generation: int = 0
    acquired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobRun(SQLModel, table=True):
    """One execution of a scheduled job; (job, scheduled time) is unique, so a run fires once at most."""

    __table_args__ = (UniqueConstraint("job_id", "run_time"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=64, index=True)
    run_time: datetime = Field(sa_type=UTCDateTime)
    holder: str = Field(max_length=100)
    status: str = Field(default="running", max_length=16, description="running | done | error | missed")
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=2000)


# APScheduler's SQLAlchemyJobStore table, declared here so that Alembic creates it (and autogenerate
# does not propose dropping it). The columns match APScheduler 3.x exactly.
apscheduler_jobs = Table(
    "apscheduler_jobs", SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
