"""Review's routers: content review, recommendations, lists, exports."""
