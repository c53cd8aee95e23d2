"""The Qt layer: widgets that call core services and render their results. Only this package imports Qt."""
