"""The demo VRP TPP's signing key: a JWKS to register, and detached PS256 ``x-jws-signature``s
with the Read/Write API profile's critical claims."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CRIT = (
    "http://openbanking.org.uk/iat",
    "http://openbanking.org.uk/iss",
    "http://openbanking.org.uk/tan",
)


class Signer:
    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.kid = f"{client_id}-signing"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "PS256"}]}

    def sign(self, body: bytes, issued_at: int) -> str:
        """``<protected header>..<signature>``: a JWS over ``body`` with the payload cut out."""
        header = {
            "kid": self.kid,
            "typ": "JOSE",
            "cty": "application/json",
            CRIT[0]: issued_at,
            # <organisation id>/<software statement id>: the sandbox takes the client id as
            # the software statement.
            CRIT[1]: f"0015800001041RHAAY/{self.client_id}",
            CRIT[2]: "openbanking.org.uk",
            "crit": list(CRIT),
        }
        token = jwt.api_jws.PyJWS().encode(body, self.key, algorithm="PS256", headers=header)
        protected, _, signature = token.split(".")
        return f"{protected}..{signature}"
