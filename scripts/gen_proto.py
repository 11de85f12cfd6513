"""Generate the Python bindings of proto/radar/v1/*.proto into a folder.

Usage: python scripts/gen_proto.py OUT_DIR

OUT_DIR receives radar/v1/*_pb2.py and *_pb2.pyi (mypy-protobuf), plus the __init__.py files
that make them importable as ``<package>.radar.v1``. The test suite runs this into a temporary
folder and compares the result with the committed bindings.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"


def generate(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    protos = sorted(
        str(p.relative_to(PROTO_DIR)) for p in (PROTO_DIR / "radar" / "v1").glob("*.proto")
    )
    include = str(Path(protoc.__file__).parent / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--plugin=protoc-gen-mypy={Path(sys.executable).parent / 'protoc-gen-mypy'}",
        f"--mypy_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for pkg in (out_dir / "radar", out_dir / "radar" / "v1"):
        (pkg / "__init__.py").write_text('"""Generated from proto/ by scripts/gen_proto.py."""\n')
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for path in generate(Path(sys.argv[1])):
        print(path)
