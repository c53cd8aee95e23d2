"""The shipped catalog loads, matches the reference, and malformed files are refused by row/field."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ktcs_desktop.core.catalog import CatalogError, PlanFamily, load_catalog, load_shipped_catalog
from ktcs_desktop.core.catalog.loader import forget_shipped_catalog
from ktcs_desktop.core.errors import KtcsError, NotFoundError

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"

# (id, name, monthly fee, 선택약정 fee or None, data GB or None for unlimited, speed after cap)
SPOT_VALUES = [
    ("5g-simple-110gb", "5G 심플 110G", 69000, 51750, 110.0, 5.0),
    ("5g-simple-30gb", "5G 심플 30GB", 61000, 45750, 30.0, 1.0),
    ("5g-choice-premium", "5G 초이스 프리미엄", 130000, 97500, None, None),
    ("5g-choice-special", "5G 초이스 스페셜", 110000, 82500, None, None),
    ("5g-choice-basic", "5G 초이스 베이직", 90000, 67500, None, None),
    ("5g-basic", "5G 베이직", 80000, 60000, None, None),
    ("5g-slim-14gb", "5G 슬림 14GB", 55000, 41250, 14.0, 1.0),
    ("5g-slim-10gb", "5G 슬림 10GB", 50000, 37500, 10.0, 0.4),
    ("5g-slim-4gb", "5G 슬림 4GB", 37000, 27750, 4.0, 0.4),
    ("5g-slim-carryover-7gb", "5G 슬림(이월) 7GB", 45000, 33750, 7.0, None),
    ("5g-y-slim", "5G Y 슬림", 55000, 41250, 14.0, 1.0),
    ("5g-y-teen", "5G Y틴", 47000, 35250, 10.0, 1.0),
    ("5g-junior-slim", "5G 주니어 슬림", 28000, 21000, 3.0, 1.0),
    ("5g-senior-c", "5G 시니어 C형", 41000, 30750, 8.0, 1.0),
    ("5g-welcome-3", "5G 웰컴 3", 49000, 36750, 3.0, 3.0),
    ("5g-slim-welfare", "5G 슬림 복지", 55000, 41250, 14.0, 1.0),
    ("yogo-30", "요고 30", 30000, None, 8.0, 0.4),
    ("yogo-49", "요고 49", 49000, None, 120.0, 5.0),
    ("yogo-69", "요고 69", 69000, None, None, None),
]


def test_counts(catalog):
    plans = catalog.all()
    assert sum(p.network == "5G" and p.family is not PlanFamily.YOGO for p in plans) == 36
    assert len(catalog.by_family(PlanFamily.YOGO)) == 13
    assert len(plans) == 49
    assert len(catalog.addons()) == 27
    assert len(catalog.families()) == 12


@pytest.mark.parametrize(("plan_id", "name", "fee", "selective", "data_gb", "speed"), SPOT_VALUES)
def test_spot_values(catalog, plan_id, name, fee, selective, data_gb, speed):
    plan = catalog.get(plan_id)
    assert plan.name == name
    assert plan.monthly_fee == fee
    assert catalog.selective_fee(plan) == selective
    assert plan.selective_fee == selective
    assert plan.data_gb == data_gb
    assert plan.is_unlimited is (data_gb is None)
    assert plan.speed_after_cap_mbps == speed


def test_noted_selective_prices_match(catalog):
    noted = {p.name: p.noted_selective_fee for p in catalog.all() if p.noted_selective_fee is not None}
    assert noted == {
        "5G 심플 30GB": 45750,
        "5G 초이스 프리미엄": 97500,
        "5G 초이스 스페셜": 82500,
        "5G 초이스 베이직": 67500,
    }


def test_yogo_is_online_without_selective_and_marked_uncertain(catalog):
    for plan in catalog.by_family("요고"):
        assert plan.channel == "online"
        assert not plan.selective_discount_eligible
        assert plan.uncertain and plan.uncertain_notes
        assert plan.as_of == "2026"
        assert catalog.effective_fee(plan, with_selective=True) == plan.monthly_fee


def test_effective_fee(catalog):
    plan = catalog.get("5g-choice-basic")
    assert catalog.effective_fee(plan, with_selective=True) == 67500
    assert catalog.effective_fee(plan, with_selective=False) == 90000


def test_fields_carry_the_reference_details(catalog):
    welcome = catalog.get("5g-welcome-5")
    assert (welcome.voice_unlimited, welcome.voice_min, welcome.sms) == (False, 200, "200건")
    slim = catalog.get("5g-slim-14gb")
    assert (slim.voice_unlimited, slim.extra_voice_min) == (True, 300)
    assert catalog.get("5g-basic-welfare").extra_voice_min == 600
    assert catalog.get("5g-senior-a").extra_voice_min == 400
    premium = catalog.get("5g-choice-premium")
    assert premium.benefits.membership == "VVIP"
    assert "넷플릭스" in premium.benefits.choice_options
    assert premium.roaming_speed_mbps == 3.0
    assert "KT 안심박스 무료제공" in catalog.get("5g-junior").benefits.extras
    assert catalog.get("5g-slim-carryover-14gb").carryover
    assert catalog.get("5g-slim-carryover-14gb").uncertain  # speed after cap not stated
    assert catalog.get("5g-slim-14gb").benefits.y_dom == "기본데이터 2배 제공"
    assert catalog.get("5g-simple-30gb").source.row == 5
    assert catalog.get("5g-simple-30gb").source.product_url.endswith("ItemCode=1406&CateCode=6002")


def test_ids_are_unique_slugs_and_names_unique(catalog):
    ids = [p.id for p in catalog.all()]
    assert len(set(ids)) == len(ids)
    assert len({p.name for p in catalog.all()}) == len(ids)


def test_lookup(catalog):
    assert catalog.by_name("5g 슬림14GB").id == "5g-slim-14gb"
    assert catalog.by_name("５Ｇ 슬림 14GB").id == "5g-slim-14gb"  # full-width
    assert catalog.by_name("슬림") is None
    assert catalog.find("nope") is None
    with pytest.raises(NotFoundError):
        catalog.get("nope")
    assert catalog.get_addon("netflix-premium").list_price == 16000
    assert catalog.get_addon("tving-basic-starbucks").price == 9500


def test_rules(catalog):
    rules = catalog.rules
    assert rules.selective_discount.rate_percent == 25
    assert rules.selective_discount.terms_months == (12, 24)
    bundle = rules.bundle_discount
    assert [bundle.discount_for(t) for t in (0, 64899, 64900, 108900, 141900, 174899, 174900, 300000)] == [
        0,
        0,
        5500,
        16610,
        22110,
        22110,
        27610,
        27610,
    ]
    assert bundle.uncertain
    assert "1588-0010" in rules.plan_change.channels
    assert rules.carryover.lost_on_plan_change and rules.carryover.carry_months == 1


def test_load_shipped_catalog_is_cached_but_explicit_path_is_fresh(catalog_copy, edit_json):
    forget_shipped_catalog()
    assert load_shipped_catalog() is load_shipped_catalog()
    edit_json(catalog_copy / "plans.json", lambda d: d["plans"].pop())
    first = load_catalog(catalog_copy)
    assert len(first) == 48
    edit_json(catalog_copy / "plans.json", lambda d: d["plans"].pop())
    assert len(load_catalog(catalog_copy)) == 47
    assert len(load_catalog(catalog_copy / "plans.json")) == 47
    assert len(load_shipped_catalog()) == 49


# -- malformed files ----------------------------------------------------------------------------


def _set(index: int, field: str, value):
    def change(document):
        document["plans"][index][field] = value

    return change


@pytest.mark.parametrize(
    ("change", "row", "field"),
    [
        (_set(11, "monthly_fee", -55000), 11, "monthly_fee"),
        (_set(11, "monthly_fee", "55000"), 11, "monthly_fee"),
        (_set(11, "selective_fee", 40000), 11, "selective_fee"),
        (_set(7, "noted_selective_fee", 67000), 7, "noted_selective_fee"),
        (_set(3, "data_gb", None), 3, "data_gb"),
        (_set(3, "id", "Bad Slug"), 3, "id"),
        (_set(3, "family", "LTE"), 3, "family"),
        (lambda d: d["plans"][28]["eligibility"].update(min_age=90, max_age=10), 28, "eligibility"),
        (lambda d: d["plans"][28]["eligibility"].update(min_age=-1), 28, "eligibility.min_age"),
        (lambda d: d["plans"][11].pop("monthly_fee"), 11, "monthly_fee"),
        (lambda d: d["plans"][40].pop("name"), 40, "name"),
    ],
)
def test_malformed_row_is_named(catalog_copy, edit_json, change, row, field):
    edit_json(catalog_copy / "plans.json", change)
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_copy)
    error = info.value
    assert isinstance(error, KtcsError)
    assert error.row_index == row
    assert error.field is not None and error.field.startswith(field.split(".")[0])
    assert f"{row + 1}번째" in error.user_message
    assert "plans.json" in error.user_message
    if field != "name":
        assert error.item_name is not None and error.item_name in error.user_message


def test_bad_fee_message_names_plan_and_field(catalog_copy, edit_json):
    edit_json(catalog_copy / "plans.json", _set(11, "monthly_fee", -1))
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_copy)
    assert "5G 슬림 14GB" in info.value.user_message
    assert "monthly_fee" in info.value.user_message


def test_duplicate_id_is_named(catalog_copy, edit_json):
    edit_json(catalog_copy / "plans.json", _set(12, "id", "5g-slim-14gb"))
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_copy)
    assert (info.value.row_index, info.value.field, info.value.item_name) == (12, "id", "5G 슬림 10GB")
    assert "중복" in info.value.user_message


def test_duplicate_name_is_named(catalog_copy, edit_json):
    edit_json(catalog_copy / "plans.json", _set(12, "name", "5G 슬림  14gb"))
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_copy)
    assert (info.value.row_index, info.value.field) == (12, "name")


def test_bad_addon_and_rules_are_refused(catalog_copy, edit_json):
    edit_json(catalog_copy / "addons.json", lambda d: d["addons"][2].update(promo_price=99999))
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_copy)
    assert info.value.row_index == 2 and "addons.json" in info.value.user_message


def test_rules_rate_must_be_25(catalog_copy, edit_json):
    edit_json(catalog_copy / "rules.json", lambda d: d["selective_discount"].update(rate_percent=20))
    with pytest.raises(CatalogError, match="선택약정"):
        load_catalog(catalog_copy)


@pytest.mark.parametrize(
    "content", ["", "{not json", '{"schema_version": 1}', '{"schema_version": 9, "plans": []}']
)
def test_broken_file_is_refused(catalog_copy, content):
    (catalog_copy / "plans.json").write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError, match="plans.json"):
        load_catalog(catalog_copy)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(CatalogError, match="파일이 없습니다"):
        load_catalog(tmp_path / "nowhere")


# -- cross-check against the reference CSVs, when the shared folder is present -----------------


def _reference_rows(name: str) -> list[dict[str, str]]:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference file {path} not available")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_matches_reference_5g_csv(catalog):
    rows = _reference_rows("kt-5g-plans-2025.csv")
    assert len(rows) == 36
    for index, row in enumerate(rows, start=1):
        plan = catalog.by_name(row["plan_name"])
        assert plan is not None, row["plan_name"]
        assert plan.name == row["plan_name"]
        assert plan.monthly_fee == int(row["price"]), plan.name
        assert plan.source == plan.source.model_copy(update={"row": index})
        assert plan.data_text == row["data_gb"]
        assert plan.voice == row["call"] and plan.sms == row["message"]
        assert plan.target == row["target"]
        if "선택약정 시" in row["notes"]:
            assert f"{plan.selective_fee:,}원" in row["notes"]


def test_matches_reference_yogo_csv(catalog):
    rows = _reference_rows("kt-yogo-plans-2026.csv")
    assert len(rows) == 13
    for row in rows:
        plan = catalog.by_name(row["name"])
        assert plan is not None and plan.monthly_fee == int(row["price_krw"])
        expected_gb = None if row["data"] == "무제한" else float(row["data"].removesuffix("GB"))
        assert plan.data_gb == expected_gb
        assert plan.source.refs == tuple(row["sources"].split(";"))


def test_matches_reference_addon_csv(catalog):
    rows = _reference_rows("kt-addon-services.csv")
    addons = {a.name: a for a in catalog.addons()}
    assert len(rows) == len(addons) == 27
    for row in rows:
        addon = addons[row["name"]]
        assert addon.list_price == int(row["list_price_krw"])
        assert addon.promo_price == (int(row["promo_price_krw"]) if row["promo_price_krw"] else None)
