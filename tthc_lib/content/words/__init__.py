"""The words of a report: Vietnamese number and date formatting, prose sentences, the
office narrative, administrative levels, predecessors, and the document frame (header,
dateline, closing)."""
