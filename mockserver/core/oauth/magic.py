"""Magic PSU usernames that choose an outcome on the consent page, as real sandboxes have.

Each logs in with its username as password, like every sandbox PSU.
"""

from __future__ import annotations

# Whatever the PSU clicks, the consent is rejected: redirect with error=access_denied.
REJECTS = "rejector"
# Login is refused: the page says the account is locked, and nothing is decided.
LOCKED = "locked"
# The bank fails: redirect with error=temporarily_unavailable; the consent stays as it was.
UNAVAILABLE = "unavailable"

MAGIC_USERS = {
    REJECTS: "every decision becomes a rejection (error=access_denied)",
    LOCKED: "login is refused: the account is locked",
    UNAVAILABLE: "the bank fails: error=temporarily_unavailable, the consent is left as it was",
}
