"""The HTTP API. ``marsad.api.app`` needs FastAPI; ``marsad.queries`` (shared read-side queries) does not."""
