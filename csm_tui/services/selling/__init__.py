"""Selling: the suitability wizard's attempts recorded, and the assessments that need attention."""
