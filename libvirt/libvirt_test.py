#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libvirt_test.py BUILD VARIANT: start a domain of libvirt/ through a real
# libvirtd with BUILD's qemu-system-aarch64 on the emulated host, check
# through QEMU's monitor that the GPU is there with its memory on its NUMA
# node, boot the arm64 test guest in it (BUILD/guest) and check what the
# guest sees (the GPU's nodes; its memory onlined there by the guest's
# driver), then destroy and undefine the domain and stop libvirtd.
# VARIANT is one of:
#   hostdev      vfio-pci-nvgrace-domain.xml (libvirt 11.8 or later: the GPU
#                is a <hostdev> with <acpi nodeset>) on libvirt from
#                Debian 13's backports, run in BUILD/libvirt-root;
#   commandline  vfio-pci-nvgrace-domain-commandline.xml (older libvirt:
#                the GPU and its nodes on QEMU's command line) on this
#                machine's libvirt.
# Run by run-libvirt-test.sh, which installs libvirt and makes the guest.
#
# The libvirtd is private: a system (root) instance in a mount namespace of
# its own, where BUILD/libvirt-test/{etc,run,lib,cache,log,firmware} are
# mounted on /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt, /var/log/libvirt and /usr/share/qemu/firmware.  A
# system libvirt on the same machine neither sees it nor is touched by it.
# Its qemu.conf runs QEMU as root, without namespaces, cgroups, security
# driver or virtlogd, so that QEMU can use files in the build tree and run
# in a container.  For the hostdev variant the namespace also gives
# libvirtd the host that the emulated host gives QEMU: the GPU in sysfs,
# bound to nvgrace_gpu_vfio_pci, in an IOMMU group, and /dev/vfio.
#
# Exit status: 0 passed, 1 failed, 77 skipped (libvirtd cannot run here,
# with the reason).

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'guest'))
import guest  # noqa: E402
import initramfs  # noqa: E402

# The domain each variant starts.
DOMAIN_XML = {
    'hostdev': os.path.join(REPO, 'libvirt', 'vfio-pci-nvgrace-domain.xml'),
    'commandline': os.path.join(REPO, 'libvirt',
                                'vfio-pci-nvgrace-domain-commandline.xml'),
}
DOC_RST = os.path.join(REPO, 'docs', 'system', 'devices',
                       'vfio-pci-nvgrace.rst')
QEMU_NS = '{http://libvirt.org/schemas/domain/qemu/1.0}'

# Host directories of the system libvirtd, and their private copies.
PRIVATE_DIRS = {
    'etc': '/etc/libvirt',
    'run': '/run/libvirt',
    'lib': '/var/lib/libvirt',
    'cache': '/var/cache/libvirt',
    'log': '/var/log/libvirt',
    # The firmware descriptors that <os firmware='efi'> chooses from.
    'firmware': '/usr/share/qemu/firmware',
}

# Where libvirtd, in the root, sees the emulated GPU that QEMU sees:
# directories made by fake_host() under BUILD/libvirt-test/host.
FAKE_SYSFS = {
    'devices': '/sys/bus/pci/devices',
    'drivers': '/sys/bus/pci/drivers',
    'iommu_groups': '/sys/kernel/iommu_groups',
}
# The IOMMU group of the emulated host's first GPU (emulated-host/gpu.c).
EMULATED_GROUP = 100
# Its driver on a GH200 host: the VFIO variant driver of nvgrace-gpu.
VFIO_DRIVER = 'nvgrace_gpu_vfio_pci'
# The PCI device IDs of the emulated host's models (emulated-host/gpu.c).
MODEL_DEVICE_ID = {'gh200': 0x2342, 'gb200': 0x2941}

# The one firmware the private libvirtd sees: the test guest's edk2
# (Debian 13's, BUILD/guest).  Debian 12's edk2 2022.11 reports the flash
# at 0x04000000-0x07ffffff as memory that no SRAT range covers, and the
# guest's Linux then drops the SRAT's NUMA nodes ("NUMA: Warning: invalid
# memblk node 16", "Faking a node").
FIRMWARE_JSON = '''\
{
    "description": "UEFI firmware for aarch64 (the test guest's edk2)",
    "interface-types": ["uefi"],
    "mapping": {
        "device": "flash",
        "executable": {"filename": "%s", "format": "raw"},
        "nvram-template": {"filename": "%s", "format": "raw"}
    },
    "targets": [{"architecture": "aarch64", "machines": ["virt-*"]}],
    "features": ["verbose-static"],
    "tags": []
}
'''

LIBVIRTD_CONF = '''\
# The private libvirtd of libvirt/libvirt_test.py: root only.
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
unix_sock_admin_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
'''

QEMU_CONF = '''\
# QEMU as root (it uses files in the build tree), and nothing that needs
# more of the host than a container has.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
stdio_handler = "file"
'''


