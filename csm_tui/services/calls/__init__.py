"""Calls: today's queue, preparing a call, recording what came of it, and the meetings and follow-ups it leads to."""
