"""The audit chain is signed with a key kept outside the database, and ``csm admin audit verify`` holds it against
the checkpoint it last recorded (also outside). Someone able to drop the triggers and rewrite the table (delete,
change or forge entries, recompute every hash) is found out; entries cut off the end are too. A database without
its key is verified as far as the unsigned part allows, and says so; one from before the key still verifies."""

from __future__ import annotations

import datetime as dt
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, Engine, delete, select, text, update

from csm_tui.cli import main
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role
from csm_tui.domain.models import NewStaff
from storage import audit
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import AuditRow
from storage.ownership import account_name
from storage.uow import SqlUnitOfWorkFactory
from tests.support.legacy_audit import append_unsigned

ENTRIES = 12


@pytest.fixture
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own settings folder (where the key and the checkpoints go), with no key in it yet."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SUDO_USER", raising=False)
    return tmp_path / "config" / "csm-tui"


def add_entries(engine: Engine, clock: FrozenClock, n: int, start: int = 0) -> None:
    with engine.begin() as conn:
        for i in range(start, start + n):
            audit.append(conn, clock.now().datetime, None, [("reveal", "clients", str(i), {"reason": f"r{i}"})])


@pytest.fixture
def chain(db_url: str, settings_dir: Path, clock: FrozenClock) -> Iterator[Engine]:
    """A branch whose admin is this OS account (so ``csm admin`` runs on PostgreSQL too), and some entries."""
    engine = make_engine(db_url)
    upgrade(engine)
    with SqlUnitOfWorkFactory(engine, clock)(write=True) as uow:
        uow.staff.add(NewStaff(login=account_name(), name="管理员", role=Role.ADMIN))
        uow.commit()
    add_entries(engine, clock, ENTRIES)
    yield engine
    engine.dispose()


def verify(engine: Engine, *options: str) -> Result:
    url = engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--lang", "en", "admin", "audit", "verify", "--db", url, *options])


def holds(result: Result) -> bool:
    assert result.exit_code in (0, 1), result.output
    return result.exit_code == 0 and "The audit chain holds" in result.output


def rows(conn: Connection) -> list[dict[str, object]]:
    return [dict(r) for r in conn.execute(select(AuditRow).order_by(AuditRow.id)).mappings()]