# The test guest's /test.sh: what Linux made of the SRAT, the NUMA nodes
# at boot, the module that does what NVIDIA's driver does with the memory,
# the nodes after it.  Then it waits to be destroyed.
GUEST_SCRIPT = '''
dmesg | grep -E 'SRAT: Node|NUMA: (Warning|Faking)' || true
''' + guest.NODE_TABLE + '''
echo "--- insmod"
insmod /lib/modules/nvgrace_mem.ko
dmesg | grep 'nvgrace_mem: .*:'
echo "--- after"
''' + guest.NODE_TABLE + '''
grep 'System RAM' /proc/iomem
echo "--- guest done"
exec sleep 3600
'''
GUEST_DONE = '--- guest done'


def with_guest(text, build, state):
    """The domain XML with the test guest to boot: Debian's arm64 kernel
    and the test initramfs (guest/init, with GUEST_SCRIPT as /test.sh),
    the kernel's console in a file.  Returns (xml, console path)."""
    stack = os.path.join(build, 'guest')
    initrd = os.path.join(state, 'initrd')
    with open(os.path.join(stack, 'base.cpio'), 'rb') as f:
        base = f.read()
    with open(initrd, 'wb') as f:
        f.write(base + initramfs.cpio_file('test.sh', GUEST_SCRIPT.encode()))
    console = os.path.join(state, 'console.log')
    if os.path.exists(console):
        os.unlink(console)
    boot = ('<kernel>%s</kernel>\n    <initrd>%s</initrd>\n'
            '    <cmdline>console=ttyAMA0 rdinit=/init loglevel=4 nokaslr '
            'acpi=force memhp_default_state=online_movable</cmdline>\n'
            '  </os>' %
            (os.path.join(stack, 'Image'), initrd))
    serial = ("<serial type='file'>\n      <source path='%s'/>\n"
              "    </serial>\n  </devices>" % console)
    for old, new in (('</os>', boot), ('</devices>', serial)):
        if text.count(old) != 1:
            raise Failure('the domain XML should have one ' + old)
        text = text.replace(old, new)
    return text, console


# The GPU memory of the emulated host's GPU.
EMULATED_MEM = '16G'


def on_emulated_host(text, emulator, lib):
    """A GH200 domain of the documentation, as it runs here: under TCG
    (this machine has no KVM for arm64) on the 'max' CPU, with the
    emulator given, a <hostdev> GPU unmanaged (the emulated GPU is bound to
    its VFIO driver already: libvirt cannot bind it) and the emulated host
    loaded into QEMU."""
    m = re.search(r"<address domain='0x([0-9a-f]+)' bus='0x([0-9a-f]+)' "
                  r"slot='0x([0-9a-f]+)' function='0x([0-9a-f])'/>", text)
    if m:
        host = '%04x:%02x:%02x.%x' % tuple(int(g, 16) for g in m.groups())
    else:
        m = re.search(r"vfio-pci-nvgrace,host=([0-9a-f:.]+),", text)
        if not m:
            raise Failure('the domain XML names no GPU: neither a <hostdev> '
                          'source nor a vfio-pci-nvgrace host=')
        host = m.group(1)
    env = ("    <qemu:env name='NVGRACE_HOST' value='host=%s,mem=%s'/>\n"
           "    <qemu:env name='LD_PRELOAD' value='%s'/>\n"
           % (host, EMULATED_MEM, lib))
    edits = [("<domain type='kvm'", "<domain type='qemu'"),
             ("<cpu mode='host-passthrough'>", "<cpu mode='maximum'>")]
    if '<hostdev' in text:
        edits.append(("managed='yes'", "managed='no'"))
    if '<qemu:commandline>' in text:
        edits.append(("  </qemu:commandline>", env + "  </qemu:commandline>"))
    else:
        edits.append(("  <qemu:override>", "  <qemu:commandline>\n" + env +
                      "  </qemu:commandline>\n  <qemu:override>"))
    for old, new in edits:
        if text.count(old) != 1:
            raise Failure('the domain XML should have one %s' % old)
        text = text.replace(old, new)
    text, n = re.subn(r'<emulator>[^<]*</emulator>',
                      '<emulator>%s</emulator>' % emulator, text)
    if n != 1:
        raise Failure('the domain XML should have one <emulator>')
    log('on the emulated host: TCG, cpu maximum, %s, '
        'NVGRACE_HOST=host=%s,mem=%s' % (emulator, host, EMULATED_MEM))
    return text


