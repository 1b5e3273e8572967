# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the arm64 test guest on the emulated host and collect what it saw.

A guest is Debian's arm64 kernel with a busybox initramfs (guest/init) to
which each boot appends /test.sh.  QEMU runs with vfio-pci-nvgrace GPUs on
the emulated host, under KVM on an arm64 host that has it and TCG
elsewhere, booting the kernel directly (device tree) or through edk2
(UEFI, ACPI).  The output of /test.sh comes back as text.
"""

import dataclasses
import os
import platform
import re
import shutil
import subprocess
import tempfile

import initramfs

GUEST_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(GUEST_DIR)

GiB = 1 << 30
MiB = 1 << 20
# What AddressSanitizer and UndefinedBehaviorSanitizer print.
SANITIZER_REPORT = re.compile(r"ERROR: \w+Sanitizer|runtime error: ")


def size_bytes(text):
    units = {"M": MiB, "G": GiB}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


@dataclasses.dataclass
class Gpu:
    """One emulated GPU and its vfio-pci-nvgrace device (or @driver)."""
    host: str = "0009:01:00.0"
    mem: str = "1G"
    node: int = 1
    node_count: int = 8
    online: str = "driver-managed"
    root_port: bool = True      # behind a pcie-root-port, at devfn 0
    memaddr: int = None
    model: str = "gh200"
    device_id: str = None       # another of the model's device ids
    train_ms: int = 0           # BAR0 reads not ready this long after a reset
    abi: str = "region"         # the emulated host's: region, or bar
    backing: str = None         # set by Guest.boot()
    # The nodes as libvirt's <acpi nodeset=.../> declares them: no node=,
    # an acpi-generic-initiator object per node (here in reverse order).
    gi_objects: bool = False
    iommufd: bool = False       # the iommufd backend, not the container
    bar1: str = None            # Blackwell's real BAR1 (region 2), its size
    phys_bars: bool = False     # the host can export BAR4 as a dma-buf
    bar: int = None             # bar=: the memory as this BAR of the GPU
    driver: str = "vfio-pci-nvgrace"    # or vfio-pci-coherent, the core

    def memory(self):
        """The memory the guest gets: on today's nvgrace-gpu (abi=bar) a
        GH200 keeps 1 GiB of it as resmem and rounds the rest down to
        512 MiB."""
        size = size_bytes(self.mem)
        if self.abi == "bar" and self.model == "gh200":
            size = (size - GiB) // (512 * MiB) * (512 * MiB)
        return size

    def online_size(self, rm_reserved=0, block=128 * MiB):
        """What NVIDIA's driver (and guest/module) onlines of memory():
        on GH200 all but a fixed 1 GiB, aligned down to 512 MiB; on
        Blackwell all but what RM keeps (@rm_reserved), aligned down to
        the guest's memory block (128 MiB with 4 KiB pages)."""
        if self.model == "gh200":
            rm_reserved, block = GiB, 512 * MiB
        return max(self.memory() - rm_reserved, 0) // block * block


class GuestError(Exception):
    pass


