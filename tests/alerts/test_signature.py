"""The optional enveloped XML signature of CAP alerts (signxml): off, optional and required."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from broadcast.alerts import cap, signature
from broadcast.config import Settings
from tests.alerts import cap_samples as samples


def _identity(name: str) -> tuple[bytes, bytes]:
    """A key and a self-signed certificate (PEM) for a signer."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()), cert.public_bytes(serialization.Encoding.PEM))


def _sign(xml: bytes, key: bytes, cert: bytes) -> bytes:
    from lxml import etree
    from signxml import XMLSigner, methods

    root = etree.fromstring(xml)
    signed = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256").sign(root, key=key, cert=cert)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _settings(tmp_path: Path, mode: str, cert: bytes | None) -> Settings:
    path = None
    if cert is not None:
        path = tmp_path / "signer.pem"
        path.write_bytes(cert)
    return Settings(data_dir=tmp_path, cap_signature=mode, cap_signature_cert=path,
                    _env_file=None)  # type: ignore[call-arg]


def _check(raw: bytes, settings: Settings) -> str:
    return signature.check(raw, cap.parse(raw).signed, settings)


def test_signed_alerts_are_verified_against_the_configured_signer(tmp_path: Path) -> None:
    key, cert = _identity("Dai KTTV khu vuc Dong Bac")
    _, stranger_cert = _identity("Somebody else")
    stranger_key, _ = _identity("Somebody else")
    plain = samples.flood_warning("VN-SIGNED-1")
    signed = _sign(plain, key, cert)
    assert cap.parse(signed).signed and not cap.parse(plain).signed  # a signed alert still fits the schema

    assert _check(plain, _settings(tmp_path, "off", None)) == "not checked"
    assert _check(signed, _settings(tmp_path, "off", None)) == "not checked"
    optional = _settings(tmp_path, "optional", cert)
    assert _check(plain, optional) == "unsigned"
    assert _check(signed, optional) == "signature verified"
    required = _settings(tmp_path, "required", cert)
    assert _check(signed, required) == "signature verified"
    with pytest.raises(cap.CapRejected, match="not signed"):
        _check(plain, required)

    tampered = signed.replace("Kỳ Cùng".encode(), "Bắc Giang".encode(), 1)
    with pytest.raises(cap.CapRejected, match="signature is not valid"):
        _check(tampered, required)
    forged = _sign(plain, stranger_key, stranger_cert)
    with pytest.raises(cap.CapRejected, match="signature is not valid"):
        _check(forged, required)
    with pytest.raises(cap.CapRejected, match="no signer certificate"):
        _check(signed, _settings(tmp_path, "optional", None))
