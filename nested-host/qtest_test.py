#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The device's qtests on the real Linux 7.3 nvgrace-gpu: vfio-nvgrace-test
and vfio-nvgrace-tables-test, built for arm64, run in the nested host (L1)
against the GPU that L1's nvgrace-gpu drives, stock and with kernel/'s
series.

qtest_test.py BUILD [TEST...].  L0 gives L1 a GH200 whose _DSD describes
2 GiB, which L1's driver splits into 1 GiB of usemem (BAR4) and 1 GiB of
resmem (BAR2): the GPU the emulated host calls "abi=bar,mem=2G".  With
kernel/'s series the driver offers usemem as the coherent memory region
too: "abi=both,mem=2G".  NVGRACE_REAL_GPU tells the qtests which.  The
tests written for that GPU run on the real driver, without the checks that
read the emulated host's backing file and counters (device_test.py makes
those from L0); the tests written for other GPUs are skipped, and this
suite lists both.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nested  # noqa: E402

BUILD = None
# L0's GPU is 1 GiB larger than L1's: L0 keeps its own resmem.
L0_GPU_MEM = "3G"
QTESTS = ("vfio-nvgrace-test", "vfio-nvgrace-tables-test")
# Per L1 kernel: the emulated GPU that L1's is, and the tests that must run
# on it (not be skipped): every one written for it.
KERNELS = {
    "Image": ("abi=bar,mem=2G", {
        "vfio-nvgrace-test": [
            "/aarch64/vfio-nvgrace/upstream-bar/gh200",
            "/aarch64/vfio-nvgrace/lifetime/bar",
            "/aarch64/vfio-nvgrace/bar4/gh200",
            "/aarch64/vfio-nvgrace/refuse/memory-source-region",
            "/aarch64/vfio-nvgrace/refuse/iommufd-without-dma-buf",
            "/aarch64/vfio-nvgrace/refuse/bar-iommufd-without-dma-buf",
            "/aarch64/vfio-nvgrace/refuse/bar-taken",
            "/aarch64/vfio-nvgrace/refuse/coherent-without-region",
            "/aarch64/vfio-nvgrace/refuse/vhost-user-after-device",
            "/aarch64/vfio-nvgrace/refuse/vhost-scsi-after-device",
            "/aarch64/vfio-nvgrace/vhost-scsi-without-device",
        ],
        "vfio-nvgrace-tables-test": [
            "/aarch64/vfio-nvgrace/tables/upstream-bar-gh200",
            "/aarch64/vfio-nvgrace/tables/bar4-gh200",
            "/aarch64/vfio-nvgrace/tables/bar4-gh200-no-maxmem",
        ],
    }),
    "Image-series": ("abi=both,mem=2G", {
        "vfio-nvgrace-test": [
            "/aarch64/vfio-nvgrace/lifetime/series-region",
            "/aarch64/vfio-nvgrace/lifetime/series-bar",
            "/aarch64/vfio-nvgrace/bar4/series-region",
            "/aarch64/vfio-nvgrace/coherent/series-region",
        ],
        "vfio-nvgrace-tables-test": [
            "/aarch64/vfio-nvgrace/tables/series-gh200",
        ],
    }),
}

# Each qtest in qtest/ (where the expected ACPI tables are, as a relative
# path), in TAP, its exit status after it.
L1_SCRIPT = nested.BIND_NVGRACE + r"""
cd /qtest
for t in %(qtests)s; do
    echo "== $t"
    NVGRACE_REAL_GPU=host=$GPU,%(opts)s \
        QTEST_QEMU_BINARY=/usr/bin/qemu-system-aarch64 ./$t --tap 2>&1
    echo "== $t exit status $?"
done
"""


def tap_results(text):
    """{test path: "ok", "not ok" or "skip"} from TAP output."""
    results = {}
    for m in re.finditer(r"^(ok|not ok) \d+ (\S+)( # SKIP.*)?$", text,
                         re.M):
        results[m.group(2)] = "skip" if m.group(3) else m.group(1)
    return results


class QtestsOnRealDriver(unittest.TestCase):
    IMAGE = None                # L1's kernel, a key of KERNELS
    out = ""

    @classmethod
    def setUpClass(cls):
        opts = KERNELS[cls.IMAGE][0]
        host = nested.NestedHost(BUILD, image=cls.IMAGE)
        try:
            gpu = host.gpu(mem=L0_GPU_MEM)
            rc, cls.out = host.run(L1_SCRIPT % {"qtests": " ".join(QTESTS),
                                                "opts": opts},
                                   gpus=[gpu], files=host.qemu_root_files())
        finally:
            host.close()
        print("L1 (%s, nested), NVGRACE_REAL_GPU=host=$GPU,%s:\n%s" %
              (cls.IMAGE, opts, cls.out))
        if rc != 0:
            raise AssertionError("L1's test script failed (rc %d)" % rc)

    def output(self, qtest):
        start = self.out.index("== %s\n" % qtest)
        return self.out[start:self.out.index("== %s exit status" % qtest)]

    def check(self, qtest):
        text = self.output(qtest)
        results = tap_results(text)
        ran = sorted(t for t, r in results.items() if r != "skip")
        skipped = sorted(t for t, r in results.items() if r == "skip")
        print("%s in L1 (%s): %d ran, %d skipped (written for another GPU, "
              "or read the emulated host); ran: %s" %
              (qtest, self.IMAGE, len(ran), len(skipped), ", ".join(ran)))
        self.assertIn("== %s exit status 0" % qtest, self.out, text)
        self.assertNotIn("not ok", results.values(), text)
        for path in KERNELS[self.IMAGE][1][qtest]:
            self.assertEqual(results.get(path), "ok", text)

    def test_device_qtest(self):
        self.check("vfio-nvgrace-test")

    def test_tables_qtest(self):
        self.check("vfio-nvgrace-tables-test")


# Stock Linux 7.3, and Linux 7.3 with kernel/'s series.
for _image in KERNELS:
    _cls = type("Qtests_" + _image.replace("-", "_"), (QtestsOnRealDriver,),
                {"IMAGE": _image})
    globals()[_cls.__name__] = _cls
del QtestsOnRealDriver, _cls, _image


if __name__ == "__main__":
    BUILD = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
