"""The audit trail: who did what, when."""

from __future__ import annotations

from sqlmodel import Session

from broadcast.models import AuditLog, User


def record(session: Session, user: User | None, action: str, object_type: str, object_id: int | None,
           detail: str = "") -> None:
    session.add(AuditLog(user_id=user.id if user else None, action=action, object_type=object_type,
                         object_id=object_id, detail=detail[:4000]))
