"""All tables; importing this module registers them on ``SQLModel.metadata``."""

from .content import AudioAsset, Bulletin, BulletinStation, BulletinStatus, Priority
from .core import (
    AuditLog,
    AuthToken,
    LexiconEntry,
    LoginAttempt,
    Receiver,
    Role,
    Station,
    User,
    UserStation,
)
from .distribute import ManifestState
from .schedule import ItemStatus, Placement, PlacementMode, PlaylistItem, StationSlot
from .types import UTCDateTime, utcnow

__all__ = [
    "AudioAsset", "AuditLog", "AuthToken", "Bulletin", "BulletinStation", "BulletinStatus", "ItemStatus",
    "LexiconEntry", "LoginAttempt", "ManifestState", "Placement", "PlacementMode", "PlaylistItem", "Priority",
    "Receiver", "Role", "Station", "StationSlot", "UTCDateTime", "User", "UserStation", "utcnow",
]
