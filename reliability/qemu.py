# SPDX-License-Identifier: GPL-2.0-or-later
"""Start the built QEMU with vfio-pci-nvgrace on the emulated host.

What the reliability tests share: the command line of a small virt machine
with memory-only NUMA nodes for the GPUs, a run that must fail (its exit
status and what it printed), a running QEMU driven over QMP, and the
emulated host's counters and QEMU's open files and mappings from /proc.
"""

import collections
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "qemu-system-aarch64: "


# What AddressSanitizer and UndefinedBehaviorSanitizer print.
SANITIZER_REPORT = re.compile(r"ERROR: \w+Sanitizer|runtime error: ")


def build_paths(build):
    """QEMU (NVGRACE_QEMU: another build of it, the sanitizer build) and
    the emulated host."""
    build = os.path.abspath(build)
    return (os.environ.get("NVGRACE_QEMU") or
            os.path.join(build, "qemu-system-aarch64"),
            os.path.join(build, "emulated-host", "libnvgrace-host.so"))


def machine(nodes=3, ram="1G", maxmem="8G", extra=()):
    """A virt machine with node 0 (CPU and RAM) and memory-only nodes
    1..nodes-1 for the GPUs."""
    args = ["-M", "virt", "-nodefaults", "-cpu", "max", "-display", "none",
            "-m", ram if maxmem is None else "%s,maxmem=%s" % (ram, maxmem),
            "-object", "memory-backend-ram,id=m0,size=%s" % ram,
            "-numa", "node,nodeid=0,cpus=0,memdev=m0"]
    for n in range(1, nodes):
        args += ["-numa", "node,nodeid=%d" % n]
    return args + list(extra)


def gpu(host="0009:01:00.0", port=1, **props):
    """-device vfio-pci-nvgrace with props (underscores become dashes),
    behind its own pcie-root-port (device 0 function 0, where NVIDIA's
    driver looks for it) unless port is None."""
    args = []
    opts = ["vfio-pci-nvgrace", "host=" + host]
    if port is not None:
        args = ["-device", "pcie-root-port,id=rp%d,chassis=%d" % (port, port)]
        opts.append("bus=rp%d" % port)
    props.setdefault("node", 1)
    props.setdefault("node_count", 1)
    for key, value in props.items():
        if value is not None:
            opts.append("%s=%s" % (key.replace("_", "-"), value))
    return args + ["-device", ",".join(opts)]


class Host:
    """The emulated host: its GPUs (NVGRACE_HOST) and counters."""

    def __init__(self, build, spec="host=0009:01:00.0,mem=1G"):
        self.qemu, self.lib = build_paths(build)
        self.tmp = tempfile.TemporaryDirectory(prefix="nvgrace-rel-")
        self.stats_path = os.path.join(self.tmp.name, "stats")
        self.spec = spec

    def env(self, spec=None):
        env = dict(os.environ)
        env["NVGRACE_HOST"] = self.spec if spec is None else spec
        env["NVGRACE_HOST_STATS"] = self.stats_path
        env["LD_PRELOAD"] = self.lib
        return env

    def stats(self):
        counters = {}
        with open(self.stats_path) as f:
            for line in f:
                key, value = line.split()
                counters[key] = int(value)
        return counters

    def close(self):
        self.tmp.cleanup()


class Failure:
    """What a QEMU that had to refuse its command line did."""

    def __init__(self, returncode, stderr):
        if SANITIZER_REPORT.search(stderr):
            raise AssertionError("sanitizer report:\n" + stderr)
        self.returncode = returncode
        self.stderr = stderr
        lines = stderr.splitlines()
        said = [line for line in lines if line.startswith(PREFIX)]
        self.warnings = [line for line in said if ": warning: " in line]
        self.errors = [line for line in said if line not in self.warnings]
        self.hints = [line for line in lines if not line.startswith(PREFIX)]

    def describe(self):
        return "exit status %s, stderr:\n%s" % (self.returncode, self.stderr)


