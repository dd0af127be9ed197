"""Marsad ingest stage."""
