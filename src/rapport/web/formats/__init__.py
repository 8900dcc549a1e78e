"""Number and date formats that differ from Django's defaults for a language (FORMAT_MODULE_PATH)."""
