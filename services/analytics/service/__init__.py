"""Analytics' service layer: the queries its routes answer, one module per capability."""
