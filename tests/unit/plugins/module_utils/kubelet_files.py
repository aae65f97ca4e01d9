# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node's files in memory for the reader/lister callables of the kubelet module_utils (one copy for all tests)."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.cri.runtimes.plugins.module_utils._kubelet_layout import NodeFiles

FIXTURES = Path(__file__).parent / "fixtures" / "kubelet"
SOCK = "unix:///run/containerd/containerd.sock"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


class FakeFiles:
    """Files by absolute path; directories are implied by the paths."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = dict(files)

    def read(self, path: str) -> str | None:
        return self.files.get(path)

    def listdir(self, directory: str) -> list[str]:
        """As os.listdir: the files and the subdirectories directly in ``directory``."""
        prefix = directory.rstrip("/") + "/"
        return sorted({p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)})

    def exists(self, path: str) -> bool:
        return path in self.files

    def node(self) -> NodeFiles:
        return NodeFiles(read=self.read, listdir=self.listdir, exists=self.exists, realpath=str)

    def write(self, texts: dict[str, str]) -> None:
        self.files.update(texts)
