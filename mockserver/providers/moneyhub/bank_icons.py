"""Bank icons as SVG: a generated badge with the bank's initials (the sandbox draws its own)."""

from __future__ import annotations

from html import escape

from mockserver.providers.moneyhub import catalog


def _badge(label: str, colour: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="12" fill="{colour}"/>'
        '<text x="32" y="40" font-family="sans-serif" font-size="22" font-weight="700" '
        f'text-anchor="middle" fill="#ffffff">{escape(label)}</text></svg>'
    )


DEFAULT = _badge("BANK", "#5c6270").replace('font-size="22"', 'font-size="16"')


def icon(bank_ref: str, *, default: bool) -> str | None:
    """The icon of the bank with this ``bankRef``; ``default``: the generic one if none."""
    if bank_ref == "default":
        return DEFAULT
    for bank in catalog.banks():
        if bank.get("bankRef") == bank_ref and bank.get("hasIcon", True):
            initials = "".join(word[0] for word in bank["name"].split()[:2]).upper()
            return _badge(initials, "#1f5fbf")
    return DEFAULT if default else None
