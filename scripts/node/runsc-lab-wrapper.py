# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LAB ONLY: let Debian's runsc (no containerd shim) run under containerd's runc shim here.

Installed as the runc shim's ``BinaryName`` for the gVisor handler in the Molecule
scenarios and the lab; it is not part of any role's defaults. It calls the real
runsc (``RUNSC`` below) with three adjustments that these test machines need:

1. ``--network=host``: this runsc misjudges the root network namespace on kernel 6.x;
2. on ``create``, drop the ``io.kubernetes.cri.container-type`` annotation from the
   bundle's ``config.json`` (with it, runsc expects the sandbox/container pairing of
   its own shim and the runc shim hangs in Start);
3. on ``kill``/``delete``, report runsc's "sandbox is not running" as "container not
   running", the phrase the runc shim treats as "already gone" (pod deletion loops
   otherwise).

Every container then runs as its own gVisor sandbox in the pod's network namespace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

RUNSC = os.environ.get("CRI_LAB_RUNSC", "/usr/bin/runsc")
VALUE_FLAGS = {"root", "log", "log-format", "debug-log", "platform", "network", "panic-log", "coverage-report"}
ANNOTATION = "io.kubernetes.cri.container-type"


def split_args(args: list[str]) -> tuple[dict[str, str], int]:
    """Global flags (name -> value) and the index of the subcommand."""
    flags: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            return flags, i
        name, eq, value = arg.lstrip("-").partition("=")
        if not eq and name in VALUE_FLAGS and i + 1 < len(args):
            value = args[i + 1]
            i += 1
        flags[name] = value
        i += 1
    return flags, len(args)


def drop_annotation(sub_args: list[str]) -> None:
    bundle = "."
    for i, arg in enumerate(sub_args):
        name, eq, value = arg.lstrip("-").partition("=")
        if name in ("bundle", "b"):
            bundle = value if eq else (sub_args[i + 1] if i + 1 < len(sub_args) else ".")
    path = os.path.join(bundle, "config.json")
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    if ANNOTATION in spec.get("annotations", {}):
        del spec["annotations"][ANNOTATION]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(spec, f)


def main(argv: list[str]) -> int:
    flags, sub = split_args(argv)
    command = argv[sub] if sub < len(argv) else ""
    args = [RUNSC, "--network=host", *argv]
    if command == "create":
        drop_annotation(argv[sub + 1 :])
    if command not in ("kill", "delete"):
        os.execv(RUNSC, args)
    proc = subprocess.run(args, stderr=subprocess.PIPE, text=True, check=False)
    message = proc.stderr
    if proc.returncode != 0 and "sandbox is not running" in message:
        message += "\ncontainer not running\n"
        if flags.get("log"):
            with open(flags["log"], "a", encoding="utf-8") as log:
                log.write(json.dumps({"level": "error", "msg": "container not running"}) + "\n")
    sys.stderr.write(message)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
