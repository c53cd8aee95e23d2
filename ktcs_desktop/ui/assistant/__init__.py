"""Qt widgets of the assistant feature: the assist panel, the wrap-up dialog, the PDF writer."""
