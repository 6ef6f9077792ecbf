"""Money as stored: integer fen. Free of pydantic, so the first screen's thin read converts amounts the same way."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)
