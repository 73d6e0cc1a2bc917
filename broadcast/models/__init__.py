"""All tables; importing this module registers them on ``SQLModel.metadata``."""

from .alerts import CapAlertRecord, CapFeedState
from .content import AudioAsset, Bulletin, BulletinStation, BulletinStatus, BulletinVersion, Priority, VersionState
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
from .distribute import ManifestState, MirrorObject, StationFeed
from .events import EventKind, ReceiverEvent, StationHealth
from .notify import Notification
from .push import DeliveryStatus, PushAttempt, PushDelivery
from .schedule import ItemStatus, Placement, PlacementMode, PlaylistItem, StationSlot
from .scheduler import JobRun, SchedulerLease
from .types import UTCDateTime, utcnow

__all__ = [
    "AudioAsset", "AuditLog", "AuthToken", "Bulletin", "BulletinStation", "BulletinStatus", "BulletinVersion",
    "CapAlertRecord", "CapFeedState",
    "DeliveryStatus",
    "EventKind", "ItemStatus", "JobRun", "LexiconEntry", "LoginAttempt", "ManifestState", "MirrorObject",
    "Notification",
    "Placement",
    "PlacementMode", "PlaylistItem", "Priority", "PushAttempt", "PushDelivery", "Receiver", "ReceiverEvent", "Role",
    "SchedulerLease", "Station", "StationFeed", "StationHealth", "StationSlot", "UTCDateTime", "User", "UserStation",
    "VersionState", "utcnow",
]
