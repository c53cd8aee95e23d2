"""The assistant's tools, called as the model would call them (JSON arguments in, JSON out)."""

from __future__ import annotations

import json

from ktcs_desktop.core.assistant import AssistContext
from ktcs_desktop.core.assistant.tools import TOOL_SPECS, ToolExecutor
from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.recommend import CallNeeds, recommend_for


def _run(lookup, name: str, arguments: dict | str) -> dict:
    executor = ToolExecutor(AssistContext(lookup=lookup), load_shipped_catalog())
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return json.loads(executor.run(name, raw))


def test_recommend_plans_passes_ott_to_the_engine(seeded) -> None:
    jung = seeded.lookup.lookup("010-9999-8888")
    result = _run(jung, "recommend_plans", {"ott": ["넷플릭스"]})
    expected = recommend_for(jung, CallNeeds(ott=("넷플릭스",))).options[0]
    first = result["options"][0]
    assert first["name"] == expected.plan.name
    assert first["total_fee"] == f"{expected.total_fee:,}원"
    assert first["addons"] == [f"{a.name} {a.price:,}원" for a in expected.addons]


def test_recommend_plans_accepts_a_single_ott_string_and_aliases(seeded) -> None:
    jung = seeded.lookup.lookup("010-9999-8888")
    as_list = _run(jung, "recommend_plans", {"ott": ["Netflix"]})
    as_text = _run(jung, "recommend_plans", {"ott": "넷플릭스"})
    assert as_list["options"] == as_text["options"]


def test_recommend_plans_without_caller_is_labelled_general() -> None:
    result = _run(None, "recommend_plans", {"min_data_gb": 20})
    assert "고객 미조회" in result["note"]
    assert result["options"]


def test_tool_schema_declares_ott_as_a_list_of_known_services() -> None:
    spec = next(t for t in TOOL_SPECS if t["function"]["name"] == "recommend_plans")
    ott = spec["function"]["parameters"]["properties"]["ott"]
    assert ott["type"] == "array" and "넷플릭스" in ott["items"]["enum"]
