"""Slot specifications and slot templates (``schedules/*.toml``), validated once, when made or loaded.

A :class:`SlotSpec` is a recurring broadcast slot in the station's local clock time; a
:class:`ScheduleTemplate` is a named set of them that staff apply to stations.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from broadcast.errors import InvalidInput
from broadcast.schedule.timeplan import HHMM_RE


@dataclass(frozen=True)
class SlotSpec:
    name: str
    start: str
    end: str
    weekdays: str = "0123456"
    valid_from: str | None = None
    valid_to: str | None = None


@dataclass(frozen=True)
class ScheduleTemplate:
    name: str
    label: str
    slots: tuple[SlotSpec, ...]


def check_slot(spec: SlotSpec) -> None:
    """Raise InvalidInput naming the slot when its times, weekdays or dates are not valid."""
    if not (HHMM_RE.match(spec.start) and HHMM_RE.match(spec.end)) or spec.end <= spec.start:
        raise InvalidInput(f"slot {spec.name!r}: start and end must be HH:MM with start before end")
    if not spec.weekdays or any(c not in "0123456" for c in spec.weekdays):
        raise InvalidInput(f"slot {spec.name!r}: weekdays are digits 0 (Monday) to 6 (Sunday)")
    for value in (spec.valid_from, spec.valid_to):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"slot {spec.name!r}: {value!r} is not a date YYYY-MM-DD") from None


def load_templates(directory: Path) -> dict[str, ScheduleTemplate]:
    """Read ``schedules/*.toml``; raise InvalidInput naming the file on any mistake."""
    templates: dict[str, ScheduleTemplate] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            template = _parse_template(path)
        except (KeyError, ValueError, tomllib.TOMLDecodeError, InvalidInput) as exc:
            raise InvalidInput(f"schedule template {path.name}: {exc}") from exc
        templates[template.name] = template
    return templates


def _parse_template(path: Path) -> ScheduleTemplate:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    slots = []
    for raw in data.get("slot", []):
        spec = SlotSpec(name=str(raw.get("name", "")), start=raw["start"], end=raw["end"],
                        weekdays=_weekdays(raw.get("weekdays", "daily")),
                        valid_from=raw.get("valid_from"), valid_to=raw.get("valid_to"))
        check_slot(spec)
        slots.append(spec)
    if not slots:
        raise ValueError("no [[slot]] entries")
    return ScheduleTemplate(name=path.stem, label=str(data.get("label", path.stem)), slots=tuple(slots))


_WEEKDAY_NAMES = {"mon": "0", "tue": "1", "wed": "2", "thu": "3", "fri": "4", "sat": "5", "sun": "6"}


def _weekdays(value: str | list[str]) -> str:
    if value == "daily":
        return "0123456"
    if value == "weekdays":
        return "01234"
    if isinstance(value, list):
        try:
            return "".join(sorted({_WEEKDAY_NAMES[v.lower()[:3]] for v in value}))
        except KeyError as exc:
            raise ValueError(f"unknown weekday {exc.args[0]!r}") from None
    raise ValueError(f"weekdays must be 'daily', 'weekdays' or a list of day names, not {value!r}")
