"""Rapport's PostgreSQL backend: Django's, with statements prepared and their parameters bounded (``base``)."""
