"""Client assertions on PostgreSQL, where the store's keys have a bounded length: a client's
``jti`` of any length is remembered, and refused the second time (it was a 500: the insert of
the replay record failed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockserver.core.client_auth import authenticate_client
from mockserver.core.errors import ApiError
from mockserver.core.seeding import CLIENT_KIND, client_record
from mockserver.core.store import Store
from tests.identity.oauth_helpers import assertion, rsa_client_keys

pytestmark = pytest.mark.postgres

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_URL = "http://testserver/ob/oauth2/token"


def test_a_long_jti_is_remembered_on_postgresql(pg_db_url: str) -> None:
    store = Store(pg_db_url)
    key, jwks = rsa_client_keys("pg-key")
    client = {"client_id": "sec-pg", "jwks": jwks, "token_endpoint_auth_method": "private_key_jwt"}
    form = {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion("sec-pg", key, "PS256", jti="j" * 400, kid="pg-key"),
    }

    def authenticate() -> None:
        with store.transaction() as tx:
            tx.put("ns", CLIENT_KIND, "sec-pg", client_record("ob", client))
            authenticate_client(
                tx,
                "ns",
                provider="ob",
                headers={},
                form=form,
                audiences={TOKEN_URL},
                now=datetime.now(UTC),
            )

    try:
        authenticate()
        with pytest.raises(ApiError) as replayed:
            authenticate()
        assert replayed.value.status == 401 and replayed.value.code == "invalid_client"
    finally:
        store.dispose()
