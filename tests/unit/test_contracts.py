"""The committed Python bindings must be exactly what proto/ generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "services/common/src/radar_common/contracts"


def test_bindings_match_the_proto_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_proto.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    generated = {
        p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    committed = {
        p.relative_to(COMMITTED): p.read_bytes()
        for p in (COMMITTED / "radar").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(generated) == sorted(committed), "run `make proto`"
    stale = [str(name) for name, data in generated.items() if committed[name] != data]
    assert not stale, f"bindings differ from proto/ (run `make proto`): {stale}"


def test_every_message_carries_trace_and_task_ids() -> None:
    from radar_common import contracts

    for name in (
        "RawEvent",
        "NormalizedNotice",
        "Assessment",
        "NotificationResult",
        "TaskProgress",
    ):
        fields = getattr(contracts, name).DESCRIPTOR.fields_by_name
        assert "trace_id" in fields, name
        assert "task_id" in fields, name
