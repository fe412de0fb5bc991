"""Every figure of docs/indicators.md, for all units and roll-ups in one pass over the store."""
