#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad configurations of vfio-pci-nvgrace, one test each.

A command line QEMU must refuse ends with exit status 1 (no signal, no
hang) and exactly one error line, which names the culprit and says what
to do; hints may follow on lines of their own.  A monitor command QEMU
must refuse at runtime gets a QMP error that says why, and QEMU keeps
running with the GPU in place.

Usage: bad_config_test.py BUILD [unittest options]
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Host, Qmp, gpu, machine, run_failing  # noqa: E402

BUILD = None
TWO_GPUS = "host=0009:01:00.0,mem=1G;host=0009:02:00.0,mem=1G"
GPU1 = "0009:02:00.0"
NO_VIRT_PCI = ["-nodefaults", "-display", "none", "-m", "1G"]

# name: (QEMU arguments, emulated host or None for the default, pattern of
# the error line, or (that pattern, the advice on a line of its own))
STARTUP = {
    "node-not-declared": (
        machine() + gpu(node=99), None,
        (r"'node' 99 .*NUMA node 99 is not declared$",
         "Add -numa node,nodeid=99.")),
    "node-range-not-declared": (
        machine(nodes=2) + gpu(node_count=2), None,
        (r"'node-count' 2: NUMA node 2 is not declared$",
         "Add -numa node,nodeid=2.")),
    # 0 is the device type's default: a GPU's 8 nodes
    "node-count-zero-is-eight": (
        machine(nodes=2) + gpu(node_count=0), None,
        (r"'node-count' 8: NUMA node 2 is not declared$",
         "Add -numa node,nodeid=2.")),
    "node-count-past-last-node": (
        machine() + gpu(node_count=200), None,
        r"'node-count' 200 goes past the last possible NUMA node, 127"),
    "node-not-a-number": (
        machine() + gpu(node="abc"), None,
        r"Parameter 'node' expects integer"),
    "node-count-negative": (
        machine() + gpu(node_count=-1), None,
        r"Parameter 'node-count' expects uint32_t"),
    "node-unset": (
        machine() + gpu(node=None, node_count=None), None,
        (r": vfio 0009:01:00.0: 'node' is not set$",
         "Declare the device's memory-only NUMA nodes with -numa "
         "node,nodeid=N and set node=N.")),
    "node-with-cpus": (
        machine() + gpu(node=0), None,
        (r"NUMA node 0 has CPUs; the device's nodes must be memory-only$",
         "Declare them without cpus= and memdev=.")),
    "node-with-memory": (
        ["-M", "virt", "-nodefaults", "-cpu", "max", "-display", "none",
         "-m", "1G,maxmem=8G",
         "-object", "memory-backend-ram,id=m0,size=512M",
         "-object", "memory-backend-ram,id=m1,size=512M",
         "-numa", "node,nodeid=0,cpus=0,memdev=m0",
         "-numa", "node,nodeid=1,memdev=m1"] + gpu(), None,
        (r"NUMA node 1 has memory; the device's nodes must be memory-only$",
         "Declare them without cpus= and memdev=.")),
    "two-gpus-one-node": (
        machine() + gpu() + gpu(host=GPU1, port=2), TWO_GPUS,
        (r"host=0009:02:00.0.*NUMA nodes 1-1 belong to vfio-pci-nvgrace "
         r"'0009:01:00.0'$", "Give each device NUMA nodes of its own.")),
    "two-gpus-overlapping-nodes": (
        machine(nodes=4) + gpu(node_count=2) +
        gpu(host=GPU1, port=2, node=2, node_count=2), TWO_GPUS,
        (r"'node' 2 with 'node-count' 2: NUMA nodes 1-2 belong to "
         r"vfio-pci-nvgrace '0009:01:00.0'$",
         "Give each device NUMA nodes of its own.")),
    "online-unknown": (
        machine() + gpu(online="later"), None,
        r"Parameter 'online' does not accept value 'later'"),
    "memory-source-unknown": (
        machine() + gpu(memory_source="bus"), None,
        r"Parameter 'memory-source' does not accept value 'bus'"),
    "memory-source-region-on-upstream-host": (
        machine() + gpu(memory_source="region"),
        "host=0009:01:00.0,mem=2G,abi=bar",
        r"host offers no coherent-memory region \(device-specific region "
        r"type 0x4 subtype 1\)"),
    "memory-source-bar-on-region-host": (
        machine() + gpu(memory_source="bar"), None,
        r"'memory-source=bar': host offers no BAR4"),
    "size-is-read-only": (
        machine() + gpu(size="1G"), None,
        r"Property 'vfio-pci-nvgrace.size' is not writable"),
    "unknown-property": (
        machine() + gpu(bogus=1), None,
        r"Property 'vfio-pci-nvgrace.bogus' not found"),
    "memaddr-misaligned": (
        machine() + gpu(memaddr="0x100001000"), None,
        r"'memaddr' 0x100001000: address must be aligned to 0x40000000 "
        r"bytes"),
    "memaddr-not-a-number": (
        machine() + gpu(memaddr="high"), None,
        r"Parameter 'memaddr' expects integer"),
    "memaddr-in-ram": (
        machine() + gpu(memaddr="0x40000000"), None,
        r"'memaddr' 0x40000000: can't add memory device "
        r"\[0x40000000:0x40000000\], usable range for memory devices "
        r"\[0x80000000:0x1c0000000\]"),
    "memaddr-past-device-memory": (
        machine() + gpu(memaddr="0x10000000000"), None,
        r"'memaddr' 0x10000000000: can't add memory device .*usable range"),
    "memaddr-overlapping": (
        machine() + gpu(memaddr="0x100000000", id="gpu0") +
        gpu(host=GPU1, port=2, node=2, memaddr="0x100000000"), TWO_GPUS,
        r"'memaddr' 0x100000000: address range conflicts with memory device "
        r"id='gpu0'"),
    "maxmem-too-small": (
        machine(maxmem="1536M") + gpu(), None,
        (r"0x40000000 bytes of coherent memory do not fit in the machine's "
         r"device memory \(0x20000000 of 0x20000000 bytes free\)$",
         "Raise maxmem to at least 2048M.")),
    "no-maxmem": (
        machine(maxmem=None) + gpu(), None,
        (r"the machine has no device memory for the coherent memory$",
         "Start QEMU with -m SIZE,maxmem=MAXSIZE, where MAXSIZE is at least "
         "SIZE + 1024M.")),
    "machine-not-virt": (
        # sbsa-ref always has a bochs-display; Debian's QEMU source has no
        # option ROMs, so the test gives it an empty stand-in (-L).
        ["-M", "sbsa-ref", "-L", "@ROMS@"] + NO_VIRT_PCI +
        gpu(port=None, node=None, node_count=None), None,
        (r": vfio 0009:01:00.0: vfio-pci-nvgrace needs a machine that "
         r"describes its coherent memory to the guest; machine 'sbsa-ref' "
         r"does not$", "Arm's 'virt' machine does.")),
    "machine-without-pci": (
        ["-M", "none"] + gpu(port=None, node=None, node_count=None), None,
        r"No 'PCI' bus found for device 'vfio-pci-nvgrace'"),
    "duplicate-id": (
        machine() + gpu(id="gpu0") + gpu(host=GPU1, port=2, node=2,
                                         id="gpu0"), TWO_GPUS,
        r"Duplicate ID 'gpu0' for device"),
    "same-gpu-twice": (
        machine() + gpu() + gpu(port=2, node=2), None,
        r"host=0009:01:00.0,bus=rp2,.*vfio 0009:01:00.0: device is already "
        r"attached"),
    "missing-host-device": (
        machine() + gpu(host="0009:05:00.0"), None,
        r"vfio /sys/bus/pci/devices/0009:05:00.0: no such host device"),
    "no-host-property": (
        machine() + ["-device", "vfio-pci-nvgrace,node=1,node-count=1"],
        None, r"No provided host device"),
    "host-without-coherent-memory": (
        machine() + gpu(), "host=0009:01:00.0,mem=1G,coherent=off",
        r"host offers no coherent-memory region \(device-specific region "
        r"type 0x4 subtype 1\) and host offers no BAR4"),
    "generic-initiator-for-the-gpu": (
        machine() + gpu(id="gpu0") +
        ["-object", "acpi-generic-initiator,id=gi0,pci-dev=gpu0,node=1"],
        None,
        r"'node' is set, and 1 acpi-generic-initiator objects name this "
        r"device too"),
    "driver-managed-with-acpi-off": (
        machine(extra=["-machine", "acpi=off"]) + gpu(), None,
        (r"'online=driver-managed' needs a guest that boots with ACPI "
         r"\(firmware and acpi=on\), but this guest boots from a device "
         r"tree$", "Set online=boot, or boot through UEFI firmware.")),
}

