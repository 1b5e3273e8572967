#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What a user sees of vfio-pci-nvgrace without a guest: the monitor's
'info numa', 'info memory-devices' / query-memory-devices and 'info mtree'
show the GPU memory by name, node and size; '-device vfio-pci-nvgrace,help'
describes every property; trace points cover region discovery, placement
and firmware table building.

Usage: visibility_test.py BUILD [unittest options]
"""

import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Host, Qmp, gpu, machine  # noqa: E402

BUILD = None
SPEC = "host=0009:01:00.0,mem=2G;host=0009:02:00.0,mem=3G,abi=bar"
GiB = 1 << 30
# What the device adds to vfio-pci; each must be described.
PROPERTIES = ("node", "node-count", "online", "memory-source", "memaddr",
              "size")
TRACE_POINTS = ("vfio_pci_coherent_memory", "vfio_pci_coherent_plug",
                "vfio_pci_nvgrace_memory_source", "vfio_pci_nvgrace_build_dsd",
                "coherent_mem_build_srat")


def two_gpus():
    return (machine(nodes=4) + gpu(id="gpu0", node=1, node_count=2) +
            gpu(host="0009:02:00.0", port=2, id="gpu1", node=3,
                node_count=1, online="boot"))


class Monitor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = Host(BUILD, SPEC)
        cls.qmp = Qmp(cls.host, two_gpus())

    @classmethod
    def tearDownClass(cls):
        assert cls.qmp.quit() == 0
        cls.host.close()

    def test_info_numa(self):
        text = self.qmp.hmp("info numa")
        print(text)
        self.assertRegex(text, r"node 1 cpus: *\r?\nnode 1 size: 2048 MB\r?\n"
                               r"node 1 plugged: 2048 MB")
        self.assertRegex(text, r"node 2 cpus: *\r?\nnode 2 size: 0 MB")
        # GH200 on nvgrace-gpu: 3 GiB less 1 GiB resmem, in 512 MiB steps
        self.assertRegex(text, r"node 3 cpus: *\r?\nnode 3 size: 2048 MB\r?\n"
                               r"node 3 plugged: 2048 MB")

    def test_memory_devices(self):
        text = self.qmp.hmp("info memory-devices")
        print(text)
        for name, host, size, node, source, online in (
                ("gpu0", "0009:01:00.0", 2 * GiB, 1, "region",
                 "driver-managed"),
                ("gpu1", "0009:02:00.0", 2 * GiB, 3, "bar", "boot")):
            self.assertRegex(text, (
                r'Memory device \[vfio-pci-coherent\]: "%s"\s+host: %s\s+'
                r'memaddr: 0x[0-9a-f]+\s+size: %d\s+node: %d\s+'
                r'node-count: \d\s+online: %s\s+memory-source: %s') %
                (name, host, size, node, online, source))
        devices = {d["data"]["id"]: d for d in
                   self.qmp.ok("query-memory-devices")}
        self.assertEqual(devices["gpu0"]["type"], "vfio-pci-coherent")
        self.assertEqual(devices["gpu0"]["data"]["node"], 1)
        self.assertEqual(devices["gpu1"]["data"]["size"], 2 * GiB)

    def test_mtree(self):
        text = self.qmp.hmp("info mtree -f")
        devices = {d["data"]["id"]: d["data"] for d in
                   self.qmp.ok("query-memory-devices")}
        for name, host in (("gpu0", "0009:01:00.0"),
                           ("gpu1", "0009:02:00.0")):
            base = devices[name]["memaddr"]
            end = base + devices[name]["size"] - 1
            line = "%016x-%016x (prio 0, ram): %s coherent-mem" % (
                base, end, host)
            print(line)
            self.assertIn(line, text)


class CommandLine(unittest.TestCase):
    def setUp(self):
        self.host = Host(BUILD, SPEC)
        self.addCleanup(self.host.close)

    def run_qemu(self, args):
        return subprocess.run([self.host.qemu] + args,
                              env=self.host.env(), capture_output=True,
                              text=True, timeout=60, check=True)

    def test_device_help(self):
        text = self.run_qemu(["-M", "virt", "-device",
                              "vfio-pci-nvgrace,help"]).stdout
        for prop in PROPERTIES:
            m = re.search(r"^  %s=<\S+> +- (.+)$" % re.escape(prop), text,
                          re.M)
            self.assertTrue(m, "%s has no description:\n%s" % (prop, text))
            print("%s: %s" % (prop, m.group(1)))

    def test_trace_points(self):
        listed = self.run_qemu(["-trace", "help"]).stdout.split()
        for point in TRACE_POINTS:
            self.assertTrue(point in listed, "-trace help lacks " + point)
        # All of them fire by the time the machine is ready.
        args = ["-trace", "enable=*nvgrace*", "-trace",
                "enable=vfio_pci_coherent_*", "-trace",
                "enable=coherent_mem_*", "-S", "-qmp", "stdio"]
        proc = subprocess.run([self.host.qemu] + args + two_gpus(),
                              env=self.host.env(), capture_output=True,
                              text=True, timeout=60,
                              input='{"execute": "qmp_capabilities"}\n'
                                    '{"execute": "quit"}\n')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        print(proc.stderr)
        for point in TRACE_POINTS:
            fired = re.findall(r"\b%s\b.*" % point, proc.stderr)
            self.assertEqual(len(fired), 2, "%s:\n%s" % (point, proc.stderr))
        self.assertIn("0009:02:00.0) GPU memory from the bar", proc.stderr)


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
