"""The service clock is pinned near a fixed daytime instant so placements never fall in quiet hours,
whatever the time the suite runs at; tests move it forward through ``runtime.settings.clock_offset_s``."""

from __future__ import annotations

from tests.distribute.support import pinned_settings, settings  # noqa: F401  (fixture override)

__all__ = ["pinned_settings", "settings"]
