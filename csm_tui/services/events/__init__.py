"""Marketing events (营销活动): planning and invitations, the day's check-in, and the results afterwards."""
