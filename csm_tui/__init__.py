"""csm-tui: a keyboard-driven terminal workstation for a retail bank's customer service managers."""

__version__ = "0.1.0"
