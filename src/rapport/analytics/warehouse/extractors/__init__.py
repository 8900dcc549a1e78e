"""Every warehouse table's extractor; importing this package registers them all."""

from rapport.analytics.warehouse.extractors import customers, dimensions, marketing, sales, service  # noqa: F401
