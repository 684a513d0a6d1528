"""The insights category table: every CDR transaction gets one category, by documented rules.

The table lives in ``fixtures/mogoplus/categories.yaml`` (its header documents the rule format);
``load_table(path)`` reads and checks it once per process per path. ``table.categorise(txn)``
takes a CDR ``BankingTransaction`` (a mapping with ``amount``, ``type``, ``description``,
``reference``, ``merchantName``, ``billerName``, ``merchantCategoryCode``) and returns its
``Category``: the category of the first rule that matches, else the default of its direction.

Matching is a keyword index rather than a regular expression per rule: each text field is split
into words once, the words are looked up in a map from a keyword's first word to the rules that
use it, and only the rules that got a keyword hit, plus the rules without keywords that the
transaction's MCC or CDR type selects, are then checked in table order. A cache keyed by the
matched fields makes repeated transactions free.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TRANSACTION_TYPES = frozenset(
    {
        "DIRECT_DEBIT",
        "FEE",
        "INTEREST_CHARGED",
        "INTEREST_PAID",
        "OTHER",
        "PAYMENT",
        "TRANSFER_INCOMING",
        "TRANSFER_OUTGOING",
    }
)
DIRECTIONS = ("credit", "debit")
# Keyword conditions: "text" looks in every field, the others in their own field only.
TEXT_CONDITIONS = ("text", "description", "reference", "merchant")
_RULE_KEYS = frozenset({"category", "direction", "type", "mcc", *TEXT_CONDITIONS})
_CACHE_LIMIT = 65_536

_APOSTROPHES = str.maketrans("", "", "'\u2019`")
_NOT_WORD = re.compile(r"[^A-Z0-9]+")
_MCC_RANGE = re.compile(r"^(\d{1,4})(?:-(\d{1,4}))?$")


class TableError(ValueError):
    """The category table file is malformed (the message names the entry)."""


def words(text: str) -> tuple[str, ...]:
    """Normalised words: upper case, apostrophes dropped, anything not A-Z/0-9 a separator."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return tuple(_NOT_WORD.sub(" ", text.upper().translate(_APOSTROPHES)).split())


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    description: str
    group: str
    group_description: str
    income: bool = False  # its credits count as income
    alert: bool = False  # a risk category: listed in the report's alerts
    default: bool = False  # one of the two "uncategorised" defaults


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    category: Category
    direction: str | None
    types: frozenset[str] | None
    mcc: tuple[tuple[int, int], ...] | None
    keyword_conditions: tuple[str, ...]  # the TEXT_CONDITIONS this rule has


# (rest of the keyword's words after its first, rule index, condition)
_IndexEntry = tuple[tuple[str, ...], int, str]


