"""The instant every test's clock stands at."""

# 10:00 in Asia/Shanghai on Friday 27 November 2026.
FROZEN_AT = "2026-11-27T02:00:00Z"
