# Copyright: (c) 2026, cri.runtimes developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: set one runtime handler with eight keys in containerd's config, four ways.

Not a test (no timing is asserted anywhere); run with ``make bench``. Every
approach starts from a fresh copy of the real ``containerd config default``
output and runs as one ``ansible-playbook`` on localhost, on this machine, in
this one run; each is repeated and the median wall time is reported, with the
ratio of each baseline to ``cri.runtimes.containerd_config``. Every result is
checked with the real ``containerd config dump`` (the handler must be loaded)
and for what it kept of the original file (comments).

Baselines are what operators do today (``community.general.toml_file`` does not
exist in community.general 13.5.0, the version the ``ansible`` package ships):

* ``lineinfile``: one task per line (two table headers, eight keys);
* ``copy``: the whole file rendered elsewhere and copied over (the template approach);
* ``slurp`` + ``from_toml`` + ``combine`` + ``to_toml`` + ``copy``: a parse/merge/dump
  round trip, which loses comments and layout.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from pathlib import Path

CRI = "io.containerd.grpc.v1.cri"
RT = f'plugins."{CRI}".containerd.runtimes.crun'
# the one handler every approach sets: its keys and its options (runc's, for crun)
HANDLER: dict[str, object] = {
    "runtime_type": "io.containerd.runc.v2",
    "privileged_without_host_devices": True,
    "pod_annotations": ["io.example.crun/*"],
    "container_annotations": ["io.example.crun/c"],
}
HANDLER_OPTIONS: dict[str, object] = {
    "BinaryName": "/usr/bin/crun",
    "SystemdCgroup": True,
    "Root": "/run/crun-root",
    "NoNewKeyring": True,
}
# the same values as TOML literals (strings, booleans and string arrays are spelt as in JSON)
KEYS = {k: json.dumps(v) for k, v in HANDLER.items()}
OPTIONS = {k: json.dumps(v) for k, v in HANDLER_OPTIONS.items()}
# and as one YAML flow mapping (JSON is YAML), for the playbooks
HANDLER_YAML = json.dumps({**HANDLER, "options": HANDLER_OPTIONS})
COMMENT = "# site-local comment that must survive\n"


def playbook(tasks: str) -> str:
    return "---\n- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n" + textwrap.indent(
        textwrap.dedent(tasks), "    "
    )


def ours(cfg: Path) -> str:
    return playbook(f"""\
        - name: Set the crun handler
          cri.runtimes.containerd_config:
            path: {cfg}
            runtimes:
              - {json.dumps({"name": "crun", **HANDLER, "options": HANDLER_OPTIONS})}
        """)


def lineinfile(cfg: Path) -> str:
    tasks = [
        f"""\
        - name: Header of the crun table
          ansible.builtin.lineinfile:
            path: {cfg}
            line: '[{RT}]'
        """
    ]
    for key, value in KEYS.items():
        tasks.append(f"""\
        - name: crun {key}
          ansible.builtin.lineinfile:
            path: {cfg}
            regexp: '^{key} = '
            line: '{key} = {value}'
            insertafter: '^\\[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun\\]$'
        """)
    tasks.append(f"""\
        - name: Header of the crun options table
          ansible.builtin.lineinfile:
            path: {cfg}
            line: '[{RT}.options]'
        """)
    for key, value in OPTIONS.items():
        tasks.append(f"""\
        - name: crun option {key}
          ansible.builtin.lineinfile:
            path: {cfg}
            regexp: '^{key} = '
            line: '{key} = {value}'
            insertafter: '^\\[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options\\]$'
        """)
    return playbook("".join(textwrap.dedent(t) for t in tasks))


def copy_whole(cfg: Path, rendered: Path) -> str:
    return playbook(f"""\
        - name: Overwrite the whole file (template approach)
          ansible.builtin.copy:
            src: {rendered}
            dest: {cfg}
            mode: "0644"
        """)


