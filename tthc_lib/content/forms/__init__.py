"""Official reporting forms filled from the figures (Biểu số 06/VPCP/KSTT)."""
