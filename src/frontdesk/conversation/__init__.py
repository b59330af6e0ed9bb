"""The conversation engine: one Agent.turn() behind every door."""
