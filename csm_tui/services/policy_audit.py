"""Changes of the branch policy in the audit log: the policy is a TOML file read at each start, so a start whose
file differs from the last one recorded appends ``policy.changed`` with the file's SHA-256 and the keys whose
values changed (policy keys only, never client data). The last hash and values live in ``branch_meta``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from csm_tui.policy import Policy
from csm_tui.services.ports import UnitOfWorkFactory

HASH_KEY, VALUES_KEY = "policy_sha256", "policy_values"


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections as dotted keys: ``{"calls": {"daily_target": 3}}`` → ``{"calls.daily_target": 3}``."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def file_digest(path: Path | None) -> str:
    """SHA-256 of the policy file's bytes; the shipped defaults (no file) hash as an empty file."""
    return hashlib.sha256(path.read_bytes() if path is not None else b"").hexdigest()


def record_policy(uow: UnitOfWorkFactory, policy: Policy, path: Path | None) -> bool:
    """Append ``policy.changed`` when the policy file differs from the last one recorded; True if it did. The
    first record lists the keys set otherwise than the shipped defaults."""
    digest = file_digest(path)
    values = _flat(policy.model_dump(mode="json"))
    with uow(write=True) as tx:
        before = tx.meta.get(HASH_KEY)
        if before == digest:
            return False
        stored = tx.meta.get(VALUES_KEY)
        old = _flat(Policy().model_dump(mode="json")) if stored is None else json.loads(stored)
        changed = sorted(k for k in old.keys() | values.keys() if old.get(k) != values.get(k))
        tx.meta.set(HASH_KEY, digest)
        tx.meta.set(VALUES_KEY, json.dumps(values, ensure_ascii=False, sort_keys=True))
        tx.audit.record(
            "policy.changed", "policy", "", sha256=digest, previous_sha256=before, file=str(path or ""), changed=changed
        )
        tx.commit()
    return True
