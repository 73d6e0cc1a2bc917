"""The first-run checklist an admin sees on the home page until the province is set up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from broadcast.messages import say
from broadcast.models import EventKind, Receiver, ReceiverEvent, Role, Station, User


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    link: str
    done: bool


def checklist(session: Session) -> list[Step]:
    """Staff accounts, stations, a cluster that has been heard, and a broadcast a cluster reported playing."""

    def count(query) -> int:  # type: ignore[no-untyped-def]
        return int(session.exec(query).one())

    staff = count(select(func.count()).select_from(User).where(User.role != Role.admin, col(User.active).is_(True)))
    stations = count(select(func.count()).select_from(Station))
    heard = count(select(func.count()).select_from(Receiver).where(col(Receiver.last_seen_at).is_not(None),
                                                                   col(Receiver.revoked_at).is_(None)))
    played = count(select(func.count()).select_from(ReceiverEvent).where(ReceiverEvent.kind == EventKind.played))
    return [
        Step("users", say("firstrun_users"), "/admin/users", staff > 0),
        Step("stations", say("firstrun_stations"), "/admin/stations", stations > 0),
        Step("receivers", say("firstrun_receivers"), "/receivers", heard > 0),
        Step("test", say("firstrun_test"), "/bulletins", played > 0),
    ]
