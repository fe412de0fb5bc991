"""Exports in: find each file's kind and header, stage its rows, apply the rules, set aside and count."""
