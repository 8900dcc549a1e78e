"""The pages, one module per concept: records (accounts, contacts, leads), the
timeline, search, the home page and signing in."""