def without_raising_memlock(text):
    """libvirt raises QEMU's locked-memory limit for a VFIO <hostdev> (to
    <memory> plus 1 GiB, 3 GiB here), which needs CAP_SYS_RESOURCE.  A
    container may not have it: then give libvirt the limit QEMU has
    already, as <memtune><hard_limit>, which libvirt sets instead.  The
    emulated host pins nothing."""
    caps = [l for l in open('/proc/self/status')
            if l.startswith('CapEff:')][0].split()[1]
    cap_sys_resource = 24
    hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)[1]
    if int(caps, 16) >> cap_sys_resource & 1 or hard == resource.RLIM_INFINITY:
        return text
    log('no CAP_SYS_RESOURCE here: QEMU keeps its locked-memory limit of '
        '%d KiB (<memtune><hard_limit>)' % (hard >> 10))
    return text.replace('  <vcpu', "  <memtune><hard_limit unit='KiB'>%d"
                        "</hard_limit></memtune>\n  <vcpu" % (hard >> 10), 1)


def wait_for_console(path, marker, seconds):
    deadline = time.monotonic() + seconds
    text = ''
    while time.monotonic() < deadline:
        if os.path.exists(path):
            text = open(path, errors='replace').read().replace('\r', '')
            if marker in text:
                return text
            if 'nvgrace-guest: end' in text:
                break           # /test.sh failed
        time.sleep(1)
    raise Failure('the guest did not print %r (waited up to %d s); '
                  'console:\n%s' % (marker, seconds, text[-3000:]))


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def check(cond, what, detail=''):
    if not cond:
        raise Failure(what + (': ' + detail if detail else ''))
    log('ok: ' + what + (' (' + detail + ')' if detail else ''))


def parse_size(text):
    """An emulated host's mem= (as QEMU's sizes: 96G, 512M)."""
    m = re.fullmatch(r'(\d+)([KMGT]?)', text)
    if not m:
        raise Failure('cannot parse size %r' % text)
    return int(m.group(1)) << (10 * ' KMGT'.index(m.group(2) or ' '))


def libvirt_bytes(value, unit):
    """A libvirt memory size: value and unit attribute (default KiB)."""
    scale = {'b': 1, 'bytes': 1, 'KB': 10**3, 'MB': 10**6, 'GB': 10**9,
             'TB': 10**12, 'k': 1 << 10, 'KiB': 1 << 10, 'M': 1 << 20,
             'MiB': 1 << 20, 'G': 1 << 30, 'GiB': 1 << 30, 'T': 1 << 40,
             'TiB': 1 << 40}
    return int(value) * scale[unit or 'KiB']


def rst_xml_blocks(rst):
    """The '.. code-block:: xml' blocks of the .rst, unindented."""
    lines = rst.split('\n')
    blocks = []
    for i, line in enumerate(lines):
        if line != '.. code-block:: xml':
            continue
        block = []
        for line in lines[i + 2:]:
            if line and not line.startswith('  '):
                break
            block.append(line[2:])
        blocks.append('\n'.join(block).strip('\n') + '\n')
    return blocks


def node_range(nodeset):
    """<acpi nodeset>: the first node and the count of a range 'a-b'."""
    m = re.fullmatch(r'(\d+)(?:-(\d+))?', nodeset)
    if not m:
        raise Failure('nodeset %r: the test expects one range' % nodeset)
    first = int(m.group(1))
    return first, int(m.group(2) or first) - first + 1


def hostdev_properties(root):
    """The device's properties as a <hostdev> with <acpi nodeset> gives
    them, and that <qemu:override> makes it a vfio-pci-nvgrace."""
    hostdevs = root.findall('devices/hostdev')
    if len(hostdevs) != 1:
        raise Failure('the domain XML should have one <hostdev>')
    hd = hostdevs[0]
    a = hd.find('source/address')
    alias = hd.find('alias').get('name')
    drivers = [p.get('value') for d in root.findall(
                   QEMU_NS + 'override/' + QEMU_NS + 'device')
               if d.get('alias') == alias
               for p in d.findall(QEMU_NS + 'frontend/' + QEMU_NS +
                                  'property')
               if p.get('name') == 'driver']
    if drivers != ['vfio-pci-nvgrace']:
        raise Failure('<qemu:override> should make %s a vfio-pci-nvgrace'
                      % alias)
    first, count = node_range(hd.find('acpi').get('nodeset'))
    return {'id': alias,
            'host': '%04x:%02x:%02x.%x' % tuple(
                int(a.get(k), 16) for k in ('domain', 'bus', 'slot',
                                            'function')),
            'node': str(first), 'node-count': str(count)}


