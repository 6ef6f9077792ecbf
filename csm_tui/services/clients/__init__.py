"""Clients: finding them, the whole client on one screen, and referrals."""
