"""What a report says: settings and narrative, prose, tables, charts, comparisons, scorecards, form 06, the section functions notebooks call."""
