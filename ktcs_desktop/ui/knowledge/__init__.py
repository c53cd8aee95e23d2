"""Qt widgets of the knowledge feature: the refresh dialog and the plan catalog browser."""

from ktcs_desktop.ui.knowledge.catalog_browser import CatalogBrowser
from ktcs_desktop.ui.knowledge.refresh_dialog import RefreshDialog

__all__ = ["CatalogBrowser", "RefreshDialog"]
