"""One module per emulated vendor API; each exposes an app with ``handle(request) -> Response | None``."""
