"""The sandbox's signing keys: made once per store, shared by every worker, published as JWKS.

Two RSA keys, one per algorithm (RS256 and PS256), so a client picking a key by ``kid`` and
``alg`` finds exactly one. They live in the server's reserved namespace, which no reset touches:
tokens stay verifiable across resets and restarts on a persistent database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from mockserver.core.store import SERVER_NAMESPACE, Store

KIND = "sandbox.signing_key"
ALGORITHMS = ("PS256", "RS256")
DEFAULT_ALGORITHM = "PS256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_key: RSAPrivateKey

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


class SigningKeys:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._keys: dict[str, SigningKey] | None = None
        self._lock = threading.Lock()

    def for_alg(self, alg: str = DEFAULT_ALGORITHM) -> SigningKey:
        return self._load()[alg]

    def by_kid(self, kid: str) -> SigningKey | None:
        return next((k for k in self._load().values() if k.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self._load().values()]}

    def _load(self) -> dict[str, SigningKey]:
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    self._keys = self._load_or_create()
        return self._keys

    def _load_or_create(self) -> dict[str, SigningKey]:
        keys: dict[str, SigningKey] = {}
        with self._store.transaction() as tx:
            for alg in ALGORITHMS:
                # Locked, so that of several workers starting together one creates each key.
                saved = tx.lock(SERVER_NAMESPACE, KIND, alg)
                if saved is None:
                    saved = _new_key_record(alg)
                    tx.put(SERVER_NAMESPACE, KIND, alg, saved)
                private_key = serialization.load_pem_private_key(saved["pem"].encode(), None)
                assert isinstance(private_key, RSAPrivateKey)
                keys[alg] = SigningKey(saved["kid"], alg, private_key)
        return keys


def _new_key_record(alg: str) -> dict[str, Any]:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    thumbprint = _thumbprint(json.loads(RSAAlgorithm.to_jwk(private_key.public_key())))
    return {"kid": f"{alg.lower()}-{thumbprint[:16]}", "pem": pem}


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (base64url of SHA-256 over the required members)."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
