"""The store kinds of Fena's records (one place, so models and event delivery agree)."""

ACCESS_CONSENT = "fena.access_consent"
VRP_CONSENT = "fena.vrp_consent"
VRP_PAYMENT = "fena.vrp_payment"
WEBHOOK = "fena.webhook"
