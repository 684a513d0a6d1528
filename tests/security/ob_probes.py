"""The OBIE operations, classified (see ``probes``). The bank's profile: another TPP's consent
or payment is a 403, an account the PSU did not consent to a 403, a VRP token used on another
consent a 400; all with ``UK.OBIE.Resource.ConsentMismatch``."""

from __future__ import annotations

from tests.ob.vrp_helpers import payment_body
from tests.security.calls import Call, bearer
from tests.security.ob_tenant import AISP, PISP, ObTenant
from tests.security.probes import AUTH_SERVER, CREATES, Ids, Listing, Owned, Probe, Unscoped

MISMATCH = frozenset({"UK.OBIE.Resource.ConsentMismatch"})
FORBIDDEN = {403: MISMATCH}
# Under the actor's own account, another account's statement id is simply unknown.
UNKNOWN_STATEMENT = {403: MISMATCH, 400: frozenset({"UK.OBIE.Resource.NotFound"})}


def tpp(method: str, path: str) -> Owned:
    """An operation on a consent or payment with the TPP's client-credentials token."""

    def request(t: ObTenant, ids: Ids) -> Call:
        return Call(method, path.format(**ids), bearer(t.tpp_token))

    return Owned(request, FORBIDDEN)


def psu_read(
    path: str, refused: dict[int, frozenset[str]] = FORBIDDEN, mixed: tuple[str, ...] = ()
) -> Owned:
    """A read of one account with the token the PSU granted (every permission)."""

    def request(t: ObTenant, ids: Ids) -> Call:
        return Call("GET", f"{AISP}{path}".format(**ids), bearer(t.ais_token))

    return Owned(request, refused, mixed=mixed)


def psu_list(path: str, shows: str = "account") -> Listing:
    def request(t: ObTenant, ids: Ids) -> Call:
        return Call("GET", f"{AISP}{path}", bearer(t.ais_token))

    return Listing(request, shows)


def _delete_ais(t: ObTenant, ids: Ids) -> Call:
    return Call(
        "DELETE", f"{AISP}/account-access-consents/{ids['ais_consent']}", bearer(t.tpp_token)
    )


def _delete_vrp(t: ObTenant, ids: Ids) -> Call:
    return Call("DELETE", f"{PISP}/domestic-vrp-consents/{ids['vrp_consent']}", bearer(t.tpp_token))


def _funds(t: ObTenant, ids: Ids) -> Call:
    body = {
        "Data": {
            "ConsentId": ids["vrp_consent"],
            "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"},
        }
    }
    return t.signed(
        f"/domestic-vrp-consents/{ids['vrp_consent']}/funds-confirmation", body, t.vrp_token
    )


def _pay(t: ObTenant, ids: Ids) -> Call:
    body = payment_body(ids["vrp_consent"], t.vrp_request, "1.00")
    return t.signed("/domestic-vrps", body, t.vrp_token)


STATEMENT = "/accounts/{account}/statements/{statement}"
MISMATCH_400 = {400: MISMATCH}

PROBES: dict[tuple[str, str], Probe] = {
    # -- the authorisation server
    **{
        ("/ob", op): Unscoped(AUTH_SERVER)
        for op in ("discovery", "jwks", "authorize", "pushed_authorization", "token")
    },
    # -- account information
    (AISP, "create_account_access_consent"): Unscoped(CREATES),
    (AISP, "get_account_access_consent"): tpp(
        "GET", AISP + "/account-access-consents/{ais_consent}"
    ),
    (AISP, "delete_account_access_consent"): Owned(
        _delete_ais, FORBIDDEN, fresh=lambda t: {"ais_consent": t.new_ais_consent()}
    ),
    (AISP, "get_account"): psu_read("/accounts/{account}"),
    **{
        (AISP, f"get_account_{name.replace('-', '_')}"): psu_read(f"/accounts/{{account}}/{name}")
        for name in (
            "balances",
            "beneficiaries",
            "direct-debits",
            "offers",
            "parties",
            "party",
            "product",
            "scheduled-payments",
            "standing-orders",
            "statements",
            "transactions",
        )
    },
    (AISP, "get_account_statement"): psu_read(
        STATEMENT, refused=UNKNOWN_STATEMENT, mixed=("statement",)
    ),
    (AISP, "get_account_statement_file"): psu_read(
        STATEMENT + "/file", refused=UNKNOWN_STATEMENT, mixed=("statement",)
    ),
    (AISP, "get_account_statement_transactions"): psu_read(
        STATEMENT + "/transactions", refused=UNKNOWN_STATEMENT, mixed=("statement",)
    ),
    (AISP, "get_accounts"): psu_list("/accounts"),
    (AISP, "get_balances"): psu_list("/balances"),
    (AISP, "get_beneficiaries"): psu_list("/beneficiaries"),
    (AISP, "get_direct_debits"): psu_list("/direct-debits"),
    (AISP, "get_offers"): psu_list("/offers"),
    (AISP, "get_party"): psu_list("/party", shows="party"),
    (AISP, "get_products"): psu_list("/products"),
    (AISP, "get_scheduled_payments"): psu_list("/scheduled-payments"),
    (AISP, "get_standing_orders"): psu_list("/standing-orders"),
    (AISP, "get_statements"): psu_list("/statements"),
    (AISP, "get_transactions"): psu_list("/transactions"),
    # -- variable recurring payments
    (PISP, "create_domestic_vrp_consent"): Unscoped(CREATES),
    (PISP, "get_domestic_vrp_consent"): tpp("GET", PISP + "/domestic-vrp-consents/{vrp_consent}"),
    (PISP, "delete_domestic_vrp_consent"): Owned(
        _delete_vrp, FORBIDDEN, fresh=lambda t: {"vrp_consent": t.new_vrp_consent()}
    ),
    (PISP, "confirm_vrp_funds"): Owned(_funds, MISMATCH_400),
    (PISP, "create_domestic_vrp"): Owned(_pay, MISMATCH_400),
    (PISP, "get_domestic_vrp"): tpp("GET", PISP + "/domestic-vrps/{payment}"),
    (PISP, "get_domestic_vrp_details"): tpp(
        "GET", PISP + "/domestic-vrps/{payment}/payment-details"
    ),
}
