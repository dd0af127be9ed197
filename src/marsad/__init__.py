"""Marsad (مرصد): an Arabic news-monitoring engine."""

__version__ = "0.1.0"
