#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Host faults: the emulated host fails or lies (fault=, emulated-host/),
and QEMU must say so and exit cleanly, or carry on where the fault only
costs a feature, never abort, hang or read past what the host filled.

Each fault runs on both host ABIs: the coherent-memory region, and the
fake BAR4 of Linux's nvgrace-gpu (abi=bar), where "the memory's region"
is BAR4.

Usage: host_fault_test.py BUILD [unittest options]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Host, Qmp, gpu, machine, run_failing  # noqa: E402

BUILD = None
ABIS = {"region": "host=0009:01:00.0,mem=2G",
        "bar": "host=0009:01:00.0,mem=2G,abi=bar"}
# A region that cannot be read, or whose type capability is malformed, is
# not the coherent-memory region.
NO_REGION = (r"host offers no coherent-memory region \(device-specific "
             r"region type 0x4 subtype 1\)")

# fault: {abi: pattern of the one error line}; QEMU must exit with 1.
REFUSED = {
    "group-status": {
        abi: r"vfio 0009:01:00.0: failed to get group 100 status: "
             r"Input/output error" for abi in ABIS},
    "group-not-viable": {
        abi: r"vfio 0009:01:00.0: group 100 is not viable" for abi in ABIS},
    "set-iommu": {
        abi: r"failed to setup container for group 100: Failed to set iommu "
             r"for container: Operation not permitted" for abi in ABIS},
    "device-fd": {
        abi: r"error getting device from group 100: Device or resource busy"
        for abi in ABIS},
    "device-info": {
        abi: r"error getting device info: Input/output error"
        for abi in ABIS},
    "config-read": {
        "region": r"failed to read device config space: Input/output error",
        # BAR4 is the memory only on the GPUs of nvgrace-gpu's table
        "bar": NO_REGION + r" and cannot read the device's PCI ids: "
               r"Input/output error"},
    "dma-map": {
        abi: r"memory listener initialization failed: Region m0: "
             r"vfio_container_dma_map\(.*\) = -12 \(Cannot allocate memory\)"
        for abi in ABIS},
    "region-info": {
        "region": NO_REGION + " and host offers no BAR4",
        "bar": r"failed to get region 4 info: Input/output error"},
    "argsz-grow": {
        "region": NO_REGION + " and host offers no BAR4",
        "bar": r"failed to get region 4 info: Invalid argument"},
    "cap-loop": {
        "region": NO_REGION + " and host offers no BAR4",
        "bar": NO_REGION + " and BAR4 has no sparse-mmap "
               "capability, so it is not nvgrace-gpu's GPU memory"},
    "cap-oob": {
        "region": NO_REGION + " and host offers no BAR4",
        "bar": NO_REGION + " and BAR4 has no sparse-mmap "
               "capability, so it is not nvgrace-gpu's GPU memory"},
    "cap-truncated": {
        "region": NO_REGION + " and host offers no BAR4",
        "bar": NO_REGION + " and BAR4's sparse-mmap capability is "
               "cut short by the end of the region info"},
    "region-size-zero": {
        "region": r"coherent-memory region size 0x0 is not a non-zero "
                  r"multiple of the host page size",
        "bar": NO_REGION + " and host offers no BAR4"},
    "region-unaligned": {
        "region": r"coherent-memory region size 0x7ffff800 is not a "
                  r"non-zero multiple of the host page size",
        "bar": r"BAR4's GPU memory size 0x40000000 is not a non-zero "
               r"multiple of the host page size within the BAR"},
    "region-no-mmap": {
        "region": r"coherent-memory region 9 cannot be mmapped",
        "bar": r"coherent-memory region 4 cannot be mmapped"},
    # The memory is guest RAM: a hole in what can be mmapped would be RAM
    # that faults.  (BAR4's one area is checked by its own parser.)
    "region-sparse": {
        "region": r"coherent-memory region 9 can be mmapped only in part "
                  r"\(its sparse-mmap capability has 2 areas, not one over "
                  r"all of it\)"},
    "mmap": {
        "region": r"cannot mmap coherent-memory region 9 \(0x80000000 "
                  r"bytes\): Cannot allocate memory",
        "bar": r"cannot mmap coherent-memory region 4 \(0x40000000 "
               r"bytes\): Cannot allocate memory"},
    # The GPU memory is guest RAM: other devices DMA into it, so a
    # container that cannot map it (as iommufd cannot map a PFNMAP by
    # address) must stop the device, not leave their DMA to fault.
    "dma-map-memory": {
        abi: r"vfio 0009:01:00.0: other devices cannot DMA into the "
             r"coherent memory: Region 0009:01:00.0 coherent-mem: "
             r"vfio_container_dma_map\(.*\) = -14 \(Bad address\)"
        for abi in ABIS},
}


class Refused(unittest.TestCase):
    def check(self, fault, abi, pattern):
        host = Host(BUILD)
        try:
            failure = run_failing(host, machine() + gpu(),
                                  ABIS[abi] + ",fault=" + fault)
        finally:
            host.close()
        print(failure.stderr.rstrip())
        self.assertEqual(failure.returncode, 1, failure.describe())
        self.assertEqual(len(failure.errors), 1, failure.describe())
        self.assertRegex(failure.errors[0], pattern)


class Tolerated(unittest.TestCase):
    """Faults that cost a feature, not the VM: QEMU says so and runs."""

    def start(self, fault, abi):
        self.host = Host(BUILD, ABIS[abi] + ",fault=" + fault)
        self.addCleanup(self.host.close)
        self.qmp = Qmp(self.host, machine() + gpu(id="gpu0"))
        self.addCleanup(self.qmp.stop)

    def assert_runs_with_gpu(self):
        self.assertEqual(self.qmp.ok("query-status")["status"], "prelaunch")
        devices = self.qmp.ok("query-memory-devices")
        self.assertEqual([d["data"]["id"] for d in devices], ["gpu0"])

    def quit(self):
        self.assertEqual(self.qmp.quit(), 0)
        return self.qmp.read_stderr()

    def reset(self, abi):
        self.start("reset", abi)
        self.qmp.ok("system_reset")
        self.assert_runs_with_gpu()
        self.assertEqual(self.host.stats()["0009:01:00.0.resets"], 0)
        self.assertIn("vfio: Cannot reset device 0009:01:00.0, no available "
                      "reset mechanism.", self.quit())

    def irq_info(self, abi):
        # vfio-pci carries on without the error and request notifiers.
        self.start("irq-info", abi)
        self.assert_runs_with_gpu()
        self.quit()


def add_cases():
    for fault, patterns in REFUSED.items():
        for abi, pattern in patterns.items():
            setattr(Refused, "test_%s_%s" % (fault.replace("-", "_"), abi),
                    lambda self, f=fault, a=abi, p=pattern:
                    self.check(f, a, p))
    for fault in ("reset", "irq_info"):
        for abi in ABIS:
            setattr(Tolerated, "test_%s_%s" % (fault, abi),
                    lambda self, f=fault, a=abi: getattr(self, f)(a))


add_cases()

if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
