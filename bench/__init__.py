"""``make bench``: the workstation's performance figures, as medians of several runs with their spread."""
