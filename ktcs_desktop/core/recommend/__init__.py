"""Plan recommendations for a caller (Qt-free): eligible plans fitted to usage, ranked by cost.

    rec = recommend_for(lookup, CallNeeds(ott=("넷플릭스",)))
    rec.best.plan.name, rec.best.effective_fee, rec.best.reasons

See `engine.py` for the rules (eligibility, data need, 선택약정, OTT add-ons, picks).
"""

from __future__ import annotations

from ktcs_desktop.core.recommend.engine import (
    canonical_ott,
    current_plan_fee,
    current_plan_summary,
    data_fit,
    exclusion_reason,
    explain_exclusion,
    find_otts,
    is_eligible,
    ott_addon,
    plan_includes_ott,
    recommend,
    recommend_for,
)
from ktcs_desktop.core.recommend.models import (
    OTT_CHOICES,
    TAG_LABELS,
    CallNeeds,
    OptionTag,
    PlanOption,
    Recommendation,
)

__all__ = [
    "OTT_CHOICES",
    "TAG_LABELS",
    "CallNeeds",
    "OptionTag",
    "PlanOption",
    "Recommendation",
    "canonical_ott",
    "current_plan_fee",
    "current_plan_summary",
    "data_fit",
    "exclusion_reason",
    "explain_exclusion",
    "find_otts",
    "is_eligible",
    "ott_addon",
    "plan_includes_ott",
    "recommend",
    "recommend_for",
]
