"""Voices by name over the API: the list staff apps show, and a station's default voice (admins)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from broadcast.api.deps import AdminUser, CurrentUser, RuntimeDep, SessionDep
from broadcast.services.voices import set_station_voice

router = APIRouter(tags=["voices"])


class VoicePublic(BaseModel):
    name: str
    label: str
    description: str
    region: str | None
    gender: str | None
    online: bool
    engines: list[str]
    licence: str
    rate_range: tuple[float, float] = Field(description="rate at speed steps -2 and +2")
    usable: bool
    unavailable_reason: str | None = None


class StationVoiceIn(BaseModel):
    voice: str | None = Field(None, description="Voice name; null: the province's default")


@router.get("/voices", response_model=list[VoicePublic])
def list_voices(_user: CurrentUser, runtime: RuntimeDep) -> list[VoicePublic]:
    speaker = runtime.speaker
    speaker.reload_installed()
    voices = []
    for name, profile in sorted(speaker.profiles.items()):
        checker = getattr(speaker.engines.get(profile.engines[0]), "unavailable_reason", None)
        reason = checker(profile) if checker else None
        voices.append(VoicePublic(name=name, label=profile.label, description=profile.description,
                                  region=profile.region, gender=profile.gender, online=profile.online,
                                  engines=profile.engines, licence=profile.licence,
                                  rate_range=(profile.at_speed(-2).rate, profile.at_speed(2).rate),
                                  usable=reason is None, unavailable_reason=reason))
    return voices


@router.put("/stations/{code}/default-voice")
def station_default_voice(code: str, body: StationVoiceIn, _admin: AdminUser, session: SessionDep,
                          runtime: RuntimeDep) -> dict[str, str | None]:
    """Set or clear a station's default voice (admins only)."""
    voice = runtime.speaker.profile(body.voice).name if body.voice else None
    station = set_station_voice(session, code, voice)
    return {"station": station.code, "default_voice": station.default_voice}
