#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfio-pci-nvgrace on the real Linux 7.3 nvgrace-gpu: this project's QEMU,
built for arm64, runs in the nested host (L1) with the GPU that L1's stock
nvgrace-gpu drives, and its monitor reads the GPU memory it maps as guest
RAM before the guest runs and after system resets.

device_test.py BUILD [TEST...].  Linux 7.3 maps that memory only while the
GPU's COMMAND.MEMORY is set, and QEMU's vfio-pci writes COMMAND = 0 at
every reset, the one at start-up included: the device holds the bit on
the host (vfio_pci_hold_host_config) so that the reads succeed.  Without
that, the first read dies with SIGBUS ("Bus error").
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nested  # noqa: E402

BUILD = None
GiB = 1 << 30
# Where the memory goes: the start of virt's device-memory area with 1 GiB
# of RAM.  L1's nvgrace-gpu shows 2 GiB of usemem: L0 gives L1 the 4 GiB
# GPU's usemem (3 GiB: the GH200 keeps 1 GiB of resmem) as the memory the
# _DSD describes, and L1's driver, seeing a GH200, keeps 1 GiB of that.
MEMADDR = 0x80000000
USEMEM = 2 * GiB
# Each system reset writes COMMAND = 0 and resets the GPU again.
RESETS = 3

# QMP on stdio: no echo to filter, one JSON reply per line.
L1_SCRIPT = nested.BIND_NVGRACE + r"""
echo "== qemu"
qemu-system-aarch64 -M virt -cpu max -nodefaults -display none -S \
    -m 1G,maxmem=8G -object memory-backend-ram,id=m0,size=1G \
    -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1 \
    -device pcie-root-port,id=rp1,chassis=1 \
    -device vfio-pci-nvgrace,host=$GPU,bus=rp1,id=gpu0,node=1,node-count=1,memaddr=0x%x \
    -trace vfio_pci_write_config -trace 'vfio_pci_reset*' \
    -qmp stdio <<EOF 2>&1 || echo "qemu: exit status $?"
{"execute": "qmp_capabilities"}
{"execute": "query-memory-devices"}
%s{"execute": "quit"}
EOF
echo "== end"
""" % (MEMADDR, ("""{"execute": "human-monitor-command",
 "arguments": {"command-line": "xp /2gx 0x%x"}}
""" % MEMADDR) + RESETS * ("""{"execute": "system_reset"}
{"execute": "human-monitor-command",
 "arguments": {"command-line": "xp /2gx 0x%x"}}
""" % MEMADDR))


def replies(text):
    """QMP's replies to the script's commands, in order."""
    result = []
    for line in text.splitlines():
        if line.startswith("{"):
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                result.append(msg)
    return result


class DeviceOnLinux73(unittest.TestCase):
    out = None

    @classmethod
    def setUpClass(cls):
        host = nested.NestedHost(BUILD)
        try:
            files = {}
            root = os.path.join(host.nested, "qemu-root")
            for top, _, names in os.walk(root):
                for name in names:
                    path = os.path.join(top, name)
                    with open(path, "rb") as f:
                        files[os.path.relpath(path, root)] = f.read()
            rc, out = host.run(L1_SCRIPT, files=files)
        finally:
            host.close()
        print("L1 (Linux 7.3, nested):\n" + out)
        if rc != 0:
            raise AssertionError("L1's test script failed (rc %d)" % rc)
        cls.out = out[out.index("== qemu"):]

    def test_realizes_on_nvgrace_gpu(self):
        """QEMU starts on L1's nvgrace-gpu and maps usemem at memaddr."""
        got = replies(self.out)
        self.assertGreaterEqual(len(got), 2, self.out)
        devices = got[1]["return"]
        self.assertEqual([d["type"] for d in devices], ["vfio-pci-nvgrace"])
        self.assertEqual(devices[0]["data"]["memaddr"], MEMADDR)
        self.assertEqual(devices[0]["data"]["size"], USEMEM)

    def test_start_up_reset_writes_command_zero(self):
        """What the device must withstand: before the guest runs, vfio-pci
        writes COMMAND = 0 to the GPU and resets it."""
        m = re.search(r"vfio_pci_write_config \(?[^\n]*@0x4, 0x0[, )]"
                      r".*\n.*vfio_pci_reset", self.out, re.S)
        self.assertIsNotNone(m, "no COMMAND = 0 then reset in:\n" + self.out)

    def test_reads_gpu_memory_before_the_guest_runs_and_after_resets(self):
        """The memory stays mapped: the device holds the host's decode on
        through QEMU's resets (on Linux 7.3 the first read dies with "Bus
        error" otherwise)."""
        self.assertNotIn("qemu: exit status", self.out)
        got = replies(self.out)
        # capabilities, memory devices, a read, then a reset and a read
        # each time, quit
        self.assertEqual(len(got), 4 + 2 * RESETS, self.out)
        reads = [got[2]] + [got[4 + 2 * i] for i in range(RESETS)]
        for reply in reads:
            self.assertRegex(reply["return"],
                             r"^%016x: 0x[0-9a-f]{16} 0x[0-9a-f]{16}" %
                             MEMADDR)


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