def drop_guard(conn: Connection) -> None:
    """What the database's owner can do: the chain must show what comes next."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))


def signer(how: str) -> tuple[audit.AuditKey | None, str | None]:
    """The key a forger signs with and the key id they write: none; a guess passed off under the real key's id;
    a guess under its own id; the real key, stolen."""
    real = audit.load_key()
    assert real is not None
    guess = audit.AuditKey(secrets.token_bytes(32), real.created)
    return {
        "unsigned": (None, None),
        "guessed key": (guess, real.key_id),
        "another key": (guess, guess.key_id),
        "stolen key": (real, real.key_id),
    }[how]


def rehash(conn: Connection, from_index: int, how: str) -> None:
    """Recompute every hash from the ``from_index``-th entry on, as a forger signing ``how`` would."""
    key, key_id = signer(how)
    entries = rows(conn)
    prev = entries[from_index - 1]["hash"] if from_index else audit.GENESIS
    for row in entries[from_index:]:
        digest = audit.entry_hash(
            str(prev), row["at"], row["staff_id"], row["action"], row["entity"], row["entity_id"], row["detail"], key
        )  # type: ignore[arg-type]
        conn.execute(
            update(AuditRow).where(AuditRow.id == row["id"]).values(prev_hash=prev, hash=digest, key_id=key_id)
        )
        prev = digest


def tamper(engine: Engine, what: str, how: str) -> None:
    with engine.begin() as conn:
        drop_guard(conn)
        entries = rows(conn)
        middle = len(entries) // 2
        if what == "a middle entry changed":
            values = {"detail": {"reason": "篡改"}}
            conn.execute(update(AuditRow).where(AuditRow.id == entries[middle]["id"]).values(values))
        elif what == "a middle entry deleted":
            conn.execute(delete(AuditRow).where(AuditRow.id == entries[middle]["id"]))
        rehash(conn, 0 if what == "every entry rewritten" else middle, how)


def forge_appended(engine: Engine, how: str) -> None:
    key, key_id = signer(how)
    with engine.begin() as conn:
        last = rows(conn)[-1]
        at = last["at"]
        assert isinstance(at, dt.datetime)
        detail = {"reason": "伪造"}
        digest = audit.entry_hash(str(last["hash"]), at, None, "reveal", "clients", "1", detail, key)
        conn.execute(
            AuditRow.__table__.insert().values(  # type: ignore[attr-defined]
                at=at,
                staff_id=None,
                action="reveal",
                entity="clients",
                entity_id="1",
                detail=detail,
                prev_hash=last["hash"],
                hash=digest,
                key_id=key_id,
            )
        )


# --- the key ---------------------------------------------------------------------------------------------------


def test_the_key_is_made_private_beside_the_settings_on_the_first_write_and_signs_every_entry(
    chain: Engine, settings_dir: Path
) -> None:
    path = settings_dir / "audit.key"
    assert audit.key_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = audit.load_key()
    assert key is not None
    with chain.connect() as conn:
        assert {r["key_id"] for r in rows(conn)} == {key.key_id}
    result = verify(chain)
    assert holds(result)
    assert f"{ENTRIES + 1} of them are signed with the key {key.key_id}" in result.output
    assert str(path) in result.output


def test_the_key_file_holds_no_part_of_the_database_and_the_database_no_part_of_the_key(chain: Engine) -> None:
    key = audit.load_key()
    assert key is not None
    with chain.connect() as conn:
        dumped = repr(rows(conn))
    assert key.secret.hex() not in dumped


@pytest.mark.parametrize("how", ["unsigned", "guessed key", "another key"])
@pytest.mark.parametrize("what", ["a middle entry changed", "a middle entry deleted", "every entry rewritten"])
def test_a_chain_rewritten_without_the_key_fails_verify(chain: Engine, what: str, how: str) -> None:
    """No checkpoint yet: the signatures alone find it."""
    tamper(chain, what, how)
    if how == "guessed key":
        with chain.connect() as conn:
            assert audit.check(conn, None).holds  # every link recomputed, every entry "signed": only the key tells
    result = verify(chain)
    assert result.exit_code == 1
    assert "broken at entry" in result.output


# --- the checkpoint --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [1, 5, ENTRIES + 1])
def test_entries_cut_off_the_end_are_reported_against_the_checkpoint(chain: Engine, cut: int) -> None:
    first = verify(chain)
    assert holds(first)
    assert f"Checkpoint: {ENTRIES + 1} entries" in first.output
    with chain.begin() as conn:
        drop_guard(conn)
        ids = [r["id"] for r in rows(conn)]
        conn.execute(delete(AuditRow).where(AuditRow.id.in_(ids[-cut:])))
    result = verify(chain)
    assert result.exit_code == 1
    assert f"counted {ENTRIES + 1}" in result.output and f"now there are {ENTRIES + 1 - cut}" in result.output


@pytest.mark.parametrize("how", ["unsigned", "guessed key", "another key"])
def test_a_forged_entry_appended_with_a_recomputed_hash_is_reported(chain: Engine, how: str) -> None:
    assert holds(verify(chain))
    forge_appended(chain, how)
    result = verify(chain)
    assert result.exit_code == 1
    assert f"broken at entry {ENTRIES + 2}" in result.output


@pytest.mark.parametrize("what", ["a middle entry changed", "a middle entry deleted"])
def test_a_middle_entry_rewritten_with_the_chain_recomputed_even_with_the_key_is_reported(
    chain: Engine, what: str
) -> None:
    """Only the checkpoint, kept outside the database, shows a rewrite by someone who has the key too."""
    assert holds(verify(chain))
    tamper(chain, what, "stolen key")
    result = verify(chain)
    assert result.exit_code == 1
    assert "The audit chain was rewritten" in result.output


def test_the_checkpoint_moves_on_with_new_entries(chain: Engine, clock: FrozenClock) -> None:
    assert holds(verify(chain))
    add_entries(chain, clock, 3, start=ENTRIES)
    second = verify(chain)
    assert holds(second)
    assert "no checkpoint yet" not in second.output
    assert f"Checkpoint: {ENTRIES + 4} entries" in second.output


def test_the_checkpoint_printed_is_the_one_kept_beside_the_key(chain: Engine, settings_dir: Path) -> None:
    result = verify(chain)
    assert holds(result)
    assert "This database had no checkpoint yet" in result.output
    path = settings_dir / "audit-checkpoints.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with chain.connect() as conn:
        head, count = audit.head(conn), audit.count(conn)
    (kept,) = [c for c in map(lambda d: audit.last_checkpoint(d, path), _databases(path)) if c is not None]
    assert (kept.count, kept.head) == (count, head)
    assert f"hash {head}" in result.output


def _databases(path: Path) -> list[str]:
    import json

    return list(json.loads(path.read_text(encoding="utf-8")))


# --- without the key, and from before it -----------------------------------------------------------------------


def test_a_database_verified_without_its_key_is_checked_as_far_as_it_can_be_and_says_so(
    chain: Engine, settings_dir: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere.key"
    (settings_dir / "audit.key").rename(moved)
    result = verify(chain)
    assert holds(result)
    assert f"No key file at {settings_dir / 'audit.key'}: {ENTRIES + 1} signed entries" in result.output
    assert "links only" in result.output
    assert holds(verify(chain, "--key", str(moved)))  # the key kept elsewhere, named


def test_without_its_key_a_broken_link_is_still_found(chain: Engine, settings_dir: Path) -> None:
    with chain.begin() as conn:
        drop_guard(conn)
        ids = [r["id"] for r in rows(conn)]
        conn.execute(delete(AuditRow).where(AuditRow.id == ids[3]))
    (settings_dir / "audit.key").unlink()
    result = verify(chain)
    assert result.exit_code == 1 and f"broken at entry {ids[4]}" in result.output


@pytest.fixture
def legacy(db_url: str, settings_dir: Path) -> Iterator[Engine]:
    """A branch audited by the app of before the key (schema 0006, plain SHA-256), upgraded, then written by this
    one a week later."""
    engine = make_engine(db_url)
    upgrade(engine, "0006")
    before = FrozenClock("2026-11-20T02:00:00Z")
    with engine.begin() as conn:
        for i in range(4):
            append_unsigned(conn, before.now().datetime, None, [("reveal", "clients", str(i), {"reason": "旧"})])
    upgrade(engine)
    with SqlUnitOfWorkFactory(engine, FrozenClock("2026-11-27T02:00:00Z"))(write=True) as uow:
        uow.staff.add(NewStaff(login=account_name(), name="管理员", role=Role.ADMIN))
        uow.commit()
    yield engine
    engine.dispose()


def test_entries_from_before_the_key_still_verify_and_are_named_as_such(legacy: Engine) -> None:
    result = verify(legacy)
    assert holds(result)
    assert "4 entries predate the key" in result.output
    with legacy.connect() as conn:
        verdict = audit.check(conn, audit.load_key())
    assert (verdict.unsigned, verdict.signed, verdict.problem) == (4, 1, None)


def test_an_entry_from_before_the_key_changed_is_found(legacy: Engine) -> None:
    with legacy.begin() as conn:
        drop_guard(conn)
        first = rows(conn)[1]["id"]
        conn.execute(update(AuditRow).where(AuditRow.id == first).values(detail={"reason": "改"}))
    result = verify(legacy)
    assert result.exit_code == 1 and f"broken at entry {first}" in result.output


def test_a_signed_entry_passed_off_as_one_from_before_the_key_is_found(legacy: Engine) -> None:
    with legacy.begin() as conn:
        drop_guard(conn)
        rehash(conn, 4, "unsigned")
        last = rows(conn)[-1]["id"]
    result = verify(legacy)
    assert result.exit_code == 1
    assert f"broken at entry {last}: it is not signed" in result.output


ATTACKS = {
    "postgresql": {
        "disabled": ("ALTER TABLE sales DISABLE TRIGGER sales_cancel_only", "sales.sales_cancel_only"),
        "all disabled": (
            "ALTER TABLE risk_assessments DISABLE TRIGGER USER",
            "risk_assessments.risk_assessments_immutable",
        ),
        "replica only": (
            "ALTER TABLE suitability_records ENABLE REPLICA TRIGGER suitability_records_immutable",
            "suitability_records.suitability_records_immutable",
        ),
        "dropped": ("DROP TRIGGER audit_events_append_only ON audit_events", "audit_events.audit_events_append_only"),
        "renamed away": (
            "ALTER TABLE sales RENAME TO sales_old; CREATE TABLE sales (LIKE sales_old INCLUDING ALL)",
            "sales.sales_immutable",
        ),
    },
    "sqlite": {
        "dropped": ("DROP TRIGGER sales_no_update", "sales.sales_no_update"),
        "dropped log": ("DROP TRIGGER audit_events_no_delete", "audit_events.audit_events_no_delete"),
        "renamed away": (
            "ALTER TABLE risk_assessments RENAME TO old; CREATE TABLE risk_assessments AS SELECT * FROM old",
            "risk_assessments.risk_assessments_no_update",
        ),
    },
}


@pytest.mark.parametrize(
    "attack", ["disabled", "all disabled", "replica only", "dropped", "dropped log", "renamed away"]
)
def test_guards_dropped_disabled_or_renamed_away_fail_verify_by_name(chain: Engine, attack: str) -> None:
    """The chain cannot show a record changed with the triggers out of the way: verify checks they stand."""
    attacks = ATTACKS[chain.dialect.name]
    if attack not in attacks:
        pytest.skip(f"no such thing on {chain.dialect.name}")
    statements, trigger = attacks[attack]
    assert holds(verify(chain))
    with chain.begin() as conn:
        for statement in statements.split("; "):
            conn.execute(text(statement))
    result = verify(chain)
    assert result.exit_code == 1 and "are gone or disabled" in result.output
    assert trigger in result.output


# --- refusals: one line, exit 2 --------------------------------------------------------------------------------


def refusal(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_a_missing_audit_table_is_a_one_line_refusal(chain: Engine) -> None:
    with chain.begin() as conn:
        conn.execute(text("DROP TABLE audit_events"))
    assert "lacks the table audit_events" in refusal(verify(chain))  # refused as the database is opened


@pytest.mark.parametrize("which", ["audit.key", "audit-checkpoints.json"])
def test_an_unreadable_key_or_checkpoint_file_is_a_one_line_refusal(
    chain: Engine, settings_dir: Path, which: str
) -> None:
    assert holds(verify(chain))
    (settings_dir / which).write_bytes(b"\xff\xfe not ours")
    line = refusal(verify(chain))
    assert line.startswith(f"Cannot use {settings_dir / which}")


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o620, 0o640])
def test_a_key_others_may_read_or_change_is_refused_for_signing_and_verifying_with_the_fix(
    chain: Engine, settings_dir: Path, clock: FrozenClock, mode: int
) -> None:
    """Whoever can read the key can sign a rewritten chain: a widened key file is noticed, never used."""
    key = settings_dir / "audit.key"
    assert holds(verify(chain))
    key.chmod(mode)
    assert refusal(verify(chain)) == f"Cannot use {key} (mode {mode:o}: chmod 600 {key}); nothing was verified."
    with chain.connect() as conn:
        before = audit.count(conn)
    with pytest.raises(audit.AuditFileError), SqlUnitOfWorkFactory(chain, clock)(write=True) as uow:
        uow.staff.add(NewStaff(login="csm09", name="王芳", role=Role.TELLER))
        uow.commit()
    with chain.connect() as conn:
        assert audit.count(conn) == before
    key.chmod(0o600)
    assert holds(verify(chain))


def test_a_key_that_is_a_folder_is_a_one_line_refusal(chain: Engine, settings_dir: Path) -> None:
    key = settings_dir / "audit.key"
    key.unlink()
    key.mkdir()
    assert refusal(verify(chain)).startswith(f"Cannot use {key}")


def test_workstations_starting_at_once_make_one_key(settings_dir: Path, clock: FrozenClock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: audit.signing_key(clock.now().datetime), range(16)))
    assert len({k.secret for k in keys}) == 1
    assert [p.name for p in settings_dir.iterdir()] == ["audit.key"]  # no scratch file left behind


def test_a_write_whose_key_cannot_be_read_is_refused_whole(
    chain: Engine, settings_dir: Path, clock: FrozenClock
) -> None:
    key = settings_dir / "audit.key"
    key.write_text("garbage\n", encoding="ascii")
    with chain.connect() as conn:
        before = audit.count(conn)
    with pytest.raises(audit.AuditFileError), SqlUnitOfWorkFactory(chain, clock)(write=True) as uow:
        uow.staff.add(NewStaff(login="csm09", name="王芳", role=Role.TELLER))
        uow.commit()
    with chain.connect() as conn:
        assert audit.count(conn) == before
        assert conn.scalar(text("SELECT count(*) FROM staff WHERE login = 'csm09'")) == 0