def run_failing(host, args, spec=None, timeout=60):
    """Run QEMU that should refuse to start; never waits for a hang."""
    try:
        proc = subprocess.run([host.qemu] + args, env=host.env(spec),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return Failure("still running after %ds" % timeout,
                       (e.stderr or b"").decode())
    return Failure(proc.returncode, proc.stderr)


class Qmp:
    """A running QEMU (paused, -S) and its QMP monitor."""

    def __init__(self, host, args, spec=None, timeout=60):
        self.sock_path = os.path.join(host.tmp.name, "qmp-%d.sock" % id(self))
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [host.qemu, "-S", "-qmp", "unix:%s,server=on,wait=on" %
             self.sock_path] + args,
            env=host.env(spec), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.sock = None
        deadline = time.monotonic() + timeout
        while self.sock is None:
            if self.proc.poll() is not None:
                raise RuntimeError("QEMU exited with %d:\n%s" %
                                   (self.proc.returncode, self.read_stderr()))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("QMP socket did not appear")
            try:
                sock = socket.socket(socket.AF_UNIX)
                sock.settimeout(timeout)
                sock.connect(self.sock_path)
                self.sock = sock
            except OSError:
                sock.close()
                time.sleep(0.05)
        self.reader = self.sock.makefile("r")
        json.loads(self.reader.readline())           # greeting
        self.cmd("qmp_capabilities")

    @property
    def pid(self):
        return self.proc.pid

    def cmd(self, name, **arguments):
        """The reply to a command: {'return': ...} or {'error': ...}."""
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = json.loads(self.reader.readline())
            if "event" not in reply:
                return reply

    def ok(self, name, **arguments):
        reply = self.cmd(name, **arguments)
        if "error" in reply:
            raise RuntimeError("%s: %s" % (name, reply["error"]["desc"]))
        return reply["return"]

    def hmp(self, command):
        return self.ok("human-monitor-command", **{"command-line": command})

    def read_stderr(self):
        if self.stderr.closed:
            return self.final_stderr
        self.stderr.seek(0)
        return self.stderr.read()

    def quit(self, timeout=30):
        """Ask QEMU to quit; its exit status.  A QEMU that is still running
        after timeout seconds is killed and fails the test."""
        try:
            self.cmd("quit")
        except OSError:
            pass
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("QEMU (pid %d) still running %d s after "
                                 "quit; killed" % (self.pid, timeout))
        finally:
            self.close()
        if SANITIZER_REPORT.search(self.read_stderr()):
            raise AssertionError("sanitizer report:\n" + self.read_stderr())
        return status

    def stop(self):
        """For a test's cleanup: a QEMU that a failed check left running is
        killed and waited for, so that it cannot fail the next test."""
        if self.proc.poll() is None:
            self.kill()
        self.close()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.close()

    def close(self):
        if self.sock:
            self.reader.close()
            self.sock.close()
            self.sock = None
        if self.proc.poll() is not None and not self.stderr.closed:
            self.final_stderr = self.read_stderr()
            self.stderr.close()


def open_fds(pid):
    """What each file descriptor of pid refers to."""
    fd_dir = "/proc/%d/fd" % pid
    fds = {}
    for fd in os.listdir(fd_dir):
        try:
            fds[int(fd)] = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            pass
    return fds


def fd_targets(pid):
    """What pid's file descriptors point to, counted: a socket or pipe
    counts by its kind and an unnamed temporary file (O_TMPFILE, such as
    the stderr this runner gives QEMU) as one, not by inode, so that the
    count says what is open and not which fd number or inode it got."""
    return collections.Counter(re.sub(r":\[\d+\]$|#\d+", "", target)
                               for target in open_fds(pid).values())


def mappings(pid):
    """pid's mappings: (start, end, path) from /proc/pid/maps."""
    result = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            fields = line.split(None, 5)
            start, end = (int(x, 16) for x in fields[0].split("-"))
            result.append((start, end, fields[5].strip()
                           if len(fields) > 5 else ""))
    return result


def owned_mappings(pid, names):
    """pid's mappings of files whose path contains one of names: what the
    device and the emulated host map (the GPU memory's backing file, the
    emulated BAR0), not what the allocator or a sanitizer's runtime maps
    for itself as the process runs."""
    return [m for m in mappings(pid) if any(n in m[2] for n in names)]
