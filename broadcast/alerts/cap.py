"""Reading a CAP 1.2 message safely: hardened parse, schema validation, then plain dataclasses.

Warnings arrive from outside, so the bytes are treated as hostile: a document type declaration of any kind
is refused before anything else (that stops entity expansion "billion laughs" and external entities, XXE),
nothing is fetched from the network, and the message must validate against the OASIS CAP 1.2 schema shipped
in ``schema/CAP-v1.2.xsd``. Anything wrong raises :class:`CapRejected` with one sentence saying why; the
caller stores nothing. ``xmlschema`` and ``defusedxml`` are imported on first use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from broadcast.alerts.area import CapArea, parse_cap_circle, parse_cap_polygon
from broadcast.errors import InvalidInput

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA_PATH = Path(__file__).with_name("schema") / "CAP-v1.2.xsd"
MAX_BYTES = 1_000_000  # a CAP message with a long description is a few kB; a megabyte is no warning
VIETNAMESE = ("vi", "vi-vn")


class CapRejected(InvalidInput):
    """The message is not a CAP 1.2 alert this service accepts (422 in the API); nothing was stored."""


@dataclass(frozen=True)
class Reference:
    """One ``sender,identifier,sent`` triple of ``<references>``."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class CapInfo:
    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    areas: tuple[CapArea, ...] = ()

    @property
    def is_vietnamese(self) -> bool:
        return self.language.strip().lower() in VIETNAMESE


@dataclass(frozen=True)
class CapAlert:
    """The parts of a CAP alert the service acts on (the raw XML is kept beside it)."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    note: str = ""
    references: tuple[Reference, ...] = ()
    infos: tuple[CapInfo, ...] = ()
    signed: bool = False
    sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def chosen_info(self) -> tuple[CapInfo | None, bool]:
        """The ``<info>`` to broadcast: the first Vietnamese one, else the first (and False: not Vietnamese)."""
        for info in self.infos:
            if info.is_vietnamese:
                return info, True
        return (self.infos[0], False) if self.infos else (None, False)


@lru_cache(maxsize=1)
def _schema():  # type: ignore[no-untyped-def]
    import xmlschema

    return xmlschema.XMLSchema10(str(SCHEMA_PATH))


def _parse_xml(raw: bytes):  # type: ignore[no-untyped-def]
    """Bytes → an ElementTree element, refusing DTDs, entities and external references outright."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapRejected("the XML declares a document type or entities, which a CAP alert never needs "
                          f"(refused for safety: {type(exc).__name__})") from None
    except ParseError as exc:
        raise CapRejected(f"the file is not well-formed XML: {exc}") from None


def _validate(root) -> None:  # type: ignore[no-untyped-def]
    if root.tag != f"{{{NS}}}alert":
        raise CapRejected(f"not a CAP 1.2 alert: the root element is {root.tag}, expected <alert> in the "
                          f"namespace {NS}")
    error = next(iter(_schema().iter_errors(root)), None)
    if error is not None:
        path = (getattr(error, "path", None) or "").replace(f"{{{NS}}}", "cap:")
        where = f" (at {path})" if path else ""
        raise CapRejected(f"not a valid CAP 1.2 alert: {error.reason or error.message}{where}")


def _text(node, name: str) -> str:  # type: ignore[no-untyped-def]
    found = node.find(f"{{{NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _texts(node, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [(n.text or "").strip() for n in node.findall(f"{{{NS}}}{name}")]


def _time(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pairs(node, name: str) -> tuple[tuple[str, str], ...]:  # type: ignore[no-untyped-def]
    return tuple((_text(n, "valueName"), _text(n, "value")) for n in node.findall(f"{{{NS}}}{name}"))


def _area(node) -> CapArea:  # type: ignore[no-untyped-def]
    desc = _text(node, "areaDesc")
    try:
        polygons = tuple(parse_cap_polygon(p) for p in _texts(node, "polygon"))
        circles = tuple(parse_cap_circle(c) for c in _texts(node, "circle"))
    except ValueError as exc:
        raise CapRejected(f"area “{desc}”: {exc}") from None
    return CapArea(area_desc=desc, polygons=polygons, circles=circles, geocodes=_pairs(node, "geocode"))


def _info(node) -> CapInfo:  # type: ignore[no-untyped-def]
    return CapInfo(
        language=_text(node, "language") or "en-US", categories=tuple(_texts(node, "category")),
        event=_text(node, "event"), urgency=_text(node, "urgency"), severity=_text(node, "severity"),
        certainty=_text(node, "certainty"), effective=_time(_text(node, "effective")),
        onset=_time(_text(node, "onset")), expires=_time(_text(node, "expires")),
        sender_name=_text(node, "senderName"), headline=_text(node, "headline"),
        description=_text(node, "description"), instruction=_text(node, "instruction"),
        web=_text(node, "web"), contact=_text(node, "contact"),
        areas=tuple(_area(a) for a in node.findall(f"{{{NS}}}area")))


def parse_references(text: str) -> tuple[Reference, ...]:
    """``<references>``: space-separated ``sender,identifier,sent`` triples (CAP 1.2, 3.2.1)."""
    found = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3:
            raise CapRejected(f"reference {triple!r} is not sender,identifier,sent")
        try:
            sent = datetime.fromisoformat(parts[2])
        except ValueError:
            raise CapRejected(f"reference {triple!r}: {parts[2]!r} is not a date and time") from None
        if sent.tzinfo is None:
            raise CapRejected(f"reference {triple!r}: the time has no UTC offset")
        found.append(Reference(parts[0], parts[1], sent))
    return tuple(found)


def parse(raw: bytes) -> CapAlert:
    """Parse and validate one CAP 1.2 message, or raise :class:`CapRejected` saying why."""
    if not raw or not raw.strip():
        raise CapRejected("the message is empty")
    if len(raw) > MAX_BYTES:
        raise CapRejected(f"the message is larger than {MAX_BYTES // 1000} kB")
    root = _parse_xml(raw)
    _validate(root)
    msg_type = _text(root, "msgType")
    references = parse_references(_text(root, "references"))
    if msg_type in ("Update", "Cancel") and not references:
        raise CapRejected(f"a msgType {msg_type} alert must name the alert it refers to in <references>")
    sent = _time(_text(root, "sent"))
    assert sent is not None  # the schema requires it
    return CapAlert(
        identifier=_text(root, "identifier"), sender=_text(root, "sender"), sent=sent,
        status=_text(root, "status"), msg_type=msg_type, scope=_text(root, "scope"), note=_text(root, "note"),
        references=references, infos=tuple(_info(i) for i in root.findall(f"{{{NS}}}info")),
        signed=root.find(f"{{{DSIG_NS}}}Signature") is not None, sha256=hashlib.sha256(raw).hexdigest())
