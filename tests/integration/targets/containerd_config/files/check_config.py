# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report what the REAL containerd makes of a config, as JSON, for the integration tasks.

usage: check_config.py CONFIG [ORIGINAL]
  handlers / sandbox_image / runtimes: from `containerd --config CONFIG config dump`
  missing: keys of ORIGINAL (a copy of the file before the module ran) whose value
           is not in CONFIG any more (parsed TOML, so formatting does not matter)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib


def leaves(data, prefix=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*prefix, key))
    else:
        yield prefix, data


def get(data, path):
    for part in path:
        data = data[part]
    return data


def main() -> None:
    config = sys.argv[1]
    dump = subprocess.run(
        ["containerd", "--config", config, "config", "dump"], capture_output=True, text=True, check=True
    ).stdout
    eff = tomllib.loads(dump)
    cri = eff["plugins"]["io.containerd.grpc.v1.cri"]
    out = {
        "handlers": sorted(cri["containerd"]["runtimes"]),
        "default_runtime_name": cri["containerd"]["default_runtime_name"],
        "sandbox_image": cri["sandbox_image"],
        "runtimes": cri["containerd"]["runtimes"],
        "missing": [],
    }
    if len(sys.argv) > 2:
        with open(sys.argv[1], "rb") as fh:
            now = tomllib.load(fh)
        with open(sys.argv[2], "rb") as fh:
            before = tomllib.load(fh)
        for path, value in leaves(before):
            try:
                if get(now, path) != value:
                    out["missing"].append(".".join(path))
            except (KeyError, TypeError):
                out["missing"].append(".".join(path))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