class CategoryTable:
    """A loaded, checked table. Immutable apart from its lookup cache."""

    def __init__(
        self,
        groups: Sequence[Group],
        categories: Sequence[Category],
        rules: Sequence[Rule],
        index: Mapping[str, Sequence[_IndexEntry]],
        default_credit: Category,
        default_debit: Category,
    ) -> None:
        self.groups = tuple(groups)
        self.categories = tuple(categories)
        self.rules = tuple(rules)
        self.default_credit = default_credit
        self.default_debit = default_debit
        self.by_code = {c.code: c for c in self.categories}
        self._index = {first: tuple(entries) for first, entries in index.items()}
        # Rules without keywords are found by their MCC ranges, else by their CDR types.
        self._mcc_rules = tuple(
            r for r in self.rules if not r.keyword_conditions and r.mcc is not None
        )
        by_type: dict[str, set[int]] = {}
        for r in self.rules:
            if not r.keyword_conditions and r.mcc is None:
                for kind in r.types or ():
                    by_type.setdefault(kind, set()).add(r.index)
        self._by_type = {kind: frozenset(found) for kind, found in by_type.items()}
        self._by_mcc: dict[int, frozenset[int]] = {}
        self._cache: dict[tuple[Any, ...], Category] = {}

    def categorise(self, transaction: Mapping[str, Any]) -> Category:
        """The category of a CDR BankingTransaction (see the module docstring)."""
        try:
            debit = Decimal(str(transaction.get("amount", "0"))) < 0
        except InvalidOperation:  # not a number, or NaN: read as a credit
            debit = False
        return self.classify(
            debit=debit,
            transaction_type=_text(transaction.get("type")),
            description=_text(transaction.get("description")),
            reference=_text(transaction.get("reference")),
            merchant=(_text(transaction.get("merchantName")), _text(transaction.get("billerName"))),
            mcc=_text(transaction.get("merchantCategoryCode")),
        )

    def classify(
        self,
        *,
        debit: bool,
        transaction_type: str,
        description: str,
        reference: str,
        merchant: tuple[str, ...],
        mcc: str,
    ) -> Category:
        """``categorise`` on fields already taken out of the transaction."""
        key = (debit, transaction_type, description, reference, merchant, mcc)
        found = self._cache.get(key)
        if found is None:
            found = self._match(debit, transaction_type, description, reference, merchant, mcc)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _match(
        self,
        debit: bool,
        transaction_type: str,
        description: str,
        reference: str,
        merchant: tuple[str, ...],
        mcc: str,
    ) -> Category:
        hits: set[tuple[int, str]] = set()
        self._scan("description", description, hits)
        self._scan("reference", reference, hits)
        for name in merchant:
            self._scan("merchant", name, hits)
        mcc_code = int(mcc) if mcc.isdigit() else None
        direction = "debit" if debit else "credit"
        candidates = {rule for rule, _ in hits}
        candidates.update(self._by_type.get(transaction_type, ()))
        if mcc_code is not None:
            candidates.update(self._rules_for_mcc(mcc_code))
        for index in sorted(candidates):
            rule = self.rules[index]
            if rule.direction is not None and rule.direction != direction:
                continue
            if rule.types is not None and transaction_type not in rule.types:
                continue
            if rule.mcc is not None and (
                mcc_code is None or not any(lo <= mcc_code <= hi for lo, hi in rule.mcc)
            ):
                continue
            if all((index, cond) in hits for cond in rule.keyword_conditions):
                return rule.category
        return self.default_debit if debit else self.default_credit

    def _rules_for_mcc(self, code: int) -> frozenset[int]:
        found = self._by_mcc.get(code)
        if found is None:
            found = frozenset(
                r.index for r in self._mcc_rules if any(lo <= code <= hi for lo, hi in r.mcc or ())
            )
            self._by_mcc[code] = found
        return found

    def _scan(self, field: str, text: str, hits: set[tuple[int, str]]) -> None:
        if not text:
            return
        tokens = words(text)
        for position, token in enumerate(tokens):
            entries = self._index.get(token)
            if entries is None:
                continue
            for rest, rule, cond in entries:
                if cond != "text" and cond != field:
                    continue
                if rest and tokens[position + 1 : position + 1 + len(rest)] != rest:
                    continue
                hits.add((rule, cond))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@cache
def _load(resolved: Path) -> CategoryTable:
    with resolved.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if not isinstance(document, dict):
        raise TableError(f"{resolved}: expected a mapping with groups, categories, rules")
    return build_table(document)


def load_table(path: Path | str) -> CategoryTable:
    """The table in ``path``, read and checked once per process (per resolved path)."""
    return _load(Path(path).resolve())


