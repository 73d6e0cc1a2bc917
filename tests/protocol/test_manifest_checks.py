"""``protocol.check_manifest`` directly: the one set of manifest checks the reference receiver runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcast.protocol import PROTOCOL_VERSION, Manifest, VerificationError, check_manifest

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def _manifest(**changes) -> Manifest:  # type: ignore[no-untyped-def]
    fields = {"receiver_id": 7, "station": "xa-a", "sequence": 5, "generated_at": NOW - timedelta(minutes=1),
              "valid_until": NOW + timedelta(hours=24), "items": []}
    return Manifest(**{**fields, **changes})


def _check(manifest: Manifest) -> None:
    check_manifest(manifest, receiver_id=7, last_sequence=4, now=NOW)


def test_a_good_manifest_passes_and_small_clock_skew_is_tolerated() -> None:
    _check(_manifest())
    _check(_manifest(generated_at=NOW + timedelta(minutes=9)))  # a server clock a little ahead


@pytest.mark.parametrize(("changes", "reason"), [
    ({"protocol": PROTOCOL_VERSION + 1}, "unsupported-protocol"),
    ({"receiver_id": 8}, "wrong-receiver"),
    ({"sequence": 4}, "replayed"),
    ({"sequence": 1}, "replayed"),
    ({"valid_until": NOW}, "expired"),
    ({"valid_until": NOW - timedelta(seconds=1)}, "expired"),
    ({"generated_at": NOW + timedelta(minutes=11)}, "from-future"),
    ({"generated_at": NOW + timedelta(days=365)}, "from-future"),
])
def test_each_failed_check_raises_with_its_reason(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(VerificationError) as caught:
        _check(_manifest(**changes))
    assert caught.value.reason == reason, str(caught.value)


def test_the_first_failed_check_in_the_documented_order_is_reported() -> None:
    future = NOW + timedelta(hours=1)
    cases = [({"protocol": 2, "receiver_id": 8, "sequence": 1, "valid_until": NOW, "generated_at": future},
              "unsupported-protocol"),
             ({"receiver_id": 8, "sequence": 1, "valid_until": NOW, "generated_at": future}, "wrong-receiver"),
             ({"sequence": 1, "valid_until": NOW, "generated_at": future}, "replayed"),
             ({"valid_until": NOW, "generated_at": future}, "expired"),
             ({"generated_at": future}, "from-future")]
    for changes, reason in cases:
        with pytest.raises(VerificationError) as caught:
            _check(_manifest(**changes))
        assert caught.value.reason == reason