def domain_expectations(root):
    """What the domain XML asks for: the device's properties, the GPU
    memory size the emulated host gives it, and node 0's memory."""
    ns = root.find(QEMU_NS + 'commandline')
    args = [a.get('value') for a in ns.findall(QEMU_NS + 'arg')]
    env = {e.get('name'): e.get('value') for e in ns.findall(QEMU_NS + 'env')}
    devs = [a for a in args if a.startswith('vfio-pci-nvgrace,')]
    if root.find('devices/hostdev') is not None:
        if devs:
            raise Failure('the GPU is both a <hostdev> and on the command '
                          'line')
        props = hostdev_properties(root)
    elif len(devs) == 1:
        props = dict(p.split('=', 1) for p in devs[0].split(',')[1:])
    else:
        raise Failure('the domain XML should have one vfio-pci-nvgrace')
    gpu = dict(p.split('=', 1) for p in env['NVGRACE_HOST'].split(','))
    if gpu['host'] != props['host']:
        raise Failure('NVGRACE_HOST and the device name different GPUs')
    cell0 = root.find('cpu/numa/cell')
    return {
        'id': props['id'],
        'host': props['host'],
        'node': int(props['node']),
        'node-count': int(props.get('node-count', 8)),
        'size': parse_size(gpu.get('mem', '1G')),
        # What NVIDIA's driver (and guest/module) onlines of it.
        'online': guest.Gpu(mem=gpu.get('mem', '1G'),
                            model=gpu.get('model', 'gh200')).online_size(),
        'ram': libvirt_bytes(cell0.get('memory'), cell0.get('unit')),
        'cpus': ' '.join(str(c) for r in cell0.get('cpus').split(',')
                         for c in range(int(r.split('-')[0]),
                                        int(r.split('-')[-1]) + 1)),
        'name': root.findtext('name'),
        'model': gpu.get('model', 'gh200'),
        'hostdev': root.find('devices/hostdev') is not None,
    }


def fake_host(host, exp):
    """What libvirtd reads of the GPU: its sysfs directory with vendor,
    device, a PCI Express config space, the vfio-dev directory by which
    libvirt knows a VFIO variant driver, and its IOMMU group.  The
    emulated host answers QEMU's own accesses; libvirtd does not load it."""
    shutil.rmtree(host, ignore_errors=True)
    addr = exp['host']
    dev = os.path.join(host, 'devices', addr)
    os.makedirs(os.path.join(dev, 'vfio-dev', 'vfio0'))
    device_id = MODEL_DEVICE_ID[exp['model']]
    config = bytearray(4096)
    config[0:4] = (0x10de | device_id << 16).to_bytes(4, 'little')
    config[6] = 0x10                            # status: capability list
    config[9:12] = bytes((0x00, 0x02, 0x03))    # class 3D controller
    config[0x34] = 0x40                         # capabilities pointer
    config[0x40:0x44] = bytes((0x10, 0x00, 0x02, 0x00))  # PCIe endpoint
    for name, data in (('config', bytes(config)),
                       ('vendor', b'0x10de\n'),
                       ('device', b'0x%04x\n' % device_id),
                       ('class', b'0x030200\n')):
        with open(os.path.join(dev, name), 'wb') as f:
            f.write(data)
    os.symlink('/sys/bus/pci/drivers/' + VFIO_DRIVER,
               os.path.join(dev, 'driver'))
    os.symlink('/sys/kernel/iommu_groups/%d' % EMULATED_GROUP,
               os.path.join(dev, 'iommu_group'))
    for link in ('drivers/%s/%s' % (VFIO_DRIVER, addr),
                 'iommu_groups/%d/devices/%s' % (EMULATED_GROUP, addr)):
        os.makedirs(os.path.dirname(os.path.join(host, link)))
        os.symlink('/sys/bus/pci/devices/' + addr, os.path.join(host, link))


