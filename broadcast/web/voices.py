"""Voices by name in the staff app: labels and descriptions (never codes), a sample to listen to per
voice ("Nghe thử") at the chosen speed, and who spoke a bulletin, in plain Vietnamese.

Templates get ``voice_cards()``, ``voice_label(name)`` and ``who_spoke(asset)`` as globals; the picker
itself is the partial ``_voice_picker.html`` with ``static/voices.js``.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from jinja2 import pass_context

from broadcast.errors import InvalidInput
from broadcast.models import Role
from broadcast.services import audit
from broadcast.services.voices import set_station_voice
from broadcast.synth.profiles import ProfileError
from broadcast.synth.who_spoke import WhoSpoke, failover_note, title
from broadcast.web import messages
from broadcast.web.core import Web, WebPost, WebRoute, redirect, templates
from broadcast.web.messages import VOICE_TEXT

router = APIRouter(route_class=WebRoute)

SAMPLE_TEXT = messages.VOICE_SAMPLE
REGION, GENDER, SPEEDS = messages.VOICE_REGION, messages.VOICE_GENDER, messages.VOICE_SPEED
_SAMPLES: OrderedDict[tuple[str, int, str], bytes] = OrderedDict()
_SAMPLES_LOCK = threading.Lock()
_MAX_SAMPLES = 64


def _speaker(context: Any) -> Any:
    return context["ctx"].runtime.speaker


def describe(profile: Any) -> str:
    parts = [REGION.get(profile.region or "", ""), GENDER.get(profile.gender or "", ""),
             VOICE_TEXT["online" if profile.online else "offline"]]
    return " · ".join(p for p in parts if p)


def readiness(speaker: Any, profile: Any) -> str:
    """Empty when the voice's own engine can speak now; else what staff should expect."""
    checker = getattr(speaker.engines.get(profile.engines[0]), "unavailable_reason", None)
    if checker is None or checker(profile) is None:
        return ""
    fallback = title(profile.engines[1]) if len(profile.engines) > 1 else ""
    return VOICE_TEXT["not_ready"] + (VOICE_TEXT["fallback"].format(name=fallback) if fallback else "")


@pass_context
def voice_cards(context: Any) -> list[dict[str, str]]:
    """The voices staff may pick, default first: name (the form's value), label, a plain description and
    whether it can speak now (a voice installed since start-up appears too)."""
    speaker = _speaker(context)
    with contextlib.suppress(ProfileError):
        speaker.reload_installed()
    names = [speaker.default_voice] + sorted(n for n in speaker.profiles if n != speaker.default_voice)
    return [{"name": n, "label": speaker.profiles[n].label, "about": describe(speaker.profiles[n]),
             "ready": readiness(speaker, speaker.profiles[n])} for n in names]


@pass_context
def voice_label(context: Any, name: str | None) -> str:
    if name == "recording":
        return VOICE_TEXT["recording"]
    profile = _speaker(context).profiles.get(name or "")
    return profile.label if profile is not None else VOICE_TEXT["gone"]


def who_spoke(asset: Any) -> dict[str, Any] | None:
    """Who read the audio and, if the chosen voice failed, the plain note saying so."""
    if asset is None or not getattr(asset, "speakers", ""):
        return None
    record = WhoSpoke.from_json(asset.speakers)
    speakers = [{"title": s["title"], "sentences": s["sentences"], "model": s.get("model", "")[:12]}
                for s in record.distinct()]
    return {"speakers": speakers, "failover": failover_note(record),
            "reasons": [(title(engine), reason) for engine, reason in record.fallbacks.items()]}


def engines_vi(engines: list[str]) -> str:
    """Engines that spoke, by the names people know ("eSpeak NG", "FPT.AI")."""
    return " + ".join(title(engine) for engine in dict.fromkeys(engines))


templates.env.globals.update(voice_cards=voice_cards, voice_label=voice_label, who_spoke=who_spoke, SPEEDS=SPEEDS)


@router.post("/admin/stations/{code}/voice")
def station_voice(code: str, ctx: WebPost, voice: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Set (or clear, for the province's) a station's default voice; admins only, recorded in the audit log."""
    ctx.require(Role.admin)
    chosen = ctx.runtime.speaker.profile(voice).name if voice else None
    station = set_station_voice(ctx.session, code, chosen)
    audit.record(ctx.session, ctx.user, "station.voice", "station", station.id, chosen or "province default")
    return redirect("/admin/stations", "saved")


@router.get("/voices/sample.mp3")
def sample(ctx: Web, voice: Annotated[str, Query(max_length=64)],
           speed: Annotated[int, Query(ge=-2, le=2)] = 0) -> Response:
    """The same sentence read by ``voice`` at ``speed``, to compare voices before choosing one.

    A plain ``def`` (synthesis runs in the worker pool) that gives its database connection back first.
    """
    speaker = ctx.runtime.speaker
    try:
        profile = speaker.profile(voice)
    except InvalidInput:
        return Response(VOICE_TEXT["unknown"], status_code=404, media_type="text/plain; charset=utf-8")
    ctx.session.close()
    key = (profile.name, speed, profile.model_dump_json())
    with _SAMPLES_LOCK:
        mp3 = _SAMPLES.get(key)
        if mp3 is not None:
            _SAMPLES.move_to_end(key)
    if mp3 is None:
        mp3 = speaker.speak(SAMPLE_TEXT, profile.name, speed=speed).audio.mp3
        with _SAMPLES_LOCK:
            _SAMPLES[key] = mp3
            while len(_SAMPLES) > _MAX_SAMPLES:
                _SAMPLES.popitem(last=False)
    return Response(mp3, media_type="audio/mpeg", headers={"Cache-Control": "private, max-age=3600"})
