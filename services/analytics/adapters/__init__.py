"""Analytics' adapters: the tables of its views."""
