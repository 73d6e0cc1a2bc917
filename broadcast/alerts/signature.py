"""The optional enveloped XML signature of a CAP alert (setting ``cap_signature``: off | optional | required).

``optional`` checks a signature when the sender signed and accepts unsigned alerts; ``required`` refuses
unsigned ones. A signature is verified with ``signxml`` against the configured signer's certificate
(``cap_signature_cert``); signxml is imported only when a check is made (``pip install 'broadcast[cap-sign]'``).
"""

from __future__ import annotations

from broadcast.alerts.cap import CapRejected
from broadcast.config import Settings


def check(raw: bytes, signed: bool, settings: Settings) -> str:
    """What the signature check found ("not checked", "unsigned", "signature verified"), or CapRejected."""
    mode = settings.cap_signature
    if mode == "off":
        return "not checked"
    if not signed:
        if mode == "required":
            raise CapRejected("the alert is not signed, and this service accepts only signed alerts")
        return "unsigned"
    if settings.cap_signature_cert is None:
        raise CapRejected("the alert is signed but no signer certificate is configured (cap_signature_cert)")
    try:
        from signxml import XMLVerifier
        from signxml.exceptions import InvalidInput as SignxmlInvalid
        from signxml.exceptions import InvalidSignature
    except ImportError:
        raise CapRejected("checking XML signatures needs signxml: pip install 'broadcast[cap-sign]'") from None
    cert = settings.cap_signature_cert.read_text(encoding="ascii")
    try:
        XMLVerifier().verify(raw, x509_cert=cert)
    except (InvalidSignature, SignxmlInvalid) as exc:
        raise CapRejected(f"the alert's XML signature is not valid: {exc}") from None
    return "signature verified"