class Guest:
    def __init__(self, build, page_kib=4):
        """@page_kib: Debian's kernel with 4 KiB pages, or its arm64-16k
        flavour with 16 (guest/fetch-guest.sh)."""
        self.build = os.path.abspath(build)
        self.stack = os.path.join(self.build, "guest")
        kernel = self.stack if page_kib == 4 else os.path.join(self.stack,
                                                                "16k")
        self.image = os.path.join(kernel, "Image")
        self.base_cpio = os.path.join(kernel, "base.cpio")
        # Added to the kernel's command line.  NVIDIA's driver (and
        # guest/module) require hot-added memory to be onlined movable.
        self.kernel_args = "memhp_default_state=online_movable"
        # NVGRACE_QEMU: another build of it (the sanitizer build).
        self.qemu = os.environ.get("NVGRACE_QEMU") or os.path.join(
            self.build, "qemu-system-aarch64")
        self.host_lib = os.path.join(self.build, "emulated-host",
                                     "libnvgrace-host.so")
        # Where the emulated host keeps its counters (NVGRACE_HOST_STATS).
        self.host_stats = None
        # Devices that must be created before the GPUs (an IOMMU).
        self.early_devices = []
        self.tmp = tempfile.mkdtemp(prefix="nvgrace-guest-")

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def accel(self):
        """KVM where the host is arm64 and has it, else TCG."""
        if platform.machine() in ("aarch64", "arm64") and \
                os.access("/dev/kvm", os.R_OK | os.W_OK):
            return ["-accel", "kvm", "-cpu", "host"]
        return ["-accel", "tcg", "-cpu", "max,pauth-impdef=on"]

    def command(self, gpus, firmware, ram, initrd, extra=(), maxmem=None):
        """The QEMU command line, as a user would type it."""
        nodes = sorted({n for g in gpus
                        for n in range(g.node, g.node + g.node_count)})
        if not maxmem:
            maxmem = ram + sum(size_bytes(g.mem) for g in gpus) + 2 * GiB
            if any(g.memaddr for g in gpus):
                maxmem += sum(size_bytes(g.mem) for g in gpus)
        # A GPU whose memory is a BAR needs no device memory: with only
        # such GPUs the guest has none, as a user would give it.
        mem = "%dM" % (ram // MiB)
        if not gpus or any(g.bar is None for g in gpus):
            mem += ",maxmem=%dM" % (maxmem // MiB)
        cmd = [self.qemu, "-machine", "virt"] + self.accel() + [
            "-smp", "2", "-m", mem,
            "-object", "memory-backend-ram,id=m0,size=%dM" % (ram // MiB),
            "-numa", "node,nodeid=0,cpus=0-1,memdev=m0"]
        for n in nodes:
            cmd += ["-numa", "node,nodeid=%d" % n]
        cmd += self.early_devices
        if any(g.iommufd for g in gpus):
            cmd += ["-object", "iommufd,id=iommufd0"]
        for i, g in enumerate(gpus):
            dev = "%s,host=%s,id=gpu%d,online=%s" % (
                g.driver, g.host, i, g.online)
            if g.gi_objects:
                for n in reversed(range(g.node, g.node + g.node_count)):
                    cmd += ["-object", "acpi-generic-initiator,id=gi%d,"
                            "pci-dev=gpu%d,node=%d" % (n, i, n)]
            else:
                dev += ",node=%d,node-count=%d" % (g.node, g.node_count)
            if g.root_port:
                cmd += ["-device", "pcie-root-port,id=rp%d,chassis=%d" %
                        (i, i + 1)]
                dev += ",bus=rp%d" % i
            if g.memaddr:
                dev += ",memaddr=0x%x" % g.memaddr
            if g.iommufd:
                dev += ",iommufd=iommufd0"
            if g.bar is not None:
                dev += ",bar=%d" % g.bar
            cmd += ["-device", dev]
        # nokaslr: the kernel's image stays in node 0's RAM, where the tests
        # measure the GPU's nodes as the only users of theirs.
        append = "console=ttyAMA0 panic=-1 rdinit=/init loglevel=4 nokaslr"
        if self.kernel_args:
            append += " " + self.kernel_args
        cmd += ["-nodefaults", "-display", "none", "-serial", "stdio",
                "-no-reboot", "-kernel", self.image,
                "-initrd", initrd]
        if firmware == "uefi":
            vars_copy = os.path.join(self.tmp, "AAVMF_VARS.fd")
            shutil.copyfile(os.path.join(self.stack, "AAVMF_VARS.fd"),
                            vars_copy)
            cmd += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,"
                    "file=" + os.path.join(self.stack, "AAVMF_CODE.fd"),
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy]
            append += " acpi=force"
        elif firmware != "dt":
            raise ValueError(firmware)
        return cmd + ["-append", append] + list(extra)

    def host_spec(self, gpus):
        return ";".join("host=%s,model=%s,mem=%s,abi=%s,backing=%s%s%s%s%s" %
                        (g.host, g.model, g.mem, g.abi, g.backing,
                         ",device-id=" + g.device_id if g.device_id else "",
                         ",train=%d" % g.train_ms if g.train_ms else "",
                         ",phys-bars=on" if g.phys_bars else "",
                         ",bar1=" + g.bar1 if g.bar1 else "")
                        for g in gpus)

    def initrd(self, script, name="initrd", files=None):
        """The base initramfs with @script as /test.sh and @files ({path in
        the guest: bytes}); returns its path."""
        path = os.path.join(self.tmp, name)
        with open(self.base_cpio, "rb") as f:
            base = f.read()
        extra = {p: (0o755, data) for p, data in (files or {}).items()}
        extra["test.sh"] = (0o755, script.encode())
        with open(path, "wb") as f:
            f.write(base + initramfs.cpio(extra))
        return path

    def boot(self, gpus, firmware, script, ram=1 * GiB, timeout=300,
             extra=(), files=None, reboot=False):
        """Boot, run @script as /test.sh, return (rc, output of the script).
        @files are added to the initramfs ({path: bytes}).  With @reboot,
        a reboot in the guest resets the machine instead of ending QEMU.

        Each GPU's memory is the file g.backing (created sparse if unset)."""
        for i, g in enumerate(gpus):
            if not g.backing:
                g.backing = os.path.join(self.tmp, "gpu%d.mem" % i)
        initrd = self.initrd(script, files=files)
        env = dict(os.environ, LD_PRELOAD=self.host_lib,
                   NVGRACE_HOST=self.host_spec(gpus))
        if self.host_stats:
            env["NVGRACE_HOST_STATS"] = self.host_stats
        cmd = self.command(gpus, firmware, ram, initrd, extra)
        if reboot:
            cmd.remove("-no-reboot")
        self.last_command = cmd
        try:
            res = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                                 capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise GuestError("guest did not finish in %d s; console:\n%s" %
                             (timeout, (e.stdout or b"").decode(
                                 errors="replace")[-3000:]))
        out = res.stdout.decode(errors="replace").replace("\r", "")
        stderr = self.last_stderr = res.stderr.decode(errors="replace")
        if SANITIZER_REPORT.search(stderr):
            raise GuestError("QEMU's sanitizers reported:\n%s" % stderr)
        m = re.search(r"nvgrace-guest: begin\n(.*)nvgrace-guest: end rc=(\d+)",
                      out, re.S)
        if not m:
            raise GuestError("QEMU exited with %d before the guest reported;"
                             "\nstderr: %s\nconsole:\n%s" %
                             (res.returncode, res.stderr.decode()[-2000:],
                              out[-4000:]))
        return int(m.group(2)), m.group(1)


def virtio_blk(disk, cache_direct=False):
    """QEMU arguments for a virtio-blk disk; the guest loads its driver with
    VIRTIO_BLK_MODULES.  With @cache_direct, the host opens it O_DIRECT
    (aio=threads, the one submission path the emulated host models)."""
    drive = "file=%s,format=raw,if=none,id=disk0" % disk
    if cache_direct:
        drive += ",cache.direct=on,aio=threads"
    return ["-drive", drive, "-device", "virtio-blk-pci,drive=disk0"]


# Shell for /test.sh: Debian builds virtio-pci and virtio-blk as modules.
VIRTIO_BLK_MODULES = """
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
    insmod /lib/modules/$m.ko
done
"""

# Shell for /test.sh: one line per online node, key=value words.
NODE_TABLE = r"""
for d in /sys/devices/system/node/node*; do
    n=${d##*node}
    total=$(sed -n 's/.*MemTotal: *\([0-9]*\) kB/\1/p' $d/meminfo)
    echo "node=$n cpus=$(cat $d/cpulist) total_kib=$total"
done
"""

# What guest/module/nvgrace_mem.c prints for each GPU whose memory it adds:
# PCI device, node, base, size onlined.
MODULE_LINE = re.compile(r"nvgrace_mem: (\S+): node (\d+) base 0x([0-9a-f]+) "
                         r"size 0x([0-9a-f]+) online movable")
# ... and for each GPU whose memory it could not add.
MODULE_FAILED = re.compile(r"nvgrace_mem: (\S+): GPU memory not onlined "
                           r"\((-\d+)\)")


def parse_nodes(text):
    """{node: {'cpus': str, 'total_kib': int}} from NODE_TABLE's lines."""
    nodes = {}
    for line in text.splitlines():
        if line.startswith("node="):
            kv = dict(w.split("=", 1) for w in line.split())
            nodes[int(kv["node"])] = {"cpus": kv["cpus"],
                                      "total_kib": int(kv["total_kib"])}
    return nodes


def format_nodes(nodes):
    lines = ["node  cpus   MemTotal"]
    for n in sorted(nodes):
        lines.append("%4d  %-5s  %7d MiB" % (n, nodes[n]["cpus"] or "-",
                                            nodes[n]["total_kib"] // 1024))
    return "\n".join(lines)
