"""Analytics' projections: one module per view."""
