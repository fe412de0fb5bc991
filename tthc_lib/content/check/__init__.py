"""`tthc check`: reconciling the figures of a report already sent with the store."""
