"""Review: content review, the recommendation chain from county to nation, commendations."""
