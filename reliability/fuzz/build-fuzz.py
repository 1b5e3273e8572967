#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build the region-info fuzzer: build-fuzz.py BUILD

Compiles hw/vfio/helpers.c, hw/vfio/nvgrace-region.c and the harness with
clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer, with
the include paths and definitions QEMU's own build uses for helpers.c
(from BUILD/qemu-build/compile_commands.json), and links them with QEMU's
libqemuutil.a.  The fuzzer is BUILD/fuzz/region-info-fuzz.
"""

import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SANITIZERS = "address,undefined"


def qemu_flags(obj):
    """helpers.c's preprocessor flags, as QEMU's build passes them."""
    with open(os.path.join(obj, "compile_commands.json")) as f:
        entry = next(e for e in json.load(f)
                     if e["file"].endswith("hw/vfio/helpers.c"))
    words = shlex.split(entry["command"])
    flags = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-iquote", "-isystem", "-include"):
            flags += [w, words[i + 1]]
            i += 1
        elif w.startswith(("-I", "-isystem", "-D", "-std=")):
            flags.append(w)
        i += 1
    return entry["directory"], flags


def main():
    build = os.path.abspath(sys.argv[1])
    obj = os.path.join(build, "qemu-build")
    src = os.path.join(build, "qemu-src")
    out = os.path.join(build, "fuzz")
    os.makedirs(out, exist_ok=True)
    cwd, flags = qemu_flags(obj)
    cflags = ["-g", "-O1", "-fno-omit-frame-pointer", "-fwrapv",
              "-fno-strict-aliasing", "-fno-sanitize-recover=all",
              "-iquote", os.path.join(src, "hw", "vfio")] + flags
    objects = []
    for path, sanitize in (
            (os.path.join(src, "hw", "vfio", "helpers.c"), "fuzzer-no-link"),
            (os.path.join(src, "hw", "vfio", "nvgrace-region.c"),
             "fuzzer-no-link"),
            (os.path.join(HERE, "region_info_fuzz.c"), "fuzzer-no-link")):
        o = os.path.join(out, os.path.basename(path) + ".o")
        subprocess.run(["clang", "-c", path, "-o", o,
                        "-fsanitize=%s,%s" % (sanitize, SANITIZERS)] +
                       cflags, cwd=cwd, check=True)
        objects.append(o)
    glib = subprocess.run(["pkg-config", "--libs", "glib-2.0"],
                          capture_output=True, text=True,
                          check=True).stdout.split()
    target = os.path.join(out, "region-info-fuzz")
    subprocess.run(["clang", "-o", target,
                    "-fsanitize=fuzzer," + SANITIZERS] + objects +
                   [os.path.join(obj, "libqemuutil.a")] + glib + ["-lm"],
                   cwd=cwd, check=True)
    print(target)


if __name__ == "__main__":
    main()
