"""Where the server may push manifests: public addresses only, unless a setting allows private ones.

A push URL is set by an admin but the POST is made by the server, from inside the province's network:
pointed at ``127.0.0.1``, ``10.x``, ``169.254.169.254`` (cloud metadata) or another internal host, it would
make the server a probe of things no admin should reach through it. The host is resolved and every address
it resolves to must be global. Checked when the URL is set and again before each send (a name can be
re-pointed later). Installations whose gateways sit on a private network set
``BROADCAST_PUSH_ALLOW_PRIVATE=true``.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from broadcast.errors import InvalidInput


def blocked_reason(url: str, allow_private: bool) -> str | None:
    """Why the server must not POST to ``url`` (None when it may)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the push URL is malformed"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the push URL must be http:// or https:// with a host"
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        return f"the push host {parts.hostname!r} cannot be resolved ({exc})"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        address = mapped or address
        if not address.is_global or address.is_multicast:
            return (f"the push host {parts.hostname!r} resolves to {address}, a loopback, private or "
                    "link-local address (set BROADCAST_PUSH_ALLOW_PRIVATE=true if the gateways are internal)")
    return None


def check_push_url(url: str, allow_private: bool) -> None:
    """Raise InvalidInput (422) for a URL the server must not push to."""
    reason = blocked_reason(url, allow_private)
    if reason:
        raise InvalidInput(reason)
