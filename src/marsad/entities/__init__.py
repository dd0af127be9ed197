"""Marsad entities stage."""
