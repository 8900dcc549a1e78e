"""Analytics: models that read customer transactions and score customers (CLV, market basket)."""
