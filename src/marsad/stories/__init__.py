"""Marsad stories stage."""
