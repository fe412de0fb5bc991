"""What a report says. Section notebooks call `sections` (with `context` and `record` beside it);
`words/` holds formatting, prose, narrative, levels, predecessors and the document frame;
`figures/` the tables, charts, comparisons and scorecards; `forms/` the official forms (Biểu 06);
`check/` the reconciliation of a report already sent (`tthc check`)."""
