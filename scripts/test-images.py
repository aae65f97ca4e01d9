# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a local OCI image archive for CRI tests, without any registry.

    python3 scripts/test-images.py OUT.tar [--busybox /bin/busybox]

The archive holds two images that share one layer (a statically linked busybox
and the usual directories), importable with ``ctr -n k8s.io images import OUT.tar``:

- ``localhost/cri-runtimes/busybox:test``: a shell for test containers;
- ``localhost/cri-runtimes/pause:test``: a sandbox ("pause") image whose entrypoint
  sleeps until it gets SIGTERM/SIGINT and then exits 0, so a CRI ``sandbox_image``
  can name an image that exists on the node.

Output is byte-for-byte reproducible for the same busybox binary (fixed times,
sorted entries, no compression), so re-importing it changes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

BUSYBOX_IMAGE = "localhost/cri-runtimes/busybox:test"
PAUSE_IMAGE = "localhost/cri-runtimes/pause:test"
APPLETS = ("sh", "sleep", "cat", "echo", "uname", "dmesg", "ls", "head", "ps", "id", "true", "mount")
DIRS = ("bin", "dev", "etc", "proc", "sys", "tmp", "var", "run")
PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"
MTIME = 0


def _info(name: str, kind: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.linkname = link
    info.mtime = MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def layer_tar(busybox: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in DIRS:
            tar.addfile(_info(d, tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755))
        tar.addfile(_info("bin/busybox", tarfile.REGTYPE, 0o755, len(busybox)), io.BytesIO(busybox))
        for applet in APPLETS:
            tar.addfile(_info(f"bin/{applet}", tarfile.SYMTYPE, 0o777, link="busybox"))
        passwd = b"root:x:0:0:root:/:/bin/sh\n"
        tar.addfile(_info("etc/passwd", tarfile.REGTYPE, 0o644, len(passwd)), io.BytesIO(passwd))
    return buf.getvalue()


def _blob(data: bytes) -> tuple[str, bytes]:
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def _json(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


Blobs = list[tuple[str, bytes]]


def image(
    layer_digest: str, diff_id: str, layer_size: int, config: dict[str, object]
) -> tuple[Blobs, dict[str, object]]:
    cfg = _json(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created_by": "cri.runtimes scripts/test-images.py"}],
        }
    )
    cfg_digest = _blob(cfg)[0]
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": len(cfg)},
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}
            ],
        }
    )
    man_digest = _blob(manifest)[0]
    descriptor: dict[str, object] = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": man_digest,
        "size": len(manifest),
        "platform": {"architecture": "amd64", "os": "linux"},
    }
    return [(cfg_digest, cfg), (man_digest, manifest)], descriptor


def build(busybox: bytes) -> bytes:
    layer = layer_tar(busybox)
    layer_digest = _blob(layer)[0]
    blobs: dict[str, bytes] = {layer_digest: layer}
    manifests = []
    env = ["PATH=/bin"]
    for name, config in (
        (BUSYBOX_IMAGE, {"Env": env, "Cmd": ["/bin/sh"]}),
        (PAUSE_IMAGE, {"Env": env, "Entrypoint": ["/bin/sh", "-c", PAUSE_SCRIPT]}),
    ):
        parts, desc = image(layer_digest, layer_digest, len(layer), config)
        blobs.update(parts)
        desc["annotations"] = {
            "io.containerd.image.name": name,
            "org.opencontainers.image.ref.name": name.rsplit(":", maxsplit=1)[-1],
        }
        manifests.append(desc)
    index = _json({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests})
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        files = [("oci-layout", _json({"imageLayoutVersion": "1.0.0"})), ("index.json", index)]
        files += [(f"blobs/sha256/{d.split(':', 1)[1]}", data) for d, data in sorted(blobs.items())]
        for d in ("blobs", "blobs/sha256"):
            tar.addfile(_info(d, tarfile.DIRTYPE, 0o755))
        for name, data in files:
            tar.addfile(_info(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
    return out.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", help="archive to write (replaced only when its bytes change)")
    parser.add_argument("--busybox", default="/bin/busybox", help="a static busybox (Debian: busybox-static)")
    args = parser.parse_args(argv)
    with open(args.busybox, "rb") as f:
        busybox = f.read()
    if busybox[:4] != b"\x7fELF":
        print(f"{args.busybox}: not an ELF binary", file=sys.stderr)
        return 1
    data = build(busybox)
    try:
        with open(args.out, "rb") as f:
            if f.read() == data:
                print(args.out)
                return 0
    except FileNotFoundError:
        pass
    tmp = args.out + ".partial"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
