"""Registration's routes, one module per resource."""
