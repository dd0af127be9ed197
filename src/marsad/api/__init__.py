"""The HTTP API. ``marsad.api.app`` needs FastAPI; ``marsad.api.queries`` (shared read-side queries) does not."""
