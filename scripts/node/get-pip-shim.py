"""Offline stand-in for the get-pip bootstrap script ansible-test downloads.

ansible-test fetches ``get-pip-<version>.py`` from a host this machine cannot
reach, then runs it with pip install arguments. This file is written to the
cache path ansible-test looks at first. It bootstraps pip from the interpreter's
own ensurepip (in a subprocess, so the machine's pip configuration stays in
force) and then runs pip with the same arguments.
"""

from __future__ import annotations

import subprocess
import sys

DROPPED = {"--no-setuptools", "--no-wheel"}


def main() -> int:
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
    args = [a for a in sys.argv[1:] if a not in DROPPED]
    return subprocess.run([sys.executable, "-m", "pip", "install", *args], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
