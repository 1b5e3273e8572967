#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernel series of kernel/ on the nested host: Linux 7.3 with the
series in L1, probed on the GPU's coherent memory region and on its BAR4.

region_test.py BUILD [TEST...]: boots L1 with BUILD/nested/Image-series
(nested-host/build-kernel.sh BUILD series) and runs vfio-probe, through
type1 and through iommufd, on the VFIO_REGION_TYPE_MEM region
(--region) and on BAR4.  The region must do what its contract in
include/uapi/linux/vfio.h says; BAR4 must still do what Linux 7.3 does,
since the series leaves the BAR's semantics alone.  Data the probe writes
through the region must be in L0's backing file of the GPU memory.  The
same probes run on the emulated host's model of the series (abi=both),
on its region and its BAR4, and must give what L1 gave, row by row (rows
in REGION_GAPS excepted).
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nested  # noqa: E402
import probe_test  # noqa: E402

BUILD = None
MARK = b"nvgrace-region"
MARK_OFFSET = 1 << 20           # vfio-probe.c's MARK_OFFSET
GiB = 1 << 30
# The GPUs of probe_test, with the size L1's nvgrace-gpu gives usemem.  L0
# shows L1 a GPU whose memory is L0's usemem: 3 GiB of the GH200's 4, of
# which L1's driver again keeps 1 GiB as resmem (at the end, so usemem's
# offsets are L0's).  A GB300 has no resmem.
GPUS = {
    "gh200-2348": dict(probe_test.GPUS["gh200-2348"], usemem=2 * GiB),
    "gb300": dict(probe_test.GPUS["gb300"], usemem=3 * GiB),
}

# The region's contract, per access path and probe.
REGION = {}
for _mode in ("type1", "iommufd"):
    REGION.update({
        (_mode, "open"): "ok",
        (_mode, "mmap"): "ok",
        # The user's PCI_COMMAND.MEMORY and D-state are read back as
        # written, and the memory stays mapped through both.
        (_mode, "touch-decode-on"): "ok",
        (_mode, "decode-read-back"): "off",
        (_mode, "touch-decode-off"): "ok",
        (_mode, "touch-decode-on-again"): "ok",
        (_mode, "power-read-back"): "D3",
        (_mode, "touch-d3hot"): "ok",
        (_mode, "touch-d0-again"): "ok",
        # Still VM_PFNMAP: nothing pins it.
        (_mode, "o-direct-read"): "EFAULT",
        # The region has no BAR resource to claim: it exports.
        (_mode, "dma-buf-export"): "ok",
        (_mode, "pwrite-pread"): "ok",
        # Unmapped for the reset, and back after the readiness wait
        # (probe_test.add_wait_tests).
        (_mode, "decode-after-reset"): "on",
        (_mode, "touch-after-reset"): "ok",
        # A function reset written to config space leaves the user in D0.
        (_mode, "power-after-flr"): "D0",
        (_mode, "touch-after-flr"): "ok",
        # The user's low-power entry is the one time the region faults.
        (_mode, "touch-low-power"): "SIGBUS",
        (_mode, "touch-after-low-power"): "ok",
    })
REGION[("type1", "dma-map-by-address")] = "ok"
REGION[("iommufd", "dma-map-by-address")] = "EFAULT"
# iommufd maps the dma-buf, and again after a reset revoked it.
REGION[("iommufd", "dma-buf-map-file")] = "ok"
REGION[("iommufd", "dma-buf-remap-after-reset")] = "ok"
# ... but not one made while the user's low power is engaged.
REGION[("iommufd", "dma-buf-map-low-power")] = "ENODEV"

# Rows where the emulated host differs from the series, and what fixes
# each: none (probe_test.GAPS).
REGION_GAPS = {}

# BAR4 on the same kernel: Linux 7.3's semantics, the user's values read
# back as written.
BAR = dict(probe_test.LINUX_7_3)
for _mode in ("type1", "iommufd"):
    BAR[(_mode, "decode-read-back")] = "off"
    BAR[(_mode, "power-read-back")] = "D3"


