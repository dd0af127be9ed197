"""Marsad api stage."""
