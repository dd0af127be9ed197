"""Marsad dedup stage."""
