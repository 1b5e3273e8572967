#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libvirt_test.py BUILD: start libvirt/vfio-pci-nvgrace-domain.xml through
# a real libvirtd with BUILD's qemu-system-aarch64 on the emulated host,
# check through QEMU's monitor that the GPU is there with its memory on its
# NUMA node, boot the arm64 test guest in it (BUILD/guest) and check what
# the guest sees (the GPU's nodes; its memory onlined there by the guest's
# driver), then destroy and undefine the domain and stop libvirtd.
# Run by run-libvirt-test.sh, which installs libvirt and makes the guest.
#
# The libvirtd is private: a system (root) instance in a mount namespace of
# its own, where BUILD/libvirt-test/{etc,run,lib,cache,log,firmware} are
# mounted on /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt, /var/log/libvirt and /usr/share/qemu/firmware.  A
# system libvirt on the same machine neither sees it nor is touched by it.  Its qemu.conf runs QEMU as root, without
# namespaces, cgroups, security driver or virtlogd, so that QEMU can use
# files in the build tree and run in a container.
#
# Exit status: 0 passed, 1 failed, 77 skipped (libvirtd cannot run here,
# with the reason).

import json
import os
import re
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

DOMAIN_XML = os.path.join(REPO, 'libvirt', 'vfio-pci-nvgrace-domain.xml')
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


def rst_xml_block(rst):
    """The first '.. code-block:: xml' of the .rst, unindented."""
    lines = rst.split('\n')
    start = lines.index('.. code-block:: xml') + 2
    block = []
    for line in lines[start:]:
        if line and not line.startswith('  '):
            break
        block.append(line[2:])
    return '\n'.join(block).strip('\n') + '\n'


def domain_expectations(root):
    """What the domain XML asks for: the device's properties, the GPU
    memory size the emulated host gives it, and node 0's memory."""
    ns = root.find(QEMU_NS + 'commandline')
    args = [a.get('value') for a in ns.findall(QEMU_NS + 'arg')]
    env = {e.get('name'): e.get('value') for e in ns.findall(QEMU_NS + 'env')}
    devs = [a for a in args if a.startswith('vfio-pci-nvgrace,')]
    if len(devs) != 1:
        raise Failure('the domain XML should have one vfio-pci-nvgrace')
    props = dict(p.split('=', 1) for p in devs[0].split(',')[1:])
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
    }


class Libvirtd:
    def __init__(self, state):
        self.state = state
        self.proc = None
        self.out = os.path.join(state, 'libvirtd.out')

    def start(self):
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
        cmd = ['nsenter', '--mount=/proc/%d/ns/mnt' % self.proc.pid,
               'virsh', '-q', '-c', 'qemu:///system'] + list(args)
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
            exe = os.readlink('/proc/%d/exe' % pid)
        except (OSError, ValueError):
            continue
        if os.path.basename(exe).startswith('qemu-system-aarch64'):
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


def run(state, exp):
    dom = exp['name']
    gib = 1 << 30
    daemon = Libvirtd(state)
    log('starting a private libvirtd (state in %s)' % state)
    try:
        version = daemon.start()
        log(' '.join(l for l in version.splitlines() if 'Using library' in l))
        domain_file = os.path.join(state, 'domain.xml')
        daemon.virsh('define', domain_file)
        log('defined %s from %s' % (dom, os.path.relpath(DOMAIN_XML, REPO)))
        daemon.virsh('start', '--paused', dom)
        log('started %s (paused: the firmware has not run)' % dom)
        qemu_log = os.path.join(state, 'log', 'qemu', dom + '.log')
        argv = [l.rstrip(' \\') for l in open(qemu_log).read().splitlines()
                if re.match(r'-(m|numa|device|machine|accel) ', l)]
        log('libvirt ran QEMU with:\n  ' + '\n  '.join(argv))

        state_ = daemon.virsh('domstate', dom).stdout.strip()
        check(state_ == 'paused', 'virsh domstate is paused', state_)

        peripherals = {p['name']: p['type'] for p in
                       daemon.qmp(dom, 'qom-list', path='/machine/peripheral')}
        check(peripherals.get(exp['id']) == 'child<vfio-pci-nvgrace>',
              'qom-list /machine/peripheral has %s, a vfio-pci-nvgrace'
              % exp['id'], str(peripherals))

        mdevs = daemon.qmp(dom, 'query-memory-devices')
        check(len(mdevs) == 1 and mdevs[0]['type'] == 'vfio-pci-nvgrace',
              'query-memory-devices: one vfio-pci-nvgrace', str(mdevs))
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
    if len(sys.argv) != 2:
        print('usage: libvirt_test.py BUILD', file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    # meson's timeout and ^C: stop the domain and libvirtd on the way out.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    try:
        if os.geteuid() != 0:
            raise Skip('the test runs a system libvirtd in a mount namespace '
                       'of its own, which needs root')
        for tool in ('libvirtd', 'virsh', 'unshare', 'nsenter'):
            if not shutil.which(tool):
                raise Skip('%s is not installed' % tool)
        emulator = os.path.join(build, 'qemu-system-aarch64')
        lib = os.path.join(build, 'emulated-host', 'libnvgrace-host.so')
        for f in (emulator, lib, os.path.join(build, 'guest', 'base.cpio'),
                  os.path.join(build, 'guest', 'AAVMF_CODE.fd')):
            if not os.path.exists(f):
                raise Failure(f + ' is missing: build first')

        state = os.path.join(build, 'libvirt-test')
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

        text = open(DOMAIN_XML).read()
        check(rst_xml_block(open(DOC_RST).read()) == text,
              'the documentation shows %s as it is'
              % os.path.relpath(DOMAIN_XML, REPO),
              os.path.relpath(DOC_RST, REPO))
        text = text.replace('@EMULATOR@', emulator)
        text = text.replace('@NVGRACE_HOST_LIB@', lib)
        left = re.findall(r'@[A-Z_]+@', text)
        if left:
            raise Failure('placeholders left in the domain XML: %s' % left)
        exp = domain_expectations(ET.fromstring(text))
        text, exp['console'] = with_guest(text, build, state)
        with open(os.path.join(state, 'domain.xml'), 'w') as f:
            f.write(text)
        log('domain %s: %s at %s, %d GiB on node %d of nodes %d-%d'
            % (exp['name'], exp['id'], exp['host'], exp['size'] >> 30,
               exp['node'], exp['node'], exp['node'] + exp['node-count'] - 1))
        run(state, exp)
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
