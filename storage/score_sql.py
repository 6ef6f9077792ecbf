"""SQL expressions the scoreboard's read models and its tallies share: the day number of an instant or a date, and
the terms of a sale against suitability."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, exists, func, literal, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from csm_tui.domain.enums import SuitabilityOutcome
from storage.orm import AssessmentRow, ClientRow, KeptAverageRow, ProductRow, SaleRow, SuitabilityRow


class day_of(FunctionElement[int]):
    """The day number (days since 1970-01-01, UTC) of a date, or of an instant shifted by an offset in days."""

    type = BigInteger()
    inherit_cache = True
    name = "day_of"


@compiles(day_of)
def _day_of_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    value, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({value}) - 2440587.5 + {offset} AS INTEGER)"


@compiles(day_of, "postgresql")
def _day_of_postgresql(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    value, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor(EXTRACT(EPOCH FROM {value}) / 86400.0 + {offset}) AS BIGINT)"


def date_day(date: Any) -> day_of:
    return day_of(date, literal(0.0))


def breach_terms(utc_offset_s: int) -> tuple[ColumnElement[bool], ColumnElement[bool], Any, Any]:
    """A sale against suitability, in two terms: ``unsuitable`` (no valid assessment at the time of sale: none,
    another client's, one taken after the sale, one already superseded by a newer one of the client, or one expired;
    or sold on the very assessment that had blocked the same product for the same client) and ``unrecorded`` (a
    product that takes 双录 sold with none). The sale is a breach when unsuitable, or unrecorded in a category the
    policy does not exempt from 双录. For a query from sales joined to their products, ``record`` (the sale's
    suitability record, outer-joined) and ``taken`` (its assessment, outer-joined)."""
    offset = literal(utc_offset_s / 86400)
    record, taken, earlier = aliased(SuitabilityRow), aliased(AssessmentRow), aliased(SuitabilityRow)
    newer = aliased(AssessmentRow)
    superseded = exists().where(
        newer.client_id == SaleRow.client_id,
        or_(newer.taken_at > taken.taken_at, and_(newer.taken_at == taken.taken_at, newer.id > taken.id)),
        newer.taken_at <= SaleRow.sold_at,
    )
    no_assessment = or_(
        SaleRow.suitability_id.is_(None),
        record.assessment_id.is_(None),
        taken.client_id != SaleRow.client_id,
        taken.taken_at > SaleRow.sold_at,
        superseded,
        day_of(SaleRow.sold_at, offset) > date_day(taken.valid_until),
    )
    override = exists().where(
        earlier.client_id == SaleRow.client_id,
        earlier.product_id == SaleRow.product_id,
        earlier.outcome == SuitabilityOutcome.BLOCKED,
        earlier.assessment_id == record.assessment_id,
        earlier.created_at < SaleRow.sold_at,
    )
    unrecorded = and_(ProductRow.dual_recording, or_(record.id.is_(None), record.recording_ref == ""))
    return or_(no_assessment, override), unrecorded, record, taken


def per_client_assets(before: dt.date, after: dt.date | None, managers: ColumnElement[bool]) -> Any:
    """Each client managed now (by ``managers``) and kept on ``before`` (a quarter's eve): the 3-month average (fen)
    then, and kept on ``after`` (the quarter's end) or, ``None``, now (the bank's current figure). Driven by the kept
    rows of one day."""
    kept_before, kept_after = aliased(KeptAverageRow), aliased(KeptAverageRow)
    at_end = ClientRow.avg_3m if after is None else kept_after.avg_3m
    query = (
        select(
            ClientRow.manager_id.label("staff_id"),
            ClientRow.id.label("client_id"),
            type_coerce(kept_before.avg_3m, BigInteger).label("before"),
            func.coalesce(type_coerce(at_end, BigInteger), 0).label("after"),
        )
        .select_from(kept_before)
        .join(ClientRow, ClientRow.id == kept_before.client_id)
        .where(kept_before.as_of == before, managers)
    )
    if after is not None:
        query = query.outerjoin(kept_after, and_(kept_after.client_id == ClientRow.id, kept_after.as_of == after))
    return query


def crossed(per_client: Any, threshold_fen: int) -> ColumnElement[bool]:
    """A client below the 交银 threshold before and at or over it after."""
    return and_(per_client.c.before < threshold_fen, per_client.c.after >= threshold_fen)


class local_day(FunctionElement[int]):
    """The local day number (days since 1970-01-01) of an instant at a whole number of seconds east of UTC, exact at
    midnight (whole seconds, integer arithmetic): the day a tally counts a record on."""

    type = BigInteger()
    inherit_cache = True
    name = "local_day"


@compiles(local_day)
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    value, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"((CAST(strftime('%s', {value}) AS INTEGER) + {offset}) / 86400)"


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    value, offset = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor((EXTRACT(EPOCH FROM {value}) + {offset}) / 86400) AS BIGINT)"
