"""The KT product pages the pipeline reads (product.kt.com, 5G plans category)."""

from __future__ import annotations

from dataclasses import dataclass

from ktcs_desktop.core.catalog import PlanFamily

PRODUCT_URL = "https://product.kt.com/wDic/productDetail.do?ItemCode={code}&CateCode=6002"


@dataclass(frozen=True)
class PageSpec:
    item_code: int
    title: str
    families: tuple[PlanFamily, ...]

    @property
    def url(self) -> str:
        return PRODUCT_URL.format(code=self.item_code)


KT_PAGES: tuple[PageSpec, ...] = (
    PageSpec(1567, "요고 다이렉트", (PlanFamily.YOGO,)),
    PageSpec(1485, "5G 초이스", (PlanFamily.CHOICE,)),
    PageSpec(1283, "5G 스페셜/베이직", (PlanFamily.SPECIAL_BASIC,)),
    PageSpec(1406, "5G 심플", (PlanFamily.SIMPLE,)),
    PageSpec(1284, "5G 슬림", (PlanFamily.SLIM,)),
    PageSpec(1570, "5G 슬림(이월)", (PlanFamily.SLIM_CARRYOVER,)),
    PageSpec(1358, "5G Y", (PlanFamily.Y,)),
    PageSpec(1360, "5G Y틴", (PlanFamily.Y_TEEN,)),
    PageSpec(1480, "5G 주니어", (PlanFamily.JUNIOR,)),
    PageSpec(1558, "5G 시니어", (PlanFamily.SENIOR,)),
    PageSpec(1577, "5G 웰컴", (PlanFamily.WELCOME,)),
    PageSpec(1438, "5G 복지", (PlanFamily.WELFARE,)),
)