def run_probes(gpu):
    """{(where, mode): {probe: outcome}} and the backing file's bytes at
    the marker's offset, from one boot of L1 with the series."""
    host = nested.NestedHost(BUILD, image="Image-series")
    try:
        with open(os.path.join(host.nested, "vfio-probe-series-arm64"),
                  "rb") as f:
            probe = f.read()
        script = nested.BIND_NVGRACE + """
for mode in type1 iommufd; do
    echo "== bar $mode"
    /bin/vfio-probe $mode $GPU /dev/vda 2>&1 || echo "vfio-probe: exit $?"
    echo "== region $mode"
    /bin/vfio-probe --region $mode $GPU /dev/vda 2>&1 ||
        echo "vfio-probe: exit $?"
done
"""
        g = host.gpu(**{k: v for k, v in GPUS[gpu].items()
                        if k != "usemem"})
        rc, out = host.run(script, gpus=[g], files={"bin/vfio-probe": probe})
        with open(g.backing, "rb") as f:
            f.seek(MARK_OFFSET)
            backing = f.read(len(MARK))
    finally:
        host.close()
    print("L1 (Linux 7.3 with kernel/'s series, nested), %s:\n%s" %
          (gpu, out))
    if rc != 0:
        raise AssertionError("L1's test script failed (rc %d)" % rc)
    result = {}
    for part in re.split(r"^== ", out, flags=re.M)[1:]:
        head, _, body = part.partition("\n")
        where, mode = head.split()
        result[(where, mode)] = {k: v for k, v in
                                 probe_test.parse(body).items()}
    return result, probe_test.waits(out), backing


class Series(unittest.TestCase):
    GPU = None
    probes = backing = real_waits = emulated = emulated_waits = None

    @classmethod
    def setUpClass(cls):
        cls.probes, cls.real_waits, cls.backing = run_probes(cls.GPU)
        cls.emulated, cls.emulated_waits = {}, {}
        for where, rows in (("region", REGION), ("bar", BAR)):
            cls.emulated[where], waits = probe_test.run_probes_emulated(
                cls.GPU, series=True, region=where == "region")
            cls.emulated_waits.update({("%s %s" % (where, section), probe): s
                                       for (section, probe), s in
                                       waits.items()})
            print("%s, %s:\n%-8s %-26s %-14s %-14s" % (
                cls.GPU, where, "path", "probe", "series", "emulated"))
            for mode, probe in sorted(rows):
                r = cls.probes.get((where, mode), {}).get(probe, ("-",))[0]
                e = cls.emulated[where].get(mode, {}).get(probe, "-")
                print("%-8s %-26s %-14s %-14s%s" % (
                    mode, probe, r, e, "" if r == e else "  differs"))

    def outcome(self, where, mode, probe):
        return self.probes.get((where, mode), {}).get(probe, ("-", ""))

    def real_outcome(self, mode, probe, where):
        return self.outcome(where, mode, probe)[0]

    def emulated_outcome(self, mode, probe, where):
        return self.emulated[where].get(mode, {}).get(probe, "-")

    def test_region_keeps_its_contract(self):
        for (mode, probe), expected in REGION.items():
            with self.subTest(mode=mode, probe=probe):
                self.assertEqual(self.outcome("region", mode, probe)[0],
                                 expected)

    def test_region_has_the_exact_size(self):
        """No power-of-two rounding: usemem's size, where BAR4 rounds."""
        usemem = GPUS[self.GPU]["usemem"]
        for mode in ("type1", "iommufd"):
            with self.subTest(mode=mode):
                self.assertEqual(int(self.outcome("region", mode,
                                                  "size")[0]), usemem)
                bar = int(self.outcome("bar", mode, "size")[0])
                self.assertEqual(bar, 1 << (usemem - 1).bit_length())

    def test_bar4_keeps_linux_7_3_semantics(self):
        for (mode, probe), expected in BAR.items():
            with self.subTest(mode=mode, probe=probe):
                self.assertEqual(self.outcome("bar", mode, probe)[0],
                                 expected)

    def test_region_data_lands_in_l0_backing(self):
        """What L1's user wrote through the region is in L0's file."""
        self.assertEqual(self.backing, MARK)


for _gpu in GPUS:
    _cls = type("Series_" + _gpu.replace("-", "_"), (Series,), {"GPU": _gpu})
    probe_test.add_row_tests(_cls, REGION, REGION_GAPS, "region")
    probe_test.add_row_tests(_cls, BAR, REGION_GAPS, "bar")
    _sections = ["%s %s" % (where, mode) for where in ("region", "bar")
                 for mode in ("type1", "iommufd")]
    probe_test.add_wait_tests(_cls, _sections, _sections)
    globals()[_cls.__name__] = _cls
del Series, _cls, _gpu


if __name__ == "__main__":
    BUILD = probe_test.BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
