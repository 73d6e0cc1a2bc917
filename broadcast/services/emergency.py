"""Emergency broadcasts: a deliberate, audited way to put content on air at once.

The rule that keeps "content is approved before it airs":
- only an **approver or an admin** may start an emergency broadcast (editors submit an emergency-priority
  bulletin through the normal approval flow instead);
- they must tick an explicit confirmation that they have read and approve the content, **and re-enter
  their password**; a missed tick or a wrong password refuses the broadcast with nothing stored;
- the bulletin is then recorded with that person as both author and approver, and the audit log says so
  ("emergency self-approval"), next to ``emergency.start`` with the stations.

Audio is rendered *before* this module is called (synthesis takes seconds and must not hold a database
write lock), so the bulletin is created ``ready`` and plays in the very next manifest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from broadcast.errors import Forbidden, InvalidInput, NotFound
from broadcast.models import (
    AudioAsset,
    Bulletin,
    ItemStatus,
    Placement,
    PlacementMode,
    PlaylistItem,
    Priority,
    Station,
    User,
    utcnow,
)
from broadcast.security import verify_password
from broadcast.services import audit, bulletins, placements
from broadcast.services.accounts import station_ids_for

ALLOWED_ROLES = placements.EMERGENCY_ROLES


def check_allowed(user: User) -> None:
    if user.role not in ALLOWED_ROLES:
        raise Forbidden("only an approver or an admin can start an emergency broadcast")


def check_confirmation(user: User, confirmed: bool, password: str) -> None:
    """The deliberate step: an explicit tick and the user's own password."""
    check_allowed(user)
    if not confirmed:
        raise InvalidInput("confirm that you have read and approve this emergency content")
    if not verify_password(user.password_hash, password):
        raise Forbidden("the password you re-entered is wrong")


def start(session: Session, user: User, *, title: str, text: str, asset: AudioAsset, source: str,
          voice: str, station_codes: Iterable[str], confirmed: bool, password: str
          ) -> tuple[Bulletin, Placement, list[PlaylistItem]]:
    """Create the emergency bulletin (self-approved, with confirmation), ready with ``asset``, and play it now."""
    check_confirmation(user, confirmed, password)
    codes = list(station_codes)
    bulletin = bulletins.create_bulletin(session, user, title=title, text=text, priority=Priority.emergency,
                                         voice=voice, station_codes=codes,
                                         recording=asset if source == "recording" else None)
    now = utcnow()
    bulletins.self_approve_emergency(session, user, bulletin, asset, now)
    audit.record(session, user, "bulletin.approve", "bulletin", bulletin.id,
                 "emergency self-approval: author and approver, confirmed with password")
    placement, items = placements.place(session, user, bulletin, station_codes=codes, mode=PlacementMode.now,
                                        now=now)
    audit.record(session, user, "emergency.start", "bulletin", bulletin.id,
                 f"placement {placement.id} on {', '.join(codes)}")
    return bulletin, placement, items


@dataclass(frozen=True)
class ActiveEmergency:
    placement: Placement
    bulletin: Bulletin
    stations: list[str]
    pending: int
    played: int


def active(session: Session, user: User) -> list[ActiveEmergency]:
    """Emergency placements not cancelled with an occurrence still waiting to play, on the user's stations."""
    allowed = station_ids_for(session, user)
    waiting = select(PlaylistItem.placement_id).where(PlaylistItem.status == ItemStatus.scheduled,
                                                      PlaylistItem.priority == Priority.emergency)
    query = (select(Placement, Bulletin).join(Bulletin, Bulletin.id == Placement.bulletin_id)
             .where(Placement.priority == Priority.emergency, col(Placement.cancelled_at).is_(None),
                    col(Placement.id).in_(waiting))
             .order_by(col(Placement.created_at).desc()))
    found = []
    for placement, bulletin in session.exec(query).all():
        rows = session.exec(select(PlaylistItem.status, Station.code, Station.id)
                            .join(Station, Station.id == PlaylistItem.station_id)
                            .where(PlaylistItem.placement_id == placement.id)).all()
        if allowed is not None and not any(station_id in allowed for _, _, station_id in rows):
            continue
        pending = sum(1 for status, _, _ in rows if status == ItemStatus.scheduled)
        if pending:
            found.append(ActiveEmergency(placement, bulletin, sorted({code for _, code, _ in rows}), pending,
                                         sum(1 for status, _, _ in rows if status == ItemStatus.played)))
    return found


def cancel(session: Session, user: User, placement_id: int) -> int:
    """Stop an emergency that has not played yet everywhere; the user must see its bulletin and be allowed
    to start one (an editor, who cannot start an emergency, cannot stop one either)."""
    if user.role not in ALLOWED_ROLES:
        raise Forbidden("only an approver or an admin can cancel an emergency broadcast")
    placement = session.get(Placement, placement_id)
    if placement is None or placement.priority != Priority.emergency:
        raise NotFound(f"no emergency broadcast {placement_id}")
    bulletins.get_bulletin(session, user, placement.bulletin_id)
    count = placements.cancel_placement(session, user, placement, "emergency cancelled")
    audit.record(session, user, "emergency.cancel", "bulletin", placement.bulletin_id,
                 f"placement {placement.id}: {count} occurrence(s) stopped")
    return count
