"""A throwaway PKI for the demo and the tests: a CA, server and client certificates.

Never for production: the CA key sits unencrypted beside the certificates and lives 30 days.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class CertPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class ThrowawayPKI:
    __test__ = False  # pytest must not collect it when tests import it as TestPKI
    directory: Path
    ca: CertPair
    server: CertPair
    client: CertPair

    @property
    def ca_file(self) -> Path:
        return self.ca.cert


def _key(kind: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def make_pki(directory: Path, name: str = "Test", kind: str = "rsa",
             hosts: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ("127.0.0.1",),
             organization: str = "Agent Desktop Tests") -> ThrowawayPKI:
    """Create ``ca``, ``server`` (SAN hosts/ips) and ``client`` certificates in ``directory``.

    RSA by default: pjsua2's bundled OpenSSL 1.0.2 handles it everywhere.
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = _key(kind)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Root CA"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(cn: str, usage: x509.ObjectIdentifier, san: bool) -> tuple[x509.Certificate, object]:
        key = _key(kind)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
        )
        if san:
            names: list[x509.GeneralName] = [x509.DNSName(h) for h in hosts]
            names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(ca_key, hashes.SHA256()), key

    server_cert, server_key = leaf(hosts[0] if hosts else ips[0], ExtendedKeyUsageOID.SERVER_AUTH, True)
    client_cert, client_key = leaf("agent-workstation", ExtendedKeyUsageOID.CLIENT_AUTH, False)
    pem = serialization.Encoding.PEM
    return ThrowawayPKI(
        directory=directory,
        ca=CertPair(_write(directory / "ca.crt", ca_cert.public_bytes(pem)),
                    _write(directory / "ca.key", _key_pem(ca_key), 0o600)),
        server=CertPair(_write(directory / "server.crt", server_cert.public_bytes(pem)),
                        _write(directory / "server.key", _key_pem(server_key), 0o600)),  # type: ignore[arg-type]
        client=CertPair(_write(directory / "client.crt", client_cert.public_bytes(pem)),
                        _write(directory / "client.key", _key_pem(client_key), 0o600)),  # type: ignore[arg-type]
    )


TestPKI = ThrowawayPKI  # the name the test suite's fixtures use
