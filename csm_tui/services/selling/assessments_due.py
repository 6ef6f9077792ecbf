"""Risk assessments that need attention: expired, expiring soon, or never taken."""

from __future__ import annotations

import datetime as dt

from csm_tui.services.rows import AssessmentDue, Validity
from csm_tui.services.workstation import Workstation

HORIZON_DAYS = 30


def assessments_due(ws: Workstation) -> list[AssessmentDue]:
    today = ws.time.today()
    with ws.uow() as tx:
        validity = Validity(ws.policy.assessment.validity_months, ws.policy.calendar.tz)
        return tx.views.assessments_due(ws.staff.id, today + dt.timedelta(days=HORIZON_DAYS), validity)