def build_table(document: Mapping[str, Any]) -> CategoryTable:
    """Check a parsed table document and build its matcher (``TableError`` if malformed)."""
    groups = [_group(g) for g in _list(document, "groups")]
    group_text = {g.code: g.description for g in groups}
    if len(group_text) != len(groups):
        raise TableError("groups: a group code is repeated")
    defaults = document.get("defaults") or {}
    default_codes = {defaults.get("credit"), defaults.get("debit")}
    categories = [_category(c, group_text, default_codes) for c in _list(document, "categories")]
    by_code = {c.code: c for c in categories}
    if len(by_code) != len(categories):
        raise TableError("categories: a category code is repeated")
    for direction in DIRECTIONS:
        if defaults.get(direction) not in by_code:
            raise TableError(f"defaults.{direction}: must name a category")
    rules: list[Rule] = []
    index: dict[str, list[_IndexEntry]] = {}
    for number, raw in enumerate(_list(document, "rules")):
        rule = _rule(number, raw, by_code)
        rules.append(rule)
        for cond in rule.keyword_conditions:
            for keyword in _keywords(raw[cond], f"rules[{number}].{cond}"):
                index.setdefault(keyword[0], []).append((keyword[1:], number, cond))
    return CategoryTable(
        groups,
        categories,
        rules,
        index,
        default_credit=by_code[defaults["credit"]],
        default_debit=by_code[defaults["debit"]],
    )


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if not isinstance(value, list) or not value:
        raise TableError(f"{key}: expected a non-empty list")
    return value


def _group(raw: Any) -> Group:
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("description"):
        raise TableError(f"groups: {raw!r} needs a code and a description")
    return Group(str(raw["code"]), str(raw["description"]))


def _category(raw: Any, groups: Mapping[str, str], defaults: set[Any]) -> Category:
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("description"):
        raise TableError(f"categories: {raw!r} needs a code and a description")
    group = str(raw.get("group"))
    if group not in groups:
        raise TableError(f"categories: {raw['code']} names an unknown group {group!r}")
    return Category(
        code=str(raw["code"]),
        description=str(raw["description"]),
        group=group,
        group_description=groups[group],
        income=bool(raw.get("income", False)),
        alert=bool(raw.get("alert", False)),
        default=raw["code"] in defaults,
    )


def _rule(number: int, raw: Any, categories: Mapping[str, Category]) -> Rule:
    where = f"rules[{number}]"
    if not isinstance(raw, dict):
        raise TableError(f"{where}: expected a mapping")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise TableError(f"{where}: unknown keys {sorted(unknown)}")
    category = categories.get(raw.get("category", ""))
    if category is None:
        raise TableError(f"{where}: unknown category {raw.get('category')!r}")
    direction = raw.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise TableError(f"{where}.direction: must be credit or debit")
    types = None
    if "type" in raw:
        types = frozenset(_strings(raw["type"], f"{where}.type"))
        if not types <= TRANSACTION_TYPES:
            raise TableError(f"{where}.type: unknown {sorted(types - TRANSACTION_TYPES)}")
    mcc = None
    if "mcc" in raw:
        mcc = tuple(_mcc_range(item, f"{where}.mcc") for item in _strings(raw["mcc"], where))
    conditions = tuple(cond for cond in TEXT_CONDITIONS if cond in raw)
    if types is None and mcc is None and not conditions:
        raise TableError(f"{where}: needs a type, mcc or keyword condition")
    return Rule(number, category, direction, types, mcc, conditions)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise TableError(f"{where}: expected a non-empty list")
    return [str(item) for item in value]


def _keywords(value: Any, where: str) -> Iterable[tuple[str, ...]]:
    seen: set[tuple[str, ...]] = set()
    for item in _strings(value, where):
        keyword = words(item)
        if not keyword:
            raise TableError(f"{where}: {item!r} has no letters or digits")
        if keyword not in seen:
            seen.add(keyword)
            yield keyword


def _mcc_range(item: str, where: str) -> tuple[int, int]:
    found = _MCC_RANGE.match(item.strip())
    if found is None:
        raise TableError(f"{where}: {item!r} is not a code or a range like 5811-5814")
    low = int(found.group(1))
    high = int(found.group(2) or low)
    if high < low:
        raise TableError(f"{where}: {item!r} is an empty range")
    return low, high
