"""The knowledge worker process reads the floor's approved catalog itself: after a supervisor
approves a price change, its next answer, recommendation and search quote the new price."""

from __future__ import annotations

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.services.catalog import CatalogApprovals
from ktcs_desktop.core.storage.catalog_versions import AgentRoles
from ktcs_desktop.core.worker import KnowledgeWorkerClient
from ktcs_desktop.ingestion.diff import PlanChange

SLIM = "5g-slim-14gb"


def test_worker_follows_an_approved_version(settings):
    from ktcs_desktop.context import create_app_context

    services = create_app_context(settings)
    services.prepare_database()
    lookup = services.lookup.lookup("010-5555-6666")  # 최민수, on 5G 슬림 14GB
    client = KnowledgeWorkerClient(settings, catalog=services.catalog_provider.last, warm=False)
    try:
        assert "55,000원" in client.answer("슬림 14기가 얼마예요?").text
        before = client.recommend_for(lookup, None)
        shipped = load_shipped_catalog().get(SLIM)
        AgentRoles(services.db).grant("lead", "supervisor", granted_by="admin")
        approvals = CatalogApprovals(services.db, services.catalog_provider, services.audit, agent_id="lead",
                                     claimed_role="supervisor")
        approvals.draft_from_refresh([PlanChange("fee_changed", shipped.source.kt_item_code or 0, shipped.name,
                                                 SLIM, shipped.monthly_fee, 56000)])
        approvals.approve()
        assert "56,000원" in client.answer("슬림 14기가 얼마예요?").text  # the worker's next request
        after = client.recommend_for(lookup, None)
        assert after.current_fee != before.current_fee
        hit = client.search("5G 슬림 14GB 월정액", k=1)[0]
        assert "56,000" in hit.text  # its index was rebuilt for the new version
        services.lookup.lookup("010-5555-6666")
        assert client.catalog.get(SLIM).monthly_fee == 56000  # the window's side, after its lookup
    finally:
        client.close()
        services.close()
