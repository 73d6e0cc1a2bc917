"""The one settings object: read from the environment (prefix ``BROADCAST_``) and an optional ``.env``.

Validation happens when the object is built, so a bad value stops the process at start-up with a message
that names the variable instead of failing later in a request.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``BROADCAST_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="BROADCAST_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Holds the SQLite database, media, caches and keys.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite in data_dir.")
    voices_dir: Path = PROJECT_ROOT / "voices"
    schedules_dir: Path = PROJECT_ROOT / "schedules"
    default_voice: str = "mien-bac"
    timezone: str = "Asia/Ho_Chi_Minh"
    public_url: str = Field("", description="Base URL receivers use for media links; empty: from the request.")
    demo: bool = Field(True, description="Seed a demo province on first start with an empty database.")
    scheduler: bool = Field(True, description="Run the background scheduler in `serve`.")
    token_ttl_hours: int = Field(12, ge=1, le=24 * 30)
    gtts_timeout_s: float = Field(8.0, gt=0, le=120)
    gtts_retries: int = Field(1, ge=0, le=5)
    mp3_bitrate_kbps: int = Field(64, ge=16, le=160, description="MPEG-2 layer III at 22,050 Hz stops at 160")
    sentence_cache_mb: int = Field(256, ge=1)
    push_allow_private: bool = Field(False, description="Allow push URLs on loopback/private/link-local "
                                     "addresses (gateways on an internal network); off: public hosts only.")
    preview_ttl_hours: float = Field(24, gt=0, le=24 * 90, description="Audio of previews that no bulletin "
                                     "version uses is removed after this long (housekeeping, hourly).")
    previews_per_user: int = Field(2, ge=1, le=20, description="Previews one user may synthesise at once (429).")
    max_upload_mb: int = Field(50, ge=1, le=1024)
    max_upload_minutes: int = Field(30, ge=1, le=600)
    synthesis_workers: int = Field(1, ge=1, le=8)
    # Scheduling and the receiver protocol (issue 5): see docs/receiver-protocol.md.
    clock_offset_s: float = Field(0.0, description="Shift the service's clock (tests, drills); 0 in production.")
    scheduler_lease_s: float = Field(30.0, ge=2, le=600, description="Single-scheduler lease; a standby takes "
                                     "over this long after the holder stops renewing it.")
    play_grace_s: int = Field(900, ge=0, le=6 * 3600, description="How late a receiver may still start an "
                              "occurrence; after that it is marked missed.")
    receiver_offline_after_s: int = Field(600, ge=1, le=7 * 24 * 3600,
                                          description="A receiver unheard for longer is shown offline.")
    docs_require_login: bool = Field(False, description="Serve /docs, /redoc and /openapi.json only to "
                                     "logged-in staff.")
    secure_cookies: bool = Field(False, description="Always mark web cookies Secure (behind a TLS proxy); "
                                 "they are Secure anyway when the request itself is HTTPS.")

    # Object storage (issue 17): signed feeds and media mirrored to an S3-compatible bucket behind a CDN.
    # Off unless s3_bucket is set; credentials come from the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    s3_bucket: str = Field("", description="Bucket to publish feeds and media to; empty: local disk only.")
    s3_endpoint: str = Field("", description="S3 API endpoint (MinIO, SeaweedFS, Ceph …); empty: AWS.")
    s3_region: str = Field("us-east-1", description="Signing region.")
    s3_prefix: str = Field("", description="Key prefix inside the bucket, e.g. 'lang-son/'.")
    s3_public_url: str = Field("", description="Public base URL of the bucket (the CDN in front), "
                               "without the prefix; receivers fetch feeds and media from here.")
    s3_media_grace_s: int = Field(2 * 24 * 3600, ge=0, description="Unreferenced media stay this long.")

    # Cloud voices (issue 12): keys only from the environment, kept as secrets, never printed or stored.
    fpt_api_key: SecretStr | None = None
    fpt_url: str = "https://api.fpt.ai/hmi/tts/v5"
    viettel_token: SecretStr | None = None
    viettel_url: str = "https://viettelai.vn/tts/speech_synthesis"
    zalo_api_key: SecretStr | None = None
    zalo_url: str = "https://api.zalo.ai/v1/tts/synthesize"
    cloud_tts_timeout_s: float = Field(15.0, gt=0, le=120, description="Most a cloud voice may take per sentence.")
    cloud_tts_retries: int = Field(1, ge=0, le=5)
    cloud_tts_cooldown_s: float = Field(30.0, ge=0, le=3600, description="Pause after a failure (doubles).")
    fpt_ready_timeout_s: float = Field(20.0, gt=0, le=120, description="How long FPT.AI's audio may take to appear.")

    # Notification e-mail (issue 14): off while smtp_host is empty; the password only from the environment.
    smtp_host: str = Field("", description="SMTP server for notification e-mail; empty: no e-mail.")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_tls: str = Field("starttls", pattern="^(starttls|ssl|none)$", description="starttls | ssl | none")
    smtp_user: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = Field("truyen-thanh@localhost", description="The From: address of notification e-mail.")
    smtp_timeout_s: float = Field(10.0, gt=0, le=120)

    # CAP 1.2 alerts (issue 16): see docs/alerts.md.
    cap_webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key of the alert webhook "
                                                 "(X-Broadcast-Signature: sha256=<hex>); empty: webhook off.")
    cap_signature: str = Field("off", pattern="^(off|optional|required)$",
                               description="XML signature of CAP alerts: off | optional (checked when present) "
                               "| required")
    cap_signature_cert: Path | None = Field(None, description="PEM certificate of the trusted alert signer.")
    cap_auto_approve_senders: str = Field("", description="Comma-separated CAP <sender> values whose "
                                          "Alert + Extreme + Immediate messages are approved without a person.")
    cap_feed_urls: str = Field("", description="Comma-separated Atom/RSS feeds of CAP alerts to poll.")
    cap_feed_interval_s: int = Field(120, ge=5, le=24 * 3600, description="How often to poll the CAP feeds.")

    @property
    def cap_trusted_senders(self) -> set[str]:
        return {s.strip() for s in self.cap_auto_approve_senders.split(",") if s.strip()}

    @property
    def cap_feeds(self) -> list[str]:
        return [u.strip() for u in self.cap_feed_urls.split(",") if u.strip()]

    @field_validator("s3_bucket")
    @classmethod
    def _s3_client_installed(cls, value: str) -> str:
        import importlib.util

        if value and importlib.util.find_spec("boto3") is None:
            raise ValueError("publishing to S3 needs boto3: pip install 'broadcast[s3]'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:// and postgresql:// URLs are supported")
        return value

    @cached_property
    def db_url(self) -> str:
        """The effective database URL (SQLite under data_dir unless configured)."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.data_dir / 'broadcast.db').resolve()}"

    @property
    def object_base_url(self) -> str:
        """Where the bucket's objects are public (CDN + prefix), or '' when publishing to S3 is off."""
        if not self.s3_bucket:
            return ""
        base = self.s3_public_url or f"{self.s3_endpoint.rstrip('/')}/{self.s3_bucket}"  # path-style
        return f"{base.rstrip('/')}/{self.s3_prefix.strip('/')}".rstrip("/")

    @property
    def media_base_url(self) -> str:
        """Base of receivers' media links: the bucket when publishing to S3 (same paths as the API)."""
        return self.object_base_url or self.public_url

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def installed_voices_dir(self) -> Path:
        """Voices added with `broadcast voices add` (profiles and their models)."""
        return self.data_dir / "voices"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ensure_dirs(self) -> None:
        """Create the data directories; called at start-up, never at import."""
        for directory in (self.data_dir, self.media_dir, self.cache_dir, self.keys_dir):
            directory.mkdir(parents=True, exist_ok=True)
