"""Marsad search stage."""