def roundtrip(cfg: Path) -> str:
    return playbook(f"""\
        - name: Read the config
          ansible.builtin.slurp:
            src: {cfg}
          register: current
        - name: Merge and write it back
          ansible.builtin.copy:
            dest: {cfg}
            mode: "0644"
            content: >-
              {{{{ current.content | b64decode | community.general.from_toml
                 | combine(fragment, recursive=True) | community.general.to_toml }}}}
          vars:
            fragment:
              plugins:
                "{CRI}":
                  containerd:
                    runtimes:
                      crun: {HANDLER_YAML}
        """)


def check(cfg: Path) -> dict[str, object]:
    dump = subprocess.run(
        ["containerd", "--config", str(cfg), "config", "dump"], capture_output=True, text=True, check=False
    )
    ok = False
    if dump.returncode == 0:
        crun = tomllib.loads(dump.stdout)["plugins"][CRI]["containerd"]["runtimes"].get("crun", {})
        ok = crun.get("options", {}).get("BinaryName") == "/usr/bin/crun" and crun.get(
            "privileged_without_host_devices"
        )
    return {"handler_loaded": bool(ok), "comment_kept": COMMENT.strip() in cfg.read_text()}


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    reps = int(os.environ.get("BENCH_REPS", "5"))
    work = Path(tempfile.mkdtemp(prefix="cri-bench."))
    try:
        coll = work / "collections" / "ansible_collections" / "cri"
        coll.mkdir(parents=True)
        (coll / "runtimes").symlink_to(root)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_NOCOLOR="1")
        default = subprocess.run(["containerd", "config", "default"], capture_output=True, text=True, check=True).stdout
        base = COMMENT + default
        # what the template approach writes: the site's whole file with the handler in it
        rendered = work / "rendered.toml"
        block = f"\n[{RT}]\n" + "".join(f"  {k} = {v}\n" for k, v in KEYS.items())
        block += f"\n[{RT}.options]\n" + "".join(f"  {k} = {v}\n" for k, v in OPTIONS.items())
        rendered.write_text(base + block)
        approaches = {
            "cri.runtimes.containerd_config (1 task)": ours,
            "lineinfile (10 tasks: 2 headers + 8 keys)": lineinfile,
            "copy of the whole file (template approach, 1 task)": lambda cfg: copy_whole(cfg, rendered),
            "slurp + from_toml + combine + to_toml + copy (2 tasks)": roundtrip,
        }
        results: dict[str, dict[str, object]] = {}
        for name, make in approaches.items():
            times = []
            for i in range(reps):
                cfg = work / f"config-{len(results)}-{i}.toml"
                cfg.write_text(base)
                pb = work / "play.yml"
                pb.write_text(make(cfg))
                start = time.perf_counter()
                run = subprocess.run(
                    [
                        str(Path(sys.executable).parent / "ansible-playbook"),
                        "-i",
                        "localhost,",
                        "-e",
                        f"ansible_python_interpreter={sys.executable}",
                        str(pb),
                    ],
                    check=False,
                    capture_output=True,
                    text=True,
                    env=env,
                )
                times.append(time.perf_counter() - start)
                if run.returncode != 0:
                    print(run.stdout[-3000:], run.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"{name}: ansible-playbook failed")
            results[name] = {"median_s": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times]}
            results[name].update(check(cfg))
        ref = results["cri.runtimes.containerd_config (1 task)"]["median_s"]
        for res in results.values():
            res["ratio_to_ours"] = round(float(res["median_s"]) / float(ref), 2)  # type: ignore[arg-type]
        print(json.dumps({"reps": reps, "python": sys.version.split()[0], "results": results}, indent=2))
        print()
        print(f"| approach | median wall time (s, {reps} runs) | time / ours | handler loaded | comment kept |")
        print("|---|---|---|---|---|")
        for name, res in results.items():
            print(
                f"| {name} | {res['median_s']} | {res['ratio_to_ours']} | "
                f"{'yes' if res['handler_loaded'] else 'NO'} | {'yes' if res['comment_kept'] else 'NO'} |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
