"""Rapport: a closed-loop customer relationship management system."""

__version__ = "0.1.0"
