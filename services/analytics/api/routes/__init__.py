"""Analytics' routes, one module per resource."""
