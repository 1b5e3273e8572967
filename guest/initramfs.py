#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write initramfs archives (cpio 'newc', as the kernel unpacks them).

  initramfs.py OUT.cpio DEST=SRC...   an archive of the files SRC at DEST

Linux unpacks archives that follow each other in one initrd, so a test
appends a small archive holding /test.sh to the guest's base archive (see
cpio_file()).
"""

import os
import stat
import sys


def _entry(name, mode, data=b"", ino=1):
    name_b = name.encode() + b"\0"
    header = "070701" + "".join("%08X" % v for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
    out = header.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def cpio(files):
    """files: {path in the archive: (mode, bytes or None for a directory)}"""
    out = b""
    dirs = set()
    for path in sorted(files):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))
    for ino, d in enumerate(sorted(dirs), 1):
        out += _entry(d, stat.S_IFDIR | 0o755, ino=ino)
    for ino, path in enumerate(sorted(files), len(dirs) + 1):
        mode, data = files[path]
        out += _entry(path.strip("/"), stat.S_IFREG | mode, data, ino)
    return out + _entry("TRAILER!!!", 0)


def cpio_file(path, data, mode=0o755):
    """A one-file archive, to append to another."""
    return cpio({path: (mode, data)})


def main():
    files = {}
    for arg in sys.argv[2:]:
        dest, src = arg.split("=", 1)
        with open(src, "rb") as f:
            files[dest] = (os.stat(src).st_mode & 0o777, f.read())
    with open(sys.argv[1], "wb") as f:
        f.write(cpio(files))


if __name__ == "__main__":
    main()
