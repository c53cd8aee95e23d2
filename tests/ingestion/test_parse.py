from __future__ import annotations

from pathlib import Path

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.ingestion import KT_PAGES, SnapshotFetcher, chunk_text, html_to_text, parse_plan_facts

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"


def test_html_fixture_tables_and_text():
    text = html_to_text((PAGES / "slim_page.html").read_text(encoding="utf-8"))
    assert "# 5G 슬림" in text
    assert "데이터 적게 쓰는 고객을 위한 알뜰 요금제" in text
    assert "tracking" not in text  # scripts dropped
    facts = parse_plan_facts(text)
    assert [(f.name, f.monthly_fee) for f in facts] == [
        ("5G 슬림 14GB", 55000), ("5G 슬림 10GB", 50000), ("5G 슬림 8GB", 47000)]
    assert facts[1].data_text == "10GB + 최대 400Kbps" and facts[0].target == "누구나"


def test_markdown_fixture_from_firecrawl():
    facts = parse_plan_facts((PAGES / "choice_firecrawl.md").read_text(encoding="utf-8"))
    assert [(f.name, f.monthly_fee) for f in facts] == [
        ("5G 초이스 프리미엄", 130000), ("5G 초이스 스페셜", 110000), ("5G 초이스 베이직", 95000)]


def test_tables_without_plan_columns_are_ignored():
    assert parse_plan_facts("| 구분 | 내용 |\n|---|---|\n| 테더링 | 가능 |") == []


def test_every_shipped_snapshot_parses_to_its_catalog_plans():
    catalog = load_shipped_catalog()
    fetcher = SnapshotFetcher()
    for page in KT_PAGES:
        text = fetcher.fetch(page)
        assert "Reconstructed" not in text  # the honesty note is an HTML comment, not page text
        facts = {f.name: f.monthly_fee for f in parse_plan_facts(text)}
        expected = {p.name: p.monthly_fee for p in catalog if p.source.kt_item_code == page.item_code}
        assert facts == expected, page.title


def test_snapshots_say_they_are_reconstructed():
    for path in SnapshotFetcher().directory.glob("*.html"):
        assert "not a copy of KT's page" in path.read_text(encoding="utf-8")


def test_chunks_are_bounded_and_keep_table_header():
    rows = "\n".join(f"| 요금제 {i} | {i},000원 |" for i in range(60))
    text = "# 제목\n\n소개 문단\n\n| 요금제 | 월정액 |\n|---|---|\n" + rows
    chunks = chunk_text(text, max_chars=300)
    assert len(chunks) > 2
    assert all(len(c) <= 330 for c in chunks)
    assert all(c.startswith("| 요금제 | 월정액 |") for c in chunks[1:])
    assert sum(c.count("000원") for c in chunks) == 60
