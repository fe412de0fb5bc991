"""Figures on the page: indicator tables, charts, the 766 scorecard and the comparison with
earlier periods."""
