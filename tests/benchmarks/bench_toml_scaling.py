# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: does containerd_config's merge cost grow linearly with the size of the file?

Not a test (no timing is asserted anywhere); run with ``make bench``. For
containerd configs of 1, 2, 4 and 8 MB (``containerd config default`` shaped:
indented headers, quoted plugin ids, comments, many runtime handlers with
options), it times ``_containerd_config.plan``, the whole read-parse-merge-check
a module run does before it writes, for four operations:

* a no-op (the handler is already there, exactly so);
* adding a handler with options;
* removing one handler from the middle of the file;
* removing the whole ``runtimes`` table (thousands of sub-tables in one edit).

It prints seconds and seconds per MB for each size, and the ratio of the time
per MB at the largest size to that at 1 MB: about 1 means linear; 8 would mean
quadratic. ``BENCH_SIZES=1,8`` and ``BENCH_REPS=N`` change the sizes and the
repetitions (the best of N is reported). Times are CPU seconds of this process
(``time.process_time``), not wall time: the machines this runs on are shared, and
another job's load would otherwise decide the ratio.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CRI = "io.containerd.grpc.v1.cri"
RUNTIMES = ("plugins", CRI, "containerd", "runtimes")
MB = 1_000_000


def _import_collection(work: Path) -> Any:
    tree = work / "ansible_collections" / "cri"
    tree.mkdir(parents=True)
    (tree / "runtimes").symlink_to(ROOT)
    sys.path.insert(0, str(tree.parents[1]))
    from ansible_collections.cri.runtimes.plugins.module_utils import _containerd_config

    return _containerd_config


def config(size: int) -> str:
    """A version 2 config of at least ``size`` bytes, laid out as containerd writes it."""
    head = (
        '# site config, managed by several tools\nversion = 2\nroot = "/var/lib/containerd"\n\n'
        f'[plugins]\n  [plugins."{CRI}"]\n    sandbox_image = "registry.k8s.io/pause:3.9"\n'
        f'    [plugins."{CRI}".containerd]\n      default_runtime_name = "runc"\n'
    )
    parts = [head]
    total = len(head)
    i = 0
    while total < size:
        name = "runc" if i == 0 else f"handler-{i:06d}"
        part = (
            f"\n      # {name}: added by the installer of {name}\n"
            f'      [plugins."{CRI}".containerd.runtimes.{name}]\n'
            f'        runtime_type = "io.containerd.runc.v2"\n'
            f'        pod_annotations = ["io.example/{name}", "io.kubernetes.cri.*"]\n'
            f"        privileged_without_host_devices = false\n"
            f'        [plugins."{CRI}".containerd.runtimes.{name}.options]\n'
            f'          BinaryName = "/usr/local/bin/{name}"\n'
            f"          SystemdCgroup = true\n"
        )
        parts.append(part)
        total += len(part)
        i += 1
    parts.append('\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n')
    return "".join(parts)


def params(path: str, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": path,
        "dropin": None,
        "version": None,
        "fragment": {},
        "merge_arrays": False,
        "runtimes": [],
        "cri": {},
        "remove": [],
        "create": True,
    }
    out.update(kw)
    return out


def handler(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "state": "present",
        "runtime_type": "io.containerd.runc.v2",
        "options": {"BinaryName": "/usr/local/bin/runc", "SystemdCgroup": True},
        "pod_annotations": ["io.example/runc", "io.kubernetes.cri.*"],
        "privileged_without_host_devices": False,
        "default": False,
    }


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="cri-bench-scaling."))
    try:
        return _run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> int:
    C = _import_collection(work)
    sizes = [float(s) for s in os.environ.get("BENCH_SIZES", "1,2,4,8").split(",")]
    reps = int(os.environ.get("BENCH_REPS", "3"))
    ops: dict[str, Callable[[str], dict[str, Any]]] = {
        "no-op (handler already there)": lambda p: params(p, runtimes=[handler("runc")]),
        "add a handler with options": lambda p: params(p, runtimes=[handler("crun")]),
        "remove one handler": lambda p: params(p, remove=[[*RUNTIMES, "handler-000100"]]),
        "remove the whole runtimes table": lambda p: params(p, remove=[list(RUNTIMES)]),
    }
    rows: dict[str, dict[float, float]] = {op: {} for op in ops}
    files = {}
    for size in sizes:
        path = work / f"config-{size}mb.toml"
        path.write_text(config(int(size * MB)))
        files[size] = (str(path), path.stat().st_size / MB)
        for op, make in ops.items():
            assert C.plan(make(str(path)), (1, 7, 0)).writes, op
    # repetitions interleave the sizes, so that a busy moment of the machine does not favour one size
    for rep in range(reps):
        for size in sizes:
            path, real = files[size]
            for op, make in ops.items():
                start = time.process_time()
                C.plan(make(path), (1, 7, 0))
                per_mb = (time.process_time() - start) / real
                rows[op][size] = min(per_mb, rows[op].get(size, per_mb))
        print(f"repetition {rep + 1}/{reps} done", file=sys.stderr)
    first, last = sizes[0], sizes[-1]
    print(f"| operation | {' | '.join(f'CPU s/MB at {s:g} MB' for s in sizes)} | ratio {last:g} MB / {first:g} MB |")
    print(f"|---|{'---|' * len(sizes)}---|")
    ratios = {}
    for op, per in rows.items():
        ratios[op] = per[last] / per[first]
        print(f"| {op} | {' | '.join(f'{per[s]:.3f}' for s in sizes)} | {ratios[op]:.2f} |")
    print()
    print(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "reps": reps,
                "seconds_per_mb": {op: {f"{s:g}": round(v, 4) for s, v in per.items()} for op, per in rows.items()},
                "ratio_time_per_mb_largest_to_smallest": {op: round(r, 2) for op, r in ratios.items()},
            },
            indent=2,
        )
    )
    print(f"\ntime per MB, {last:g} MB file / {first:g} MB file: worst ratio {max(ratios.values()):.2f} (1 = linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
