"""Giving new clients to CSMs by rule: the active CSM with the fewest clients, ties broken by login."""

from __future__ import annotations

import heapq
from collections.abc import Mapping

from csm_tui.domain.enums import Role
from csm_tui.services.imports.model import StaffRef

BRANCH = None  # the scope of every candidate, whatever the outlet


class LeastLoaded:
    """Chooses CSMs one client at a time, counting each client given in the loads of the next choices.

    ``staff`` is every staff member by login; only the active ones of role CSM are candidates. ``loads`` is the
    number of clients each one manages (staff id → count; a CSM missing has none). With ``by_outlet``, a client's
    candidates are the CSMs of its outlet; else the whole branch's.
    """

    def __init__(self, staff: Mapping[str, StaffRef], loads: Mapping[int, int], *, by_outlet: bool) -> None:
        self._heaps: dict[int | None, list[tuple[int, str, StaffRef]]] = {}
        for login, ref in staff.items():
            if ref.active and ref.role is Role.CSM:
                scope = ref.outlet_id if by_outlet else BRANCH
                self._heaps.setdefault(scope, []).append((loads.get(ref.id, 0), login, ref))
        for heap in self._heaps.values():
            heapq.heapify(heap)
        self._by_outlet = by_outlet

    def choose(self, outlet_id: int | None) -> tuple[str, StaffRef] | None:
        """The login and the CSM a new client at ``outlet_id`` goes to (None: no candidate), counted in from now
        on."""
        heap = self._heaps.get(outlet_id if self._by_outlet else BRANCH)
        if not heap or (self._by_outlet and outlet_id is None):
            return None
        load, login, ref = heap[0]  # logins are unique: a tie never compares the refs
        heapq.heapreplace(heap, (load + 1, login, ref))
        return login, ref
