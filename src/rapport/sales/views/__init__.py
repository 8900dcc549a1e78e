"""The sales pages: the same services and selectors as the API."""