# name: (QMP command, arguments, pattern of the error)
RUNTIME = {
    "hotplug": (
        "device_add", {"driver": "vfio-pci-nvgrace", "host": GPU1,
                       "bus": "rp2", "node": 2, "node-count": 1,
                       "id": "gpu1"},
        r"Device 'vfio-pci-nvgrace' does not support hotplugging"),
    "hot-unplug": (
        "device_del", {"id": "gpu0"},
        r"Device 'vfio-pci-nvgrace' does not support hotplugging"),
    "migrate": (
        "migrate", {"uri": "exec:cat >/dev/null"},
        r"^vfio 0009:01:00.0: migration of coherent device memory is "
        r"not supported$"),
    "duplicate-id-hotplug": (
        "device_add", {"driver": "vfio-pci", "host": GPU1, "bus": "rp2",
                       "id": "gpu0"},
        r"Duplicate device ID 'gpu0'"),
    "memaddr-after-realize": (
        "qom-set", {"path": "/machine/peripheral/gpu0",
                    "property": "memaddr", "value": 0x200000000},
        r"Attempt to set property 'memaddr' on device 'gpu0' \(type "
        r"'vfio-pci-nvgrace'\) after it was realized"),
    "online-after-realize": (
        "qom-set", {"path": "/machine/peripheral/gpu0",
                    "property": "online", "value": "boot"},
        r"Attempt to set property 'online' on device 'gpu0' \(type "
        r"'vfio-pci-nvgrace'\) after it was realized"),
    "generic-initiator-at-run-time": (
        "object-add", {"qom-type": "acpi-generic-initiator", "id": "gi9",
                       "pci-dev": "gpu0", "node": 1},
        r"acpi-generic-initiator objects describe the machine as it is "
        r"built; they cannot be added once it runs"),
    "node-after-realize": (
        "qom-set", {"path": "/machine/peripheral/gpu0", "property": "node",
                    "value": 2},
        r"Attempt to set property 'node' on device 'gpu0' \(type "
        r"'vfio-pci-nvgrace'\) after it was realized"),
}


