"""Access, refresh and ID tokens: issued for registered clients, verified by the sandbox clock.

Access tokens are JWTs (RFC 9068 claims plus ``namespace``) signed with the store's keys; each is
recorded by ``jti`` so it can be revoked (a revoked consent revokes its tokens). Refresh tokens
are opaque, stored by their SHA-256, and rotate: each use returns a new one and retires the old.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt

from mockserver.core.determinism import stable_hex
from mockserver.core.ids import Ids
from mockserver.core.keys import ALGORITHMS, DEFAULT_ALGORITHM, SigningKeys
from mockserver.core.store import Tx

ACCESS_KIND = "sandbox.token"
REFRESH_KIND = "sandbox.refresh_token"


class TokenRejected(Exception):
    """A token that must not be honoured; ``reason`` says why, for the error message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    """What a token stands for: who asked, for whom, for what, under which consent."""

    client_id: str
    subject: str
    scopes: tuple[str, ...]
    consent_id: str | None = None
    extra_claims: dict[str, Any] = field(default_factory=dict)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def half_hash(value: str) -> str:
    """OIDC ``at_hash`` / ``c_hash``: base64url of the left half of SHA-256 (RS256, PS256)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


class Tokens:
    def __init__(self, keys: SigningKeys, ids: Ids) -> None:
        self._keys = keys
        self._ids = ids

    # -- access tokens -----------------------------------------------------------------------
    def issue_access(
        self,
        tx: Tx,
        ns: str,
        grant: Grant,
        *,
        issuer: str,
        audience: str,
        now: datetime,
        lifetime: int,
    ) -> tuple[str, dict[str, Any]]:
        jti = self._ids.uuid(tx, ns, ACCESS_KIND)
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": grant.subject,
            "aud": audience,
            "client_id": grant.client_id,
            "scope": " ".join(grant.scopes),
            "iat": _epoch(now),
            "exp": _epoch(now + timedelta(seconds=lifetime)),
            "jti": jti,
            "namespace": ns,
            **grant.extra_claims,
        }
        record = {
            "key": jti,
            "client_id": grant.client_id,
            "subject": grant.subject,
            "scopes": list(grant.scopes),
            "consent_id": grant.consent_id,
            "exp": claims["exp"],
            "revoked": False,
        }
        tx.put(ns, ACCESS_KIND, jti, record, tenant=grant.client_id, parent=grant.consent_id or "")
        return self._sign(claims, "at+jwt"), claims

    def verify_access(
        self, tx: Tx, ns: str, token: str, *, issuer: str, audience: str, now: datetime
    ) -> dict[str, Any]:
        """The token's claims, or ``TokenRejected`` saying what is wrong with it."""
        claims = self._decode(token, issuer=issuer, audience=audience)
        if claims.get("namespace") != ns:
            raise TokenRejected("the token belongs to another sandbox namespace")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= _epoch(now):
            raise TokenRejected("the token has expired")
        # The sandbox issues no ``nbf``; one there is honoured all the same, by its clock.
        if "nbf" in claims and (not isinstance(claims["nbf"], int) or claims["nbf"] > _epoch(now)):
            raise TokenRejected("the token is not valid yet")
        record = tx.get(ns, ACCESS_KIND, str(claims.get("jti")))
        if record is None:
            raise TokenRejected("the token is not known to this sandbox")
        if record["revoked"]:
            raise TokenRejected("the token has been revoked")
        return claims

    def revoke_for_consent(self, tx: Tx, ns: str, consent_id: str) -> int:
        """Revoke every access and refresh token issued under a consent."""
        count = 0
        for kind in (ACCESS_KIND, REFRESH_KIND):
            for record in tx.list(ns, kind, parent=consent_id):
                if not record["revoked"]:
                    record["revoked"] = True
                    tx.put(
                        ns,
                        kind,
                        record["key"],
                        record,
                        tenant=record["client_id"],
                        parent=consent_id,
                    )
                    count += 1
        return count

    # -- refresh tokens ------------------------------------------------------------------------
    def issue_refresh(self, tx: Tx, ns: str, grant: Grant, *, now: datetime, lifetime: int) -> str:
        serial = tx.next_counter(ns, f"id:{REFRESH_KIND}")
        token = stable_hex(48, self._ids.seed, ns, REFRESH_KIND, serial)
        key = hashlib.sha256(token.encode()).hexdigest()
        record = {
            "key": key,
            "client_id": grant.client_id,
            "subject": grant.subject,
            "scopes": list(grant.scopes),
            "consent_id": grant.consent_id,
            "extra_claims": grant.extra_claims,
            "exp": _epoch(now + timedelta(seconds=lifetime)),
            "revoked": False,
        }
        tx.put(ns, REFRESH_KIND, key, record, tenant=grant.client_id, parent=grant.consent_id or "")
        return token

    def use_refresh(self, tx: Tx, ns: str, token: str, client_id: str, now: datetime) -> Grant:
        """Retire a refresh token and return its grant (rotation: the caller issues a new one)."""
        key = hashlib.sha256(token.encode()).hexdigest()
        record = tx.lock(ns, REFRESH_KIND, key)
        if record is None or record["client_id"] != client_id:
            raise TokenRejected("unknown refresh token")
        if record["revoked"]:
            raise TokenRejected("the refresh token has been used or revoked")
        if record["exp"] <= _epoch(now):
            raise TokenRejected("the refresh token has expired")
        record["revoked"] = True
        tx.put(ns, REFRESH_KIND, key, record, tenant=client_id, parent=record["consent_id"] or "")
        return Grant(
            client_id=client_id,
            subject=record["subject"],
            scopes=tuple(record["scopes"]),
            consent_id=record["consent_id"],
            extra_claims=dict(record.get("extra_claims") or {}),
        )

    # -- ID tokens -----------------------------------------------------------------------------
    def issue_id_token(
        self,
        *,
        issuer: str,
        client_id: str,
        subject: str,
        now: datetime,
        lifetime: int,
        nonce: str | None = None,
        access_token: str | None = None,
        code: str | None = None,
        extra_claims: dict[str, Any] | None = None,
        alg: str = DEFAULT_ALGORITHM,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": subject,
            "aud": client_id,
            "iat": _epoch(now),
            "exp": _epoch(now + timedelta(seconds=lifetime)),
            "auth_time": _epoch(now),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["at_hash"] = half_hash(access_token)
        if code is not None:
            claims["c_hash"] = half_hash(code)
        claims.update(extra_claims or {})
        return self._sign(claims, "JWT", alg)

    # -- JWT plumbing ----------------------------------------------------------------------------
    def _sign(self, claims: dict[str, Any], typ: str, alg: str = DEFAULT_ALGORITHM) -> str:
        key = self._keys.for_alg(alg if alg in ALGORITHMS else DEFAULT_ALGORITHM)
        return jwt.encode(
            claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, "typ": typ}
        )

    def _decode(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected("the token is not a well-formed JWT") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise TokenRejected(f"tokens signed with {alg!r} are not accepted")
        key = self._keys.by_kid(str(kid)) if kid else self._keys.for_alg(str(alg))
        if key is None or key.alg != alg:
            raise TokenRejected("the token was not signed by this sandbox")
        try:
            # Time is checked against the sandbox clock by the caller, not the real one.
            claims: dict[str, Any] = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=[key.alg],
                audience=audience,
                issuer=issuer,
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidAudienceError as exc:
            raise TokenRejected("the token was issued for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRejected("the token was issued by another issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenRejected("the token's signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"the token is not valid: {exc}") from exc
        return claims
