"""Analytics' decisions, free of the web and the database: who may read what, and the error vocabulary."""