def host_loader_wrapper(path, qemu, preload):
    """An emulator for libvirtd in the root: QEMU, built on this machine,
    started by this machine's dynamic loader with this machine's
    libraries, seen in the root under /run/host.  Returns the directories
    they are in."""
    interp, dirs = None, []
    for binary in (qemu, preload):
        out = subprocess.run(['ldd', binary], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            m = re.match(r'\s*\S+ => (/\S+) \(', line)
            if m:
                d = os.path.dirname(os.path.realpath(m.group(1)))
                if d not in dirs:
                    dirs.append(d)
            m = re.match(r'\s*(/\S+) \(0x', line)
            if m:
                interp = os.path.realpath(m.group(1))
    if not interp:
        raise Failure('ldd %s names no dynamic loader' % qemu)
    with open(path, 'w') as f:
        f.write('#!/bin/sh\nexec /run/host%s --library-path %s --argv0 "$0" '
                '%s "$@"\n' % (interp, ':'.join('/run/host' + d for d in dirs),
                              qemu))
    os.chmod(path, 0o755)
    return sorted(set(dirs) | {os.path.dirname(interp)})


class Libvirtd:
    def __init__(self, state, root=None, host_dirs=()):
        self.state = state
        # A root (libvirt/make-libvirt-root.sh) to run libvirtd in, or None
        # for this machine's libvirtd; the directories of this machine that
        # QEMU needs there (host_loader_wrapper()).
        self.root = root
        self.host_dirs = host_dirs
        self.proc = None
        self.out = os.path.join(state, 'libvirtd.out')

    def chroot_script(self, build):
        """Mount what libvirtd needs in the root, and the host it must see:
        this machine's libraries under /run/host, BUILD where it is here,
        the emulated GPU (fake_host()) in sysfs and /dev/vfio."""
        r = self.root
        host = os.path.join(self.state, 'host')
        cmds = ['set -e',
                'mount -t proc proc %s/proc' % r,
                'mount --rbind /sys %s/sys' % r,
                'mount -t tmpfs -o mode=755 tmpfs %s/dev' % r]
        for n in ('null', 'zero', 'full', 'random', 'urandom', 'tty'):
            cmds.append('touch {0}/dev/{1} && mount --bind /dev/{1} '
                        '{0}/dev/{1}'.format(r, n))
        cmds += [
            'mkdir %s/dev/pts %s/dev/shm %s/dev/vfio' % (r, r, r),
            'mount -t devpts -o newinstance,ptmxmode=0666 devpts %s/dev/pts'
            % r,
            'ln -s pts/ptmx %s/dev/ptmx' % r,
            'mount -t tmpfs tmpfs %s/dev/shm' % r,
            # Plain files: the emulated host opens them for QEMU.
            'touch %s/dev/vfio/vfio %s/dev/vfio/%d' % (r, r, EMULATED_GROUP),
            'mount -t tmpfs tmpfs %s/run' % r,
            'mount -t tmpfs tmpfs %s/tmp' % r,
            'mkdir -p {0}{1} && mount --bind {1} {0}{1}'.format(r, build)]
        for d in self.host_dirs:
            cmds.append('mkdir -p {0}/run/host{1} && mount --bind {1} '
                        '{0}/run/host{1} && mount -o remount,bind,ro '
                        '{0}/run/host{1}'.format(r, d))
        for k, v in PRIVATE_DIRS.items():
            cmds.append('mkdir -p {0}{1} && mount --bind {2} {0}{1}'.format(
                r, v, os.path.join(self.state, k)))
        for k, v in FAKE_SYSFS.items():
            cmds.append('mount --bind %s %s%s' % (os.path.join(host, k),
                                                  r, v))
        cmds.append('exec chroot %s /usr/sbin/libvirtd '
                    '-f /etc/libvirt/libvirtd.conf' % r)
        return '\n'.join(cmds)

    def start(self, build):
        if self.root:
            script = self.chroot_script(build)
        else:
            for d in PRIVATE_DIRS.values():
                # Mount points, most of which libvirt's packages create.
                os.makedirs(d, exist_ok=True)
            binds = ' && '.join('mount --bind %s %s' %
                                (os.path.join(self.state, k), v)
                                for k, v in PRIVATE_DIRS.items())
            script = binds + ' && exec libvirtd -f /etc/libvirt/libvirtd.conf'
        with open(self.out, 'w') as out:
            self.proc = subprocess.Popen(
                ['unshare', '--mount', '--propagation', 'private',
                 'sh', '-c', script],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Skip('libvirtd could not start in a mount namespace '
                           'of its own (exit status %d): %s' %
                           (self.proc.returncode, self.output()))
            r = self.virsh('version', check=False)
            if r.returncode == 0:
                return r.stdout
            time.sleep(0.5)
        raise Skip('libvirtd did not answer within 60 s: ' + self.output())

    def output(self):
        text = open(self.out).read().strip()
        logf = os.path.join(self.state, 'log', 'libvirtd.log')
        if os.path.exists(logf):
            text += '\n' + open(logf).read().strip()
        return text[-3000:]

    def virsh(self, *args, check=True):
        # nsenter: the client sees the private /run/libvirt, so it reaches
        # this libvirtd, whatever the length of the build directory's path.
        cmd = ['nsenter', '-t', str(self.proc.pid), '-m']
        if self.root:
            cmd += ['-r', '-w']
        cmd += ['virsh', '-q', '-c', 'qemu:///system'] + list(args)
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=120)
        if check and r.returncode != 0:
            raise Failure('virsh %s: %s' % (' '.join(args),
                                            (r.stderr or r.stdout).strip()))
        return r

    def qmp(self, domain, command, **arguments):
        cmd = {'execute': command}
        if arguments:
            cmd['arguments'] = arguments
        r = self.virsh('qemu-monitor-command', domain, json.dumps(cmd))
        reply = json.loads(r.stdout)
        if 'return' not in reply:
            raise Failure('QMP %s: %s' % (command, reply))
        return reply['return']

    def hmp(self, domain, command):
        return self.virsh('qemu-monitor-command', '--hmp', domain,
                          command).stdout

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def kill_leftover_qemu(state):
    """A QEMU that libvirtd started and did not stop: kill it by its pid
    file (it runs in libvirtd's namespace, which it keeps alive)."""
    qemu_run = os.path.join(state, 'run', 'qemu')
    if not os.path.isdir(qemu_run):
        return
    for f in os.listdir(qemu_run):
        if not f.endswith('.pid'):
            continue
        try:
            pid = int(open(os.path.join(qemu_run, f)).read())
            # The program, or the dynamic loader that runs it (the root).
            argv = open('/proc/%d/cmdline' % pid, 'rb').read().split(b'\0')
        except (OSError, ValueError):
            continue
        if any(os.path.basename(a).startswith(b'qemu-system-aarch64')
               for a in argv[:6]):
            log('killing QEMU %d, left by libvirtd' % pid)
            os.kill(pid, signal.SIGKILL)


def numa_nodes(info):
    """HMP 'info numa' as {node: (cpus, size MiB, plugged MiB)}."""
    nodes = {}
    for m in re.finditer(r'^node (\d+) (cpus|size|plugged):(.*)$', info, re.M):
        n = nodes.setdefault(int(m.group(1)), {})
        n[m.group(2)] = m.group(3).strip()
    return {k: (v['cpus'], int(v['size'].split()[0]),
                int(v['plugged'].split()[0])) for k, v in nodes.items()}


def pci_devices(buses):
    for bus in buses:
        for d in bus['devices']:
            yield d
            bridge = d.get('pci_bridge')
            if bridge and 'devices' in bridge:
                yield from pci_devices([bridge])


def check_guest(exp, memaddr, console):
    """What the guest saw: the GPU's nodes without memory at boot, then
    its driver onlining the memory into the first of them: on a GH200 all
    but the 1 GiB its driver keeps."""
    out = console.split('nvgrace-guest: begin', 1)[-1]
    before, rest = out.split('--- insmod', 1)
    module, after = rest.split('--- after', 1)
    first, count = exp['node'], exp['node-count']
    nodes = guest.parse_nodes(before)
    log('guest: at boot:\n' + guest.format_nodes(nodes))
    check(sorted(nodes) == list(range(first + count)),
          'guest: nodes 0-%d at boot' % (first + count - 1),
          str(sorted(nodes)))
    check(all(nodes[n]['total_kib'] == 0 and nodes[n]['cpus'] == ''
              for n in range(first, first + count)),
          'guest: nodes %d-%d have no CPUs and no memory at boot'
          % (first, first + count - 1))
    m = guest.MODULE_LINE.search(module)
    check(m is not None and m.groups()[1:] == (
              str(first), '%x' % memaddr, '%x' % exp['online']),
          'guest: its driver onlined 0x%x bytes at 0x%x into node %d'
          % (exp['online'], memaddr, first), m and m.group(0) or module[-500:])
    nodes = guest.parse_nodes(after)
    log('guest: after its driver added the GPU memory:\n' +
        guest.format_nodes(nodes))
    check(nodes[first]['total_kib'] << 10 == exp['online'],
          'guest: node %d has %d GiB' % (first, exp['online'] >> 30),
          '%d KiB' % nodes[first]['total_kib'])
    check(all(nodes[n]['total_kib'] == 0
              for n in range(first + 1, first + count)),
          'guest: nodes %d-%d stay empty' % (first + 1, first + count - 1))
    ram = re.findall(r'^\s*([0-9a-f]+)-([0-9a-f]+) : System RAM \(NVIDIA\)$',
                     after, re.M)
    check(ram and int(ram[0][0], 16) == memaddr and
          int(ram[-1][1], 16) == memaddr + exp['online'] - 1,
          'guest: /proc/iomem has it as System RAM (NVIDIA)',
          '%d pieces' % len(ram))


def check_generic_initiators(daemon, dom, exp, argv):
    """libvirt's <acpi nodeset>: one memory-less node and one
    acpi-generic-initiator object naming the GPU for each of its nodes, on
    QEMU's command line and in QEMU."""
    first, count = exp['node'], exp['node-count']
    for n in range(first, first + count):
        numa = [a for a in argv if re.match(r'-numa node,nodeid=%d(,|$)' % n,
                                            a)]
        check(len(numa) == 1 and 'memdev' not in numa[0],
              'libvirt gave QEMU node %d once, without memory' % n,
              ' '.join(numa))
    objects = [o['name'] for o in daemon.qmp(dom, 'qom-list', path='/objects')
               if o['type'] == 'child<acpi-generic-initiator>']
    gis = sorted((daemon.qmp(dom, 'qom-get', path='/objects/' + o,
                             property='node'),
                  daemon.qmp(dom, 'qom-get', path='/objects/' + o,
                             property='pci-dev')) for o in objects)
    check(gis == [(n, exp['id']) for n in range(first, first + count)],
          'qom-list /objects: one acpi-generic-initiator for %s on each of '
          'nodes %d-%d' % (exp['id'], first, first + count - 1), str(gis))


def run(state, exp, build, root, host_dirs):
    dom = exp['name']
    gib = 1 << 30
    daemon = Libvirtd(state, root, host_dirs)
    log('starting a private libvirtd (state in %s%s)'
        % (state, ', in the root ' + root if root else ''))
    try:
        version = daemon.start(build)
        log(' '.join(l for l in version.splitlines() if 'Using library' in l))
        domain_file = os.path.join(state, 'domain.xml')
        daemon.virsh('define', domain_file)
        log('defined %s from %s' % (dom, os.path.relpath(exp['xml'], REPO)))
        daemon.virsh('start', '--paused', dom)
        log('started %s (paused: the firmware has not run)' % dom)
        qemu_log = os.path.join(state, 'log', 'qemu', dom + '.log')
        argv = [l.rstrip(' \\') for l in open(qemu_log).read().splitlines()
                if re.match(r'-(m|numa|device|machine|accel|object) ', l)]
        log('libvirt ran QEMU with:\n  ' + '\n  '.join(argv))
        if exp['hostdev']:
            check_generic_initiators(daemon, dom, exp, argv)

        state_ = daemon.virsh('domstate', dom).stdout.strip()
        check(state_ == 'paused', 'virsh domstate is paused', state_)

        peripherals = {p['name']: p['type'] for p in
                       daemon.qmp(dom, 'qom-list', path='/machine/peripheral')}
        check(peripherals.get(exp['id']) == 'child<vfio-pci-nvgrace>',
              'qom-list /machine/peripheral has %s, a vfio-pci-nvgrace'
              % exp['id'], str(peripherals))

        mdevs = daemon.qmp(dom, 'query-memory-devices')
        check(len(mdevs) == 1 and mdevs[0]['type'] == 'vfio-pci-coherent',
              'query-memory-devices: one vfio-pci-coherent', str(mdevs))
        data = mdevs[0]['data']
        for key in ('id', 'host', 'node', 'node-count', 'size'):
            check(data.get(key) == exp[key],
                  'query-memory-devices: %s = %s' % (key, exp[key]),
                  'got %s' % data.get(key))
        check(data.get('memory-source') == 'region',
              'query-memory-devices: memory-source = region '
              '(the emulated host\'s coherent-memory region)',
              'got %s' % data.get('memory-source'))
        check(data.get('online') == 'driver-managed',
              'query-memory-devices: online = driver-managed',
              'got %s' % data.get('online'))
        memaddr = data['memaddr']

        size = daemon.qmp(dom, 'qom-get', path='/machine/peripheral/' +
                          exp['id'], property='size')
        check(size == exp['size'], 'qom-get %s size = %d GiB'
              % (exp['id'], exp['size'] // gib), 'got %d' % size)

        nodes = numa_nodes(daemon.hmp(dom, 'info numa'))
        first, count = exp['node'], exp['node-count']
        check(sorted(nodes) == list(range(first + count)),
              'info numa: nodes 0-%d' % (first + count - 1),
              str(sorted(nodes)))
        mib = 1 << 20
        check(nodes[0][:2] == (exp['cpus'], exp['ram'] // mib),
              'info numa: node 0 has CPUs %s and %d MB'
              % (exp['cpus'], exp['ram'] // mib), str(nodes[0]))
        check(nodes[first] == ('', exp['size'] // mib, exp['size'] // mib),
              'info numa: node %d has no CPUs and the GPU\'s %d MB (plugged)'
              % (first, exp['size'] // mib), str(nodes[first]))
        others = {n: nodes[n] for n in range(first + 1, first + count)}
        check(all(v == ('', 0, 0) for v in others.values()),
              'info numa: nodes %d-%d have no CPUs and no memory'
              % (first + 1, first + count - 1), str(others))

        mtree = daemon.hmp(dom, 'info mtree -f')
        want = '%016x-%016x (prio 0, ram): %s coherent-mem' % (
            memaddr, memaddr + exp['size'] - 1, exp['host'])
        check(want in mtree, 'info mtree -f: the GPU memory is RAM at '
              '0x%x-0x%x' % (memaddr, memaddr + exp['size'] - 1))

        daemon.virsh('resume', dom)
        state_ = daemon.virsh('domstate', dom).stdout.strip()
        check(state_ == 'running', 'virsh resume: domstate is running', state_)
        status = daemon.qmp(dom, 'query-status')['status']
        check(status == 'running', 'query-status is running', status)
        # The firmware numbers the root port's bus; query-pci sees the GPU
        # behind it from then on.
        deadline = time.monotonic() + 90
        gpu = None
        while gpu is None and time.monotonic() < deadline:
            time.sleep(1)
            for d in pci_devices(daemon.qmp(dom, 'query-pci')):
                if d.get('qdev_id') == exp['id']:
                    gpu = d
        check(gpu is not None and gpu['id']['vendor'] == 0x10de and
              gpu['bus'] != 0 and (gpu['slot'], gpu['function']) == (0, 0),
              'query-pci (after the firmware ran): %s is a 10de device at '
              'device 0, function 0 of the root port\'s bus' % exp['id'],
              gpu and '%02x:%02x.%x %04x:%04x' % (
                  gpu['bus'], gpu['slot'], gpu['function'],
                  gpu['id']['vendor'], gpu['id']['device']))

        check_guest(exp, memaddr,
                    wait_for_console(exp['console'], GUEST_DONE, 600))

        daemon.virsh('destroy', dom)
        state_ = daemon.virsh('domstate', dom).stdout.strip()
        check(state_ == 'shut off', 'virsh destroy: domstate is shut off',
              state_)
        daemon.virsh('undefine', '--nvram', dom)
        listed = daemon.virsh('list', '--all', '--name').stdout.split()
        check(dom not in listed, 'virsh undefine: %s is gone' % dom)
    except Failure:
        qemu_log = os.path.join(state, 'log', 'qemu', dom + '.log')
        if os.path.exists(qemu_log):
            log('--- %s (end)\n%s' % (qemu_log, open(qemu_log).read()[-3000:]))
        log('--- libvirtd (end)\n' + daemon.output())
        raise
    finally:
        if daemon.proc and daemon.proc.poll() is None:
            if daemon.virsh('domstate', dom, check=False).returncode == 0:
                daemon.virsh('destroy', dom, check=False)
                daemon.virsh('undefine', '--nvram', dom, check=False)
        daemon.stop()
        kill_leftover_qemu(state)
        log('stopped libvirtd')


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in DOMAIN_XML:
        print('usage: libvirt_test.py BUILD hostdev|commandline',
              file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    variant = sys.argv[2]
    domain_xml = DOMAIN_XML[variant]
    # hostdev: libvirt 11.8 or later, from the root; commandline: this
    # machine's libvirt.
    root = (os.path.join(build, 'libvirt-root') if variant == 'hostdev'
            else None)
    # meson's timeout and ^C: stop the domain and libvirtd on the way out.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    try:
        if os.geteuid() != 0:
            raise Skip('the test runs a system libvirtd in a mount namespace '
                       'of its own, which needs root')
        path = root and ':'.join(os.path.join(root, d)
                                 for d in ('usr/sbin', 'usr/bin'))
        for tool, where in (('libvirtd', path), ('virsh', path),
                            ('unshare', None), ('nsenter', None)):
            if not shutil.which(tool, path=where):
                raise Skip('%s is not installed%s'
                           % (tool, where and ' in ' + root or ''))
        emulator = os.path.join(build, 'qemu-system-aarch64')
        lib = os.path.join(build, 'emulated-host', 'libnvgrace-host.so')
        for f in (emulator, lib, os.path.join(build, 'guest', 'base.cpio'),
                  os.path.join(build, 'guest', 'AAVMF_CODE.fd')):
            if not os.path.exists(f):
                raise Failure(f + ' is missing: build first')

        state = os.path.join(build, 'libvirt-test', variant)
        # A clean state each run; the capabilities cache may stay (libvirt
        # notices a changed QEMU).
        for k in PRIVATE_DIRS:
            d = os.path.join(state, k)
            if k != 'cache':
                shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(state, 'etc', 'libvirtd.conf'), 'w') as f:
            f.write(LIBVIRTD_CONF)
        with open(os.path.join(state, 'etc', 'qemu.conf'), 'w') as f:
            f.write(QEMU_CONF)
        stack = os.path.join(build, 'guest')
        with open(os.path.join(state, 'firmware', '60-edk2-aarch64.json'),
                  'w') as f:
            f.write(FIRMWARE_JSON % (os.path.join(stack, 'AAVMF_CODE.fd'),
                                     os.path.join(stack, 'AAVMF_VARS.fd')))

        text = open(domain_xml).read()
        check(text in rst_xml_blocks(open(DOC_RST).read()),
              'the documentation shows %s as it is'
              % os.path.relpath(domain_xml, REPO),
              os.path.relpath(DOC_RST, REPO))
        host_dirs = []
        if root:
            qemu = emulator
            emulator = os.path.join(state, 'qemu-system-aarch64')
            host_dirs = host_loader_wrapper(emulator, qemu, lib)
        text = on_emulated_host(text, emulator, lib)
        exp = domain_expectations(ET.fromstring(text))
        exp['xml'] = domain_xml
        text, exp['console'] = with_guest(text, build, state)
        if exp['hostdev']:
            text = without_raising_memlock(text)
        with open(os.path.join(state, 'domain.xml'), 'w') as f:
            f.write(text)
        if root:
            fake_host(os.path.join(state, 'host'), exp)
        log('domain %s: %s at %s, %d GiB on node %d of nodes %d-%d'
            % (exp['name'], exp['id'], exp['host'], exp['size'] >> 30,
               exp['node'], exp['node'], exp['node'] + exp['node-count'] - 1))
        run(state, exp, build, root, host_dirs)
    except Skip as e:
        print('\n' + '*' * 72 + '\nSKIP: libvirt test not run: %s\n' % e +
              '*' * 72, flush=True)
        return 77
    except Failure as e:
        print('FAIL: %s' % e, flush=True)
        return 1
    log('PASS: vfio-pci-nvgrace started and checked through libvirt')
    return 0


if __name__ == '__main__':
    sys.exit(main())
