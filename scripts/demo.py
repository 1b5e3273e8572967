#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Start QEMU with vfio-pci-nvgrace on the emulated GH200 host and show
where the GPU's coherent memory landed in guest physical space."""

import json
import os
import subprocess
import sys
import tempfile

build = sys.argv[1]
gpu = "0009:01:00.0"
size_gib = 96

with tempfile.TemporaryDirectory(prefix="nvgrace-demo-") as tmp:
    backing = os.path.join(tmp, "gpu0-coherent-mem")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["NVGRACE_HOST_LIB"] = os.path.join(
        build, "emulated-host", "libnvgrace-host.so")
    cmd = [os.path.join(repo, "emulated-host", "nvgrace-host"),
           "host=%s,model=gh200,mem=%dG,backing=%s" % (gpu, size_gib, backing),
           os.path.join(build, "qemu-system-aarch64"),
           "-machine", "virt", "-cpu", "max", "-nodefaults", "-display", "none",
           "-m", "2G,maxmem=%dG" % (2 + size_gib + 2), "-S", "-smp", "2",
           "-object", "memory-backend-ram,id=ram0,size=2G",
           "-numa", "node,nodeid=0,cpus=0-1,memdev=ram0"]
    for node in range(1, 9):            # the GPU's memory-only nodes
        cmd += ["-numa", "node,nodeid=%d" % node]
    cmd += ["-device", "pcie-root-port,id=rp0,chassis=1",
            "-device", "vfio-pci-nvgrace,host=%s,id=gpu0,bus=rp0,node=1" % gpu,
            "-qmp", "stdio"]
    print("$ " + " ".join(cmd[2:]))
    print("  (on an emulated GH200 host: %s)\n" % " ".join(cmd[:2]))
    qemu = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)

    def qmp(command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        qemu.stdin.write(json.dumps(msg) + "\n")
        qemu.stdin.flush()
        while True:
            line = qemu.stdout.readline()
            if not line:
                sys.exit("demo: QEMU exited (see its message above)")
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                return reply.get("return", reply.get("error"))

    qemu.stdout.readline()              # greeting
    qmp("qmp_capabilities")
    for dev in qmp("query-memory-devices"):
        d = dev["data"]
        end = d["memaddr"] + d["size"] - 1
        print("GPU %s (%s): %d GiB of coherent memory" %
              (d["host"], d.get("id", ""), d["size"] >> 30))
        print("  guest physical 0x%x-0x%x, as RAM (not a BAR)" %
              (d["memaddr"], end))
        print("  NUMA nodes %d-%d (memory on node %d), onlined: %s" %
              (d["node"], d["node"] + d["node-count"] - 1, d["node"],
               d["online"]))
    mtree = qmp("human-monitor-command", **{"command-line": "info mtree -f"})
    print("\ninfo mtree -f, the CPUs' view (RAM only):")
    system = next(v for v in mtree.split("FlatView #") if 'AS "memory"' in v)
    for line in system.splitlines():
        if ", ram)" in line:
            print(line)
    qmp("quit")
    qemu.wait()
    used = os.stat(backing).st_blocks * 512
    print("\nHost backing file: %d GiB sparse, %d KiB actually allocated" %
          (size_gib, used >> 10))
