"""Outputs: executed notebooks to HTML, PDF and DOCX, and the period's index page."""
