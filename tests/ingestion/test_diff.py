from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.ingestion import KT_PAGES, PageFact, diff_page

SLIM = next(p for p in KT_PAGES if p.item_code == 1284)


def _facts(**fees):
    catalog = load_shipped_catalog()
    return [PageFact(p.name, fees.get(p.id, p.monthly_fee), p.data_text, p.target)
            for p in catalog if p.source.kt_item_code == 1284]


def test_identical_page_has_no_changes():
    assert diff_page(SLIM, _facts(), load_shipped_catalog()) == []


def test_fee_change_added_and_removed():
    facts = [f for f in _facts(**{"5g-slim-14gb": 56000}) if f.name != "5G 슬림 4GB"]
    facts.append(PageFact("5G 슬림 30GB", 61000, "30GB", "전체"))
    changes = {c.kind: c for c in diff_page(SLIM, facts, load_shipped_catalog())}
    assert set(changes) == {"fee_changed", "added", "removed"}
    assert changes["fee_changed"].plan_id == "5g-slim-14gb"
    assert (changes["fee_changed"].old_fee, changes["fee_changed"].new_fee) == (55000, 56000)
    assert "55,000원 → 56,000원" in changes["fee_changed"].message
    assert changes["added"].name == "5G 슬림 30GB" and changes["added"].new_fee == 61000
    assert changes["removed"].plan_id == "5g-slim-4gb"
