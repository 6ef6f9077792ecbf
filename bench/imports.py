"""The import rate: a clients file and a daily-balances file through the whole pipeline, on SQLite.

A run imports, as the admin of a fresh branch (an outlet, an admin and 20 CSMs), the clients file and then the
balances file, exactly as ``csm import`` does: read and decode the file row by row, map the headers, validate every
row with the domain's types, sort the balances by client on a disk stage, compare with the database, write in batches,
audit, commit. The balances file holds ``days`` consecutive days for every client (the default, 182 days ending on
the demo's data date: 18.2 million rows for 100,000 clients), one row per client per day, the way the bank's daily
extract is concatenated.

The figure is the overall rate of one run: all rows of both files over the wall time of both imports (one run is
minutes long). Its spread is the rates of the run's parts: the clients file, and each twentieth of the balances
import (read off its progress, as the app's progress bar shows it); the overall rate is always between them. The
files are generated once, deterministic, and kept in the bench cache by seed, clients and days.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import resource
import time
from pathlib import Path

from stdnum.cn import ric

from bench.desk import FROZEN_AT
from bench.figures import IMPORT_RATE, Measured
from bench.plan import Bench
from bench.stats import Samples
from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Grade, Role
from csm_tui.domain.models import NewOutlet, NewStaff
from csm_tui.policy import Policy
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import STEPS, import_file
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

CSMS = 20
PARTS = 20  # of the balances import, each giving a rate to the spread
LAST_DAY = dt.date(2026, 11, 25)  # the demo's data date (T+2 of the frozen clock)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红"


def import_files(cache: Path, clients: int, days: int, seed: int = 1) -> tuple[Path, Path]:
    """The two files of ``write_files``, from the cache when they were written before."""
    folder = cache / f"import-{seed}-{clients}x{days}"
    done = folder / "complete"
    if not done.exists():
        write_files(folder, clients, days, seed)
        done.touch()
    return folder / f"clients-{clients}.csv", folder / f"balances-{clients}x{days}.csv"


def write_files(folder: Path, clients: int, days: int, seed: int = 1) -> tuple[Path, Path]:
    """A clients file (UTF-8, Chinese headers) and a balances file (GBK, as Chinese Excel writes it)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    people = folder / f"clients-{clients}.csv"
    balances = folder / f"balances-{clients}x{days}.csv"
    with people.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["客户号", "姓名", "身份证号码", "手机号码", "客户经理"])
        for i in range(clients):
            born = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)
            body = f"310104{born:%Y%m%d}{i % 1000:03d}"
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            manager = f"csm{i % CSMS + 1:02d}" if i % 33 else ""  # a few not yet given a manager
            out.writerow([f"C{i:010d}", name, body + ric.calc_check_digit(body + "0"), f"138{i:08d}", manager])
    with balances.open("w", encoding="gbk", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["客户号", "日期", "余额"])
        level = [rng.lognormvariate(10, 1.5) for _ in range(clients)]
        for d in range(days):
            day = (LAST_DAY - dt.timedelta(days=days - 1 - d)).isoformat()
            for i in range(clients):
                if rng.random() < 0.3:
                    level[i] *= rng.uniform(0.9, 1.1)
                out.writerow([f"C{i:010d}", day, f"{level[i]:.2f}"])
    return people, balances


def _fresh_branch(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        outlet = tx.outlets.add(NewOutlet(code="SH001", name="徐汇营业部"))
        tx.staff.add(NewStaff(login="admin", name="管理员", role=Role.ADMIN, outlet_id=outlet.id))
        for n in range(1, CSMS + 1):
            tx.staff.add(
                NewStaff(login=f"csm{n:02d}", name=f"经理{n}", role=Role.CSM, grade=Grade.CSM, outlet_id=outlet.id)
            )
        tx.meta.set("is_demo", "1")
        tx.commit()
    engine.dispose()


def import_rate(bench: Bench) -> list[Measured]:
    plan = bench.plan
    people, balances = import_files(bench.cache, plan.import_clients, plan.import_days)
    path = bench.scratch / "import.db"
    url = f"sqlite:///{path}"
    _fresh_branch(url)
    engine = make_engine(url)
    ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "admin")
    steps: list[tuple[int, float]] = []
    started = time.perf_counter()
    first = import_file(ws, ImportKind.CLIENTS, people)
    middle = time.perf_counter()
    second = import_file(
        ws, ImportKind.BALANCES, balances, progress=lambda done, _total: steps.append((done, time.perf_counter()))
    )
    ended = time.perf_counter()
    engine.dispose()
    path.unlink()
    if first.rejected or second.rejected or first.new != first.rows or second.new != second.rows:
        raise RuntimeError(f"import refused rows: {first.rejected} clients, {second.rejected} balances")
    overall = (first.rows + second.rows) / (ended - started)
    detail = {
        "clients": plan.import_clients,
        "balance_days": plan.import_days,
        "balance_rows": second.rows,
        "rows": first.rows + second.rows,
        "seconds": round(ended - started, 1),
        "clients_rows_per_s": round(first.rows / (middle - started)),
        "balances_rows_per_s": round(second.rows / (ended - middle)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    parts = [first.rows / (middle - started), *_parts(steps, middle, second.rows)]
    return [Measured(IMPORT_RATE, Samples(tuple(parts), center=overall), detail)]


def _parts(steps: list[tuple[int, float]], started: float, rows: int) -> list[float]:
    """The rates an import went at, from its progress: rows over time between the first marks past each
    ``PARTS``-th of the bar (a part may span more than one when the progress comes coarse)."""
    rates: list[float] = []
    done_before, before, goal = 0, started, STEPS // PARTS
    for done, at in steps:
        if done >= goal and at > before:
            rates.append(rows * (done - done_before) / STEPS / (at - before))
            done_before, before, goal = done, at, (done // (STEPS // PARTS) + 1) * (STEPS // PARTS)
    return rates
