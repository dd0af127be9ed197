"""The PostgreSQL server and the two-backend store fixtures live in tests/conftest.py (shared by
tests/store, tests/dedup, tests/stories and tests/search)."""
