"""The live preview (`tthc preview`): one unit's report served on 127.0.0.1, re-executed in a warm kernel on each change and reloaded. Layer: above batch; only the command line imports it."""
