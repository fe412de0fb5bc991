"""Every figure of indicators.md, for all units and roll-ups in one pass over the store."""
