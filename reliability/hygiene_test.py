#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Resource hygiene: QEMU with vfio-pci-nvgrace started and stopped 50
times, realize failing halfway 50 times, and 50 resets of one running
QEMU leave no file descriptor, mapping, file or emulated-host resource
behind.

Checked through /proc (what QEMU's descriptors point to and the mappings
of the device's files while it runs, this runner's descriptors and
children) and the emulated host's
counters, which it writes as they change, so the last ones are what QEMU
held when it exited.

Usage: hygiene_test.py BUILD [unittest options]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import (Host, Qmp, fd_targets, gpu, machine,  # noqa: E402
                  open_fds, owned_mappings, run_failing)

BUILD = None
RUNS = 50
GPU = "0009:01:00.0"
# The files whose mappings belong to the device and the emulated host: the
# GPU memory's backing file and the emulated BAR0.  The process's total
# number of mappings is not a measure: the allocator, and under ASan its
# shadow memory and bookkeeping, map and unmap regions of their own.
OWNED = ("gpu0.mem", "nvgrace-host")
# How long a QEMU may take to exit after quit (it has no guest running);
# an ASan build under a loaded machine takes a few seconds at most.
QUIT_TIMEOUT = 60

# Ways realize fails after the device has taken something: after vfio-pci
# has the device (the mmap of the memory fails), after the memory is mmapped
# (no room for it in the device-memory area, or not at 'memaddr'), after
# it is plugged (its DMA map fails).  QEMU
# then exits (error_fatal) without finalizing the device, so what vfio-pci
# holds (device, group, container, the DMA mapping of guest RAM, the
# mappings of its BARs) is left to the kernel.  So is the device's mapping
# of the memory: like vfio-pci's BAR mappings, it goes in instance_finalize,
# once nothing can reach the memory (docs/devel/memory.rst).  Its DMA
# mapping must already be given back.  The last field is how many mappings
# of the memory QEMU holds when it exits.
HALFWAY = [
    ("mmap fails", machine() + gpu(), ",fault=mmap",
     r"cannot mmap coherent-memory region 9", 0),
    ("no room", machine(maxmem="1536M") + gpu(), "",
     r"coherent memory do not fit in the machine's device memory", 1),
    ("memaddr in RAM", machine() + gpu(memaddr="0x40000000"), "",
     r"'memaddr' 0x40000000: can't add memory device", 1),
    ("DMA map fails", machine() + gpu(), ",fault=dma-map-memory",
     r"other devices cannot DMA into the coherent memory", 1),
]


def own_fds():
    return sorted(open_fds(os.getpid()).values())


class Hygiene(unittest.TestCase):
    def setUp(self):
        self.host = Host(BUILD)
        self.backing = os.path.join(self.host.tmp.name, "gpu0.mem")
        self.spec = "host=%s,mem=1G,backing=%s" % (GPU, self.backing)
        self.fds = own_fds()
        self.addCleanup(self.host.close)

    def assert_nothing_left(self):
        self.assertEqual(own_fds(), self.fds)
        self.assertEqual(self.children(), [])
        self.assertEqual(sorted(os.listdir(self.host.tmp.name)),
                         ["gpu0.mem", "stats"])
        # QEMU never touched the GPU memory: the sparse backing file is
        # still unallocated.
        self.assertEqual(os.stat(self.backing).st_blocks, 0)

    @staticmethod
    def children():
        pid = os.getpid()
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return f.read().split()

    def start(self):
        qmp = Qmp(self.host, machine() + gpu(id="gpu0"), self.spec)
        self.addCleanup(qmp.stop)
        return qmp

    def test_start_stop(self):
        held = None
        for run in range(RUNS):
            qmp = self.start()
            devices = qmp.ok("query-memory-devices")
            self.assertEqual(devices[0]["data"]["size"], 1 << 30)
            emulated = sorted(fd for fd in open_fds(qmp.pid).values()
                              if "vfio" in fd or "nvgrace" in fd)
            gpu_maps = len(owned_mappings(qmp.pid, ["gpu0.mem"]))
            stats = self.host.stats()
            now = (fd_targets(qmp.pid), emulated, gpu_maps,
                   stats["live_files"], stats["live_dma_mappings"],
                   stats[GPU + ".live_coherent_mmaps"])
            if held is None:
                held = now
                print("each run holds: %d fds, %d GPU memory mappings, "
                      "%d emulated-host files, %d DMA mappings" %
                      (sum(now[0].values()), now[2], now[3], now[4]))
            self.assertEqual(now, held, "run %d" % run)
            self.assertEqual(qmp.quit(QUIT_TIMEOUT), 0)
        self.assertEqual(held[2], 1)
        self.assert_nothing_left()

    def test_realize_fails_halfway(self):
        for run in range(RUNS):
            name, args, fault, pattern, mmaps = HALFWAY[run % len(HALFWAY)]
            failure = run_failing(self.host, args, self.spec + fault)
            self.assertEqual(failure.returncode, 1, failure.describe())
            self.assertEqual(len(failure.errors), 1, failure.describe())
            self.assertRegex(failure.errors[0], pattern)
            # Its DMA mapping is given back before QEMU exits.
            stats = self.host.stats()
            self.assertEqual(stats[GPU + ".live_coherent_mmaps"], mmaps, name)
            self.assertEqual(stats[GPU + ".live_coherent_dma_maps"], 0, name)
            self.assertEqual(stats[GPU + ".live_coherent_dma_bytes"], 0, name)
            if run < len(HALFWAY):
                print("%s: %s; at exit: %s" % (
                    name, failure.errors[0].split(": ")[-1],
                    ", ".join("%s %d" % kv for kv in stats.items())))
        self.assert_nothing_left()

    def test_resets(self):
        qmp = self.start()
        qmp.ok("system_reset")
        fds, maps = fd_targets(qmp.pid), owned_mappings(qmp.pid, OWNED)
        stats = self.host.stats()
        for _ in range(RUNS):
            qmp.ok("system_reset")
        self.assertEqual(fd_targets(qmp.pid), fds)
        self.assertEqual(owned_mappings(qmp.pid, OWNED), maps)
        # The comparison means something only if the device maps its memory.
        self.assertTrue(any("gpu0.mem" in m[2] for m in maps), maps)
        after = self.host.stats()
        self.assertEqual(after[GPU + ".resets"], stats[GPU + ".resets"] + RUNS)
        for key in ("live_files", "live_dma_mappings",
                    GPU + ".live_coherent_mmaps",
                    GPU + ".live_coherent_dma_maps"):
            self.assertEqual(after[key], stats[key], key)
        print("%d resets: %d fds, %d device mappings, counters %s" % (
            RUNS, sum(fds.values()), len(maps),
            ", ".join("%s %d" % kv for kv in after.items())))
        self.assertEqual(qmp.quit(QUIT_TIMEOUT), 0)
        self.assert_nothing_left()


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
