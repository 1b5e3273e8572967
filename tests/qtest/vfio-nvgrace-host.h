/*
 * QTest helpers: QEMU on a Grace GPU host, emulated or real
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * There is usually no Grace GPU where tests run, so vfio-pci-nvgrace tests
 * start QEMU on an emulated host: a library, named by NVGRACE_HOST_LIB,
 * that QEMU loads with LD_PRELOAD and that models the host kernel's VFIO
 * interface for the GPUs described in NVGRACE_HOST.  Its NVGRACE_HOST_STATS
 * file counts what QEMU asked of it.
 *
 * On a real host, NVGRACE_REAL_GPU="host=ADDRESS,OPTIONS" names a GPU that
 * is bound to a vfio driver, and OPTIONS the emulated GPU that behaves as
 * it does (its NVGRACE_HOST description).  Tests that need another GPU
 * are skipped there; so are the checks that read the emulated host's
 * backing file or counters.
 */

#ifndef VFIO_NVGRACE_HOST_H
#define VFIO_NVGRACE_HOST_H

#include "libqtest.h"

#define GPU_HOST "0009:01:00.0"
#define GPU2_HOST "0009:02:00.0"

/* virt places device memory at the first 1 GiB boundary after RAM. */
#define VIRT_RAM_BASE 0x40000000ULL
#define VIRT_DEVICE_MEMORY_BASE(ram) (VIRT_RAM_BASE + (ram))

/*
 * The machine of most tests: 1 GiB of RAM and both CPUs on node 0, then
 * the eight memory-only nodes of one GPU (append "-m 1G,maxmem=...").
 */
#define CPU_NODE \
    "-machine virt -nodefaults -smp 2 " \
    "-object memory-backend-ram,id=ram0,size=1G " \
    "-numa node,nodeid=0,cpus=0-1,memdev=ram0 "
#define GPU_NODES(a, b, c, d, e, f, g, h) \
    "-numa node,nodeid=" #a " -numa node,nodeid=" #b " " \
    "-numa node,nodeid=" #c " -numa node,nodeid=" #d " " \
    "-numa node,nodeid=" #e " -numa node,nodeid=" #f " " \
    "-numa node,nodeid=" #g " -numa node,nodeid=" #h " "
#define ONE_GPU_MACHINE CPU_NODE GPU_NODES(1, 2, 3, 4, 5, 6, 7, 8)
#define TWO_GPU_MACHINE ONE_GPU_MACHINE GPU_NODES(9, 10, 11, 12, 13, 14, 15, 16)
#define GPU_DEVICE "-device vfio-pci-nvgrace,host=" GPU_HOST ",node=1"

typedef struct GpuHost {
    char *opts;                 /* GPU_HOST's NVGRACE_HOST options */
    char *real_gpu;             /* a real host's GPU, NULL when emulated */
    char *dir;
    char *backing;              /* the coherent memory of GPU_HOST */
    char *stats;
    char *log;                  /* QEMU's stderr, when it is kept */
} GpuHost;

/* Whether there is a host to test on: emulated or real. */
bool host_available(void);

/*
 * Set up the host a test needs: @opts is appended to GPU_HOST's
 * NVGRACE_HOST description (";host=..." adds more GPUs).  On a real host
 * whose GPU is not that one, the test is skipped and false returned.
 */
bool host_init(GpuHost *h, const char *opts);

/* As host_init(), for a test of what only the emulated host can show. */
bool host_init_emulated(GpuHost *h, const char *opts, const char *why);

void host_cleanup(GpuHost *h);

/*
 * Whether the host is the emulated one, whose backing file and counters
 * the test can read; on a real host, that the check is left out is noted.
 */
bool host_is_emulated(GpuHost *h, const char *check);

/* The address QEMU knows GPU_HOST by on this host. */
const char *host_gpu(GpuHost *h);

/*
 * Start QEMU on the host.  On a real host, GPU_HOST in @args stands for
 * its GPU.
 */
QTestState *host_qtest_start(GpuHost *h, const char *args);

/* As host_qtest_start(), keeping what QEMU prints on stderr. */
QTestState *host_qtest_start_logged(GpuHost *h, const char *args);

/*
 * The lines QEMU started by host_qtest_start_logged() printed on stderr
 * under its own name: a sanitizer's notes are left out.  A real GPU's
 * address is given as GPU_HOST.
 */
char *host_qemu_stderr(GpuHost *h);

/*
 * Run QEMU to completion, assert that it exited with status 1 and return
 * what it printed on stderr, with a real GPU's address as GPU_HOST.
 */
char *host_qemu_fails(GpuHost *h, const char *args);

/* A counter from the emulated host's NVGRACE_HOST_STATS file. */
uint64_t host_stat(GpuHost *h, const char *key);

#endif