class BadConfig(unittest.TestCase):
    def setUp(self):
        self.host = Host(BUILD)
        self.roms = os.path.join(self.host.tmp.name, "roms")
        os.mkdir(self.roms)
        with open(os.path.join(self.roms, "vgabios-bochs-display.bin"),
                  "wb") as f:
            f.write(bytes(64 << 10))

    def tearDown(self):
        self.host.close()

    def refuse(self, args, spec, pattern):
        args = [a.replace("@ROMS@", self.roms) for a in args]
        failure = run_failing(self.host, args, spec)
        print(failure.stderr.rstrip())
        self.assertEqual(failure.returncode, 1, failure.describe())
        self.assertEqual(len(failure.errors), 1, failure.describe())
        if isinstance(pattern, tuple):
            pattern, hint = pattern
            self.assertIn(hint, failure.hints)
        self.assertRegex(failure.errors[0], pattern)
        self.assertNotIn("Aborted", failure.stderr)


class RuntimeRefusal(unittest.TestCase):
    """Monitor commands refused while QEMU runs with a GPU."""

    @classmethod
    def setUpClass(cls):
        cls.host = Host(BUILD, TWO_GPUS)
        cls.qmp = Qmp(cls.host, machine() + gpu(id="gpu0") +
                      ["-device", "pcie-root-port,id=rp2,chassis=2"])

    @classmethod
    def tearDownClass(cls):
        status = cls.qmp.quit()
        cls.host.close()
        assert status == 0, "QEMU exited with %s" % status

    def refuse(self, command, arguments, pattern):
        reply = self.qmp.cmd(command, **arguments)
        print("%s -> %s" % (command, reply))
        self.assertIn("error", reply)
        self.assertRegex(reply["error"]["desc"], pattern)
        # Still running, and the GPU is still there, where it was.
        self.assertEqual(self.qmp.ok("query-status")["status"], "prelaunch")
        devices = self.qmp.ok("query-memory-devices")
        self.assertEqual([d["data"]["id"] for d in devices], ["gpu0"])
        self.assertEqual(devices[0]["data"]["size"], 1 << 30)


def add_cases():
    for name, (args, spec, pattern) in STARTUP.items():
        setattr(BadConfig, "test_" + name.replace("-", "_"),
                lambda self, a=args, s=spec, p=pattern: self.refuse(a, s, p))
    for name, (command, arguments, pattern) in RUNTIME.items():
        setattr(RuntimeRefusal, "test_" + name.replace("-", "_"),
                lambda self, c=command, a=arguments, p=pattern:
                self.refuse(c, a, p))


add_cases()

if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
