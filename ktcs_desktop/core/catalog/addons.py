"""Name resolution for add-on services ("넷플 스탠다드", "티빙 베이직 메가커피", "디플") and which
plans include an OTT, from the catalog (`addons.json`, the plans' 초이스 options).

An add-on is described by keywords (brand, tier, bundle partner, other words of its name). A query
must name the brand; among that brand's add-ons the best ones match most of the query's keywords
and leave fewest of their own unmatched, so "넷플릭스 스탠다드" is the plain 스탠다드, not 광고형.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktcs_desktop.core.catalog.catalog import PlanCatalog
    from ktcs_desktop.core.catalog.models import AddOn, Plan

# keyword → spellings (after NFKC + lower case, spaces removed). Brands first.
BRANDS: dict[str, tuple[str, ...]] = {
    "넷플릭스": ("넷플릭스", "넷플릭", "넷플", "netflix"),
    "티빙": ("티빙", "tving"),
    "유튜브": ("유튜브프리미엄", "유튜브", "유투브", "유튭", "youtube"),
    "디즈니": ("디즈니플러스", "디즈니+", "디즈니", "디플", "disney"),
    "밀리": ("밀리의서재", "밀리", "millie"),
    "지니": ("지니뮤직", "지니", "genie"),
    "매거진": ("매거진", "잡지"),
}
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "광고형": ("광고형", "광고"),
    "스탠다드": ("스탠다드", "스텐다드", "스탠더드", "standard"),
    "프리미엄": ("프리미엄", "프리미움", "premium"),
    "베이직": ("베이직", "베이식", "basic"),
    "메가커피": ("메가mgc커피", "메가커피", "메가mgc", "메가", "mgc"),
    "스타벅스": ("스타벅스", "스벅", "starbucks"),
    "생활구독팩": ("생활구독팩", "생활구독"),
    "롯데시네마": ("롯데시네마", "롯시", "영화"),
    "국내": ("국내",),
    "해외": ("해외",),
    "5종": ("5종", "오종"),
    "무제한": ("무제한",),
    "음악": ("음악", "뮤직"),
}
TIERS = ("광고형", "스탠다드", "프리미엄", "베이직")
# OTT brand → the name in a 초이스 plan's choice_options
CHOICE_NAMES = {"넷플릭스": "넷플릭스", "티빙": "티빙", "유튜브": "유튜브프리미엄", "디즈니": "디즈니+", "밀리": "밀리",
                "지니": "지니"}


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _keywords(text: str, table: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """(position, keyword) of each keyword spelled in `text` (squashed), longest spelling first."""
    squashed = _squash(text)
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    spellings = sorted(((s, k) for k, ss in table.items() for s in ss), key=lambda item: -len(item[0]))
    for spelling, keyword in spellings:
        for m in re.finditer(re.escape(spelling), squashed):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), keyword))
    return sorted(found)


def brands_in(text: str) -> tuple[str, ...]:
    """Add-on brands mentioned, in order ("넷플이랑 유튭" → ("넷플릭스", "유튜브"))."""
    return tuple(dict.fromkeys(k for _, k in _keywords(text, BRANDS)))


def addon_keywords(addon: AddOn) -> frozenset[str]:
    return frozenset(k for _, k in _keywords(addon.name, BRANDS) + _keywords(addon.name, QUALIFIERS))


class AddOnResolver:
    def __init__(self, addons: Iterable[AddOn]):
        self._entries = [(addon, addon_keywords(addon)) for addon in addons]

    def resolve(self, text: str) -> list[list[AddOn]]:
        """For each brand mentioned: the add-ons it most probably means, cheapest first.

        With only the brand ("넷플릭스 얼마예요") every add-on of the brand is returned.
        """
        marks = _keywords(text, BRANDS)
        quals = _keywords(text, QUALIFIERS)
        out: list[list[AddOn]] = []
        for n, (position, brand) in enumerate(marks):
            end = marks[n + 1][0] if n + 1 < len(marks) else 10**6
            start = position if n else -1
            query = {q for at, q in quals if start <= at < end or (n == 0 and at < position)}
            pool = [(a, kws) for a, kws in self._entries if brand in kws]
            if not pool:
                continue
            if query & set(kws for _, kw in pool for kws in kw):
                best = max(len(query & kws) for _, kws in pool)
                pool = [(a, kws) for a, kws in pool if len(query & kws) == best]
                fewest = min(len(kws - query - {brand}) for _, kws in pool)
                if not (query & set(TIERS)) and fewest:
                    fewest = min(len((kws - query - {brand}) - set(TIERS)) for _, kws in pool)
                    pool = [(a, kws) for a, kws in pool if len((kws - query - {brand}) - set(TIERS)) == fewest]
                else:
                    pool = [(a, kws) for a, kws in pool if len(kws - query - {brand}) == fewest]
            out.append(sorted((a for a, _ in pool), key=lambda a: (a.price, a.category != "ott", a.id)))
        return out


def plans_including(catalog: PlanCatalog, brand: str) -> list[Plan]:
    """Plans whose 초이스 pick (or extra pick) includes this OTT brand, cheapest first."""
    name = CHOICE_NAMES.get(brand)
    if name is None:
        return []
    key = _squash(name)
    plans = [p for p in catalog if any(_squash(o).startswith(key) for o in
                                       (*p.benefits.choice_options, *p.benefits.plus_options))]
    return sorted(plans, key=lambda p: p.monthly_fee)


def _spellings(table: dict[str, tuple[str, ...]]) -> str:
    return "|".join(sorted({re.escape(s) for ss in table.values() for s in ss}, key=len, reverse=True))


_ADDON_NAME_RE = re.compile(f"(?:(?:국내|해외)\\s*)*(?:{_spellings(BRANDS)})(?:\\s*\\+?\\s*(?:{_spellings(QUALIFIERS)}))*", re.IGNORECASE)


def without_addon_names(text: str) -> str:
    """The text without add-on names, so "유튜브 프리미엄" does not name 5G 초이스 프리미엄."""
    return _ADDON_NAME_RE.sub(lambda m: " " * len(m.group(0)), text)
