/*
 * Tests of the emulated GH200/GB200 host, through the calls QEMU makes.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * host-test LIB runs each case in a child process that has LIB preloaded
 * and its own NVGRACE_HOST, and prints TAP.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../vfio-uapi.h"

#include "../../include/hw/vfio/nvgrace.h"

#define GPU0 "0009:01:00.0"
#define GPU1 "0019:01:00.0"
#define SYSFS0 "/sys/bus/pci/devices/" GPU0
#define REGION(i) ((off_t)(i) << 40)
#define GIB (1ULL << 30)

#define CHECK(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: %s failed (errno %d: %s)\n", __FILE__, \
                    __LINE__, #cond, errno, strerror(errno)); \
            exit(1); \
        } \
    } while (0)

static char dir[] = "/tmp/nvgrace-host-test-XXXXXX";

static char *path_in_dir(const char *name)
{
    static char buf[4][128];
    static int n;
    char *p = buf[n++ % 4];

    snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
    return p;
}

static long stat_value(const char *key)
{
    char line[256];
    long v = -1;
    FILE *f = fopen(path_in_dir("stats"), "r");

    CHECK(f);
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(key);

        if (!strncmp(line, key, n) && line[n] == ' ') {
            v = atol(line + n + 1);
        }
    }
    fclose(f);
    CHECK(v >= 0);
    return v;
}

/* Container + group 100 + device, as QEMU's legacy VFIO path does it. */
static int open_device(int *container, int *group, const char *name, int gnum)
{
    char gpath[32];
    int dev;

    *container = open("/dev/vfio/vfio", O_RDWR);
    CHECK(*container >= 0);
    CHECK(ioctl(*container, VFIO_GET_API_VERSION) == VFIO_API_VERSION);
    CHECK(ioctl(*container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1);
    snprintf(gpath, sizeof(gpath), "/dev/vfio/%d", gnum);
    *group = open(gpath, O_RDWR);
    CHECK(*group >= 0);
    CHECK(ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) == 0);
    CHECK(ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
    dev = ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, name);
    CHECK(dev >= 0);
    return dev;
}

static void case_container_and_group(void)
{
    struct vfio_group_status st = { .argsz = sizeof(st) };
    int c = open("/dev/vfio/vfio", O_RDWR), g, g2;

    CHECK(c >= 0);
    CHECK(ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) == 1);
    CHECK(open("/dev/vfio/7", O_RDWR) < 0 && errno == ENOENT);
    g = open("/dev/vfio/100", O_RDWR);
    CHECK(g >= 0);
    g2 = open("/dev/vfio/100", O_RDWR);
    CHECK(g2 < 0 && errno == EBUSY);
    CHECK(ioctl(g, VFIO_GROUP_GET_STATUS, &st) == 0);
    CHECK(st.flags == VFIO_GROUP_FLAGS_VIABLE);
    /* No IOMMU before a group is attached, no device before an IOMMU. */
    CHECK(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0);
    CHECK(ioctl(g, VFIO_GROUP_SET_CONTAINER, &c) == 0);
    CHECK(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, GPU0) < 0 && errno == EINVAL);
    CHECK(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
    CHECK(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, GPU1) < 0 && errno == ENODEV);
    CHECK(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, GPU0) >= 0);
    CHECK(ioctl(g, VFIO_GROUP_GET_DEVICE_FD, GPU0) < 0 && errno == EBUSY);
}

static void case_sysfs(void)
{
    struct stat st;
    char link[128];
    ssize_t n;

    CHECK(stat(SYSFS0, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(stat("/sys/bus/pci/devices/0009:02:00.0", &st) < 0);
    n = readlink(SYSFS0 "/iommu_group", link, sizeof(link) - 1);
    CHECK(n > 0);
    link[n] = '\0';
    CHECK(!strcmp(strrchr(link, '/'), "/100"));
}

static void case_regions(void)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    struct {
        struct vfio_region_info info;
        struct vfio_region_info_cap_type type;
    } r = { .info = { .argsz = sizeof(r.info), .index = 9 } };
    uint16_t ids[2];
    int c, g, d = open_device(&c, &g, GPU0, 100);

    CHECK(ioctl(d, VFIO_DEVICE_GET_INFO, &info) == 0);
    CHECK(info.num_regions == 10 && info.flags & VFIO_DEVICE_FLAGS_PCI);

    /* Too small for the capability chain: the kernel asks for more room. */
    CHECK(ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &r.info) == 0);
    CHECK(r.info.flags & VFIO_REGION_INFO_FLAG_CAPS);
    CHECK(r.info.argsz == sizeof(r));
    CHECK(ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &r.info) == 0);
    CHECK(r.info.cap_offset == sizeof(r.info));
    CHECK(r.type.header.id == VFIO_REGION_INFO_CAP_TYPE);
    CHECK(r.type.type == VFIO_REGION_TYPE_MEM);
    CHECK(r.type.subtype == VFIO_REGION_SUBTYPE_MEM_COHERENT);
    CHECK(r.info.size == 3 * GIB && r.info.offset == (uint64_t)REGION(9));
    CHECK(r.info.flags & VFIO_REGION_INFO_FLAG_MMAP);

    CHECK(pread(d, ids, sizeof(ids), REGION(7)) == sizeof(ids));
    CHECK(ids[0] == 0x10de && ids[1] == 0x2342);
}

static void case_gb200(void)
{
    uint16_t ids[2];
    int c, g, d = open_device(&c, &g, GPU0, 100);

    CHECK(pread(d, ids, sizeof(ids), REGION(7)) == sizeof(ids));
    CHECK(ids[0] == 0x10de && ids[1] == 0x2941);
}

static void case_no_coherent_region(void)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    struct vfio_region_info r = { .argsz = sizeof(r), .index = 9 };
    int c, g, d = open_device(&c, &g, GPU0, 100);

    CHECK(ioctl(d, VFIO_DEVICE_GET_INFO, &info) == 0);
    CHECK(info.num_regions == 9);
    CHECK(ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &r) < 0 && errno == EINVAL);
}

static void case_config_space(void)
{
    uint32_t bar = 0xffffffff;
    uint16_t cmd = 0xffff;
    int c, g, d = open_device(&c, &g, GPU0, 100);

    /* BAR0 sizing: 16 MiB, 64-bit memory; the command register masks. */
    CHECK(pwrite(d, &bar, 4, REGION(7) + 0x10) == 4);
    CHECK(pread(d, &bar, 4, REGION(7) + 0x10) == 4);
    CHECK(bar == 0xff000004);
    CHECK(pwrite(d, &cmd, 2, REGION(7) + 0x04) == 2);
    CHECK(pread(d, &cmd, 2, REGION(7) + 0x04) == 2);
    CHECK(cmd == 0x0407);
    /* As vfio-pci-core's virtual config: COMMAND survives a reset. */
    CHECK(ioctl(d, VFIO_DEVICE_RESET) == 0);
    CHECK(pread(d, &cmd, 2, REGION(7) + 0x04) == 2 && cmd == 0x0407);
    CHECK(stat_value(GPU0 ".resets") == 1);
    CHECK(pread(d, &bar, 4, REGION(7) + 4096) < 0 && errno == EINVAL);
}

static void case_bar0_ready(void)
{
    uint8_t c2c = 0, hbm = 0;
    int c, g, d = open_device(&c, &g, GPU0, 100);

    /*
     * What nvgrace-gpu polls at probe and after reset (C2C link at 0x1498,
     * HBM training at 0x200BC): 0xFF is ready.
     */
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1);
    CHECK(pread(d, &hbm, 1, REGION(0) + 0x200bc) == 1);
    CHECK(c2c == 0xff && hbm == 0xff);
}

/* A reset retrains the GPU (train=): BAR0 reads not ready, then ready. */
static void case_bar0_training(void)
{
    uint8_t c2c = 0xff, hbm = 0xff;
    uint16_t devctl;
    int c, g, d = open_device(&c, &g, GPU0, 100);

    CHECK(ioctl(d, VFIO_DEVICE_RESET) == 0);
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1);
    CHECK(pread(d, &hbm, 1, REGION(0) + 0x200bc) == 1);
    CHECK(c2c == 0 && hbm == 0);
    usleep(600 * 1000);
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1);
    CHECK(pread(d, &hbm, 1, REGION(0) + 0x200bc) == 1);
    CHECK(c2c == 0xff && hbm == 0xff);

    /* An FLR written to config space (PCIe capability at 0x40) too. */
    CHECK(pread(d, &devctl, 2, REGION(7) + 0x48) == 2);
    devctl |= 0x8000;
    CHECK(pwrite(d, &devctl, 2, REGION(7) + 0x48) == 2);
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1 && c2c == 0);
    usleep(600 * 1000);
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1 && c2c == 0xff);
}

/*
 * A touch of the memory after a reset waits for the retrained GPU, as
 * nvgrace-gpu's fault handler does: BAR0 reads ready once it returns, and
 * the memory holds what it held.
 */
static void case_training_holds_touch(void)
{
    volatile uint64_t *p;
    uint8_t c2c;
    int c, g, d = open_device(&c, &g, GPU0, 100);

    p = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_SHARED, d, REGION(9));
    CHECK(p != MAP_FAILED);
    p[1] = 0x747261696e000001ULL;
    CHECK(ioctl(d, VFIO_DEVICE_RESET) == 0);
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1 && c2c == 0);
    CHECK(p[1] == 0x747261696e000001ULL);
    CHECK(pread(d, &c2c, 1, REGION(0) + 0x1498) == 1 && c2c == 0xff);
    CHECK(munmap((void *)p, GIB) == 0);
}

static sigjmp_buf bus_error;

static void on_sigbus(int sig)
{
    siglongjmp(bus_error, sig);
}

/* Does a write to @p end in SIGBUS? */
static bool write_faults(volatile uint64_t *p, uint64_t v)
{
    struct sigaction sa = { .sa_handler = on_sigbus }, old;
    bool faulted = false;

    sigaction(SIGBUS, &sa, &old);
    if (sigsetjmp(bus_error, 1) == 0) {
        *p = v;
    } else {
        faulted = true;
    }
    sigaction(SIGBUS, &old, NULL);
    return faulted;
}

/*
 * As Linux 6.19+: usemem (BAR4) is mapped only while COMMAND.MEMORY is set
 * and the GPU is not in D3hot; clearing it zaps the mapping (SIGBUS),
 * setting it maps the same memory again, and a DMA map of it fails
 * meanwhile.  The region is not gated.
 */
static void case_usemem_decode_gating(void)
{
    struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
    int c, g, d = open_device(&c, &g, GPU0, 100);
    uint16_t on = 0x2, off = 0, pm, d3hot = 0x3, d0 = 0;
    volatile uint64_t *p;

    p = mmap(NULL, 1 * GIB, PROT_READ | PROT_WRITE, MAP_SHARED, d,
             REGION(4));
    CHECK(p != MAP_FAILED);
    CHECK(!write_faults(p, 0x5a5a));
    CHECK(pwrite(d, &off, 2, REGION(7) + 0x04) == 2);
    CHECK(write_faults(p, 0xdead));
    map.vaddr = (uintptr_t)p;
    map.size = 1 * GIB;
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) < 0 && errno == EFAULT);
    CHECK(pwrite(d, &on, 2, REGION(7) + 0x04) == 2);
    CHECK(*p == 0x5a5a);
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) == 0);

    /* D3hot (the PM capability at 0x80) gates it as well. */
    CHECK(pread(d, &pm, 2, REGION(7) + 0x80) == 2 && (pm & 0xff) == 0x01);
    CHECK(pwrite(d, &d3hot, 2, REGION(7) + 0x84) == 2);
    CHECK(write_faults(p, 0xdead));
    CHECK(pwrite(d, &d0, 2, REGION(7) + 0x84) == 2);
    CHECK(*p == 0x5a5a);
}

/*
 * As Linux: usemem is VM_PFNMAP, as BAR4 and as the coherent-memory region
 * of kernel/'s series, so O_DIRECT I/O into it fails with EFAULT
 * (get_user_pages refuses it); buffered I/O copies and works.
 */
static void case_usemem_not_pinnable(void)
{
    static const struct {
        const char *gpu;
        unsigned region;
    } maps[] = { { GPU0, 4 }, { GPU1, 9 } };
    int buffered = open(path_in_dir("mem"), O_RDONLY);
    int direct = open(path_in_dir("mem"), O_RDONLY | O_DIRECT);
    struct iovec iov;
    void *p, *ram;
    size_t i;

    CHECK(buffered >= 0 && direct >= 0);
    for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        int c, g, d = open_device(&c, &g, maps[i].gpu, 100 + i);

        p = mmap(NULL, 1 * GIB, PROT_READ | PROT_WRITE, MAP_SHARED, d,
                 REGION(maps[i].region));
        CHECK(p != MAP_FAILED);
        CHECK(pread(direct, p, 4096, 0) < 0 && errno == EFAULT);
        iov = (struct iovec) { .iov_base = (char *)p + 8192,
                               .iov_len = 4096 };
        CHECK(preadv(direct, &iov, 1, 0) < 0 && errno == EFAULT);
        CHECK(pread(buffered, p, 4096, 0) == 4096);
    }
    CHECK(posix_memalign(&ram, 4096, 4096) == 0);
    CHECK(pread(direct, ram, 4096, 0) == 4096);
    free(ram);
}

static void case_coherent_mmap(void)
{
    const uint64_t size = 128 * GIB;
    uint64_t v, offs[] = { 0, 64 * GIB + 8, size - 8 };
    int c, g, d = open_device(&c, &g, GPU0, 100);
    int back = open(path_in_dir("mem"), O_RDWR);
    struct stat st;
    char *p;
    size_t i;

    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d, REGION(9));
    CHECK(p != MAP_FAILED && back >= 0);
    for (i = 0; i < 3; i++) {
        *(uint64_t *)(p + offs[i]) = 0xa5a5000000000000ULL + i;
        CHECK(pread(back, &v, 8, offs[i]) == 8);
        CHECK(v == 0xa5a5000000000000ULL + i);
        v = ~v;
        CHECK(pwrite(back, &v, 8, offs[i]) == 8);
        CHECK(*(uint64_t *)(p + offs[i]) == v);
    }
    /* Sparse: 128 GiB of device memory, a few pages of host memory. */
    CHECK(fstat(back, &st) == 0 && st.st_size == (off_t)size);
    CHECK(st.st_blocks * 512 < (1 << 20));
    CHECK(stat_value(GPU0 ".live_coherent_mmaps") == 1);
    /* Beyond the region, and non-shared mappings, are refused. */
    CHECK(mmap(NULL, 8192, PROT_READ, MAP_SHARED, d, REGION(9) + size) ==
          MAP_FAILED);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, d, REGION(9)) ==
          MAP_FAILED);
    CHECK(munmap(p, size) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_mmaps") == 0);
}

static void case_dma_counting(void)
{
    const size_t size = 1 * GIB;
    int c, g, d = open_device(&c, &g, GPU0, 100);
    void *ram = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d,
                     REGION(9));
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map), .flags = VFIO_DMA_MAP_FLAG_READ,
        .vaddr = (uintptr_t)ram, .iova = 0x40000000, .size = 1 << 20,
    };
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap), .iova = 0x80000000, .size = 4096,
    };

    CHECK(ram != MAP_FAILED && mem != MAP_FAILED);
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) == 0);
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) < 0 && errno == EEXIST);
    map.vaddr = (uintptr_t)mem;
    map.iova = 0x80000000;
    map.size = size;
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) == 0);
    CHECK(stat_value("dma_map_calls") == 2);
    CHECK(stat_value(GPU0 ".coherent_dma_maps") == 1);
    /* Type1 v2 does not split a mapping. */
    CHECK(ioctl(c, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0 && errno == EINVAL);
    unmap.iova = 0;
    unmap.size = 1ULL << 40;
    CHECK(ioctl(c, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0);
    CHECK(unmap.size == size + (1 << 20));
    CHECK(stat_value("live_dma_mappings") == 0);
}

static void case_release(void)
{
    int c, g, d = open_device(&c, &g, GPU0, 100);
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map), .vaddr = 0x10000, .iova = 0, .size = 4096,
    };

    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) == 0);
    CHECK(stat_value("live_files") == 3);
    CHECK(close(d) == 0 && close(g) == 0);
    /* The last group leaving the container takes the mappings along. */
    CHECK(stat_value("live_dma_mappings") == 0);
    CHECK(close(c) == 0);
    CHECK(stat_value("live_files") == 0);
    CHECK(stat_value(GPU0 ".device_open") == 0);
    /* The group can be opened again. */
    CHECK((g = open("/dev/vfio/100", O_RDWR)) >= 0 && close(g) == 0);
}

static void case_two_gpus(void)
{
    uint64_t v0 = 0, v1 = 0;
    int c0, g0, d0 = open_device(&c0, &g0, GPU0, 100);
    int c1, g1, d1 = open_device(&c1, &g1, GPU1, 101);
    uint64_t *m0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d0,
                        REGION(9));
    uint64_t *m1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d1,
                        REGION(9));
    int b0 = open(path_in_dir("mem"), O_RDONLY);
    int b1 = open(path_in_dir("mem1"), O_RDONLY);

    CHECK(m0 != MAP_FAILED && m1 != MAP_FAILED);
    *m0 = 0x1111;
    *m1 = 0x2222;
    CHECK(pread(b0, &v0, 8, 0) == 8 && pread(b1, &v1, 8, 0) == 8);
    CHECK(v0 == 0x1111 && v1 == 0x2222);
}

/*
 * As type1: several groups share one container, and its DMA mappings, until
 * the last group leaves it.
 */
static void case_groups_share_container(void)
{
    struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
    int c, g0, d0 = open_device(&c, &g0, GPU0, 100);
    int g1 = open("/dev/vfio/101", O_RDWR);
    void *m0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d0,
                    REGION(9));

    CHECK(g1 >= 0 && m0 != MAP_FAILED);
    CHECK(ioctl(g1, VFIO_GROUP_SET_CONTAINER, &c) == 0);
    CHECK(ioctl(g1, VFIO_GROUP_GET_DEVICE_FD, GPU1) >= 0);
    map.vaddr = (uintptr_t)m0;
    map.size = 4096;
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) == 0);
    CHECK(stat_value("live_dma_mappings") == 1);
    CHECK(ioctl(g0, VFIO_GROUP_UNSET_CONTAINER) == 0);
    CHECK(stat_value("live_dma_mappings") == 1);
    CHECK(ioctl(g1, VFIO_GROUP_UNSET_CONTAINER) == 0);
    CHECK(stat_value("live_dma_mappings") == 0);
}

/* A fake BAR's region info with its sparse-mmap capability. */
static void bar_info(int d, unsigned index, uint64_t *size, uint64_t *real)
{
    struct {
        struct vfio_region_info info;
        struct vfio_region_info_cap_sparse_mmap sparse;
        struct vfio_region_sparse_mmap_area area;
    } r = { .info = { .argsz = sizeof(r), .index = index } };

    CHECK(ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &r) == 0);
    *size = r.info.size;
    *real = 0;
    if (!r.info.size) {
        return;
    }
    CHECK(r.info.flags == (VFIO_REGION_INFO_FLAG_READ |
                           VFIO_REGION_INFO_FLAG_WRITE |
                           VFIO_REGION_INFO_FLAG_MMAP |
                           VFIO_REGION_INFO_FLAG_CAPS));
    CHECK(r.info.cap_offset == sizeof(r.info));
    CHECK(r.sparse.header.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    CHECK(r.sparse.nr_areas == 1 && r.area.offset == 0);
    *real = r.area.size;
}

/*
 * GH200 with 96.25 GiB as Linux's nvgrace-gpu shows it: usemem is that
 * less 1 GiB, rounded down to 512 MiB: 95 GiB in a 128 GiB BAR4; resmem
 * the remaining 1.25 GiB in a 2 GiB BAR2, after usemem.
 */
static void case_upstream_bar_gh200(void)
{
    struct vfio_device_info info = { .argsz = sizeof(info) };
    uint64_t size, real, v, bar, bar_hi;
    char buf[16];
    int c, g, d = open_device(&c, &g, GPU0, 100), fd;
    void *p;

    CHECK(ioctl(d, VFIO_DEVICE_GET_INFO, &info) == 0);
    CHECK(info.num_regions == 9);       /* no device-specific region */
    bar_info(d, 4, &size, &real);
    CHECK(size == 128 * GIB && real == 95 * GIB);
    bar_info(d, 2, &size, &real);
    CHECK(size == 2 * GIB && real == 1280ULL << 20);

    /* Config space: 64-bit prefetchable, sized by writing all ones. */
    CHECK(pread(d, &bar, 4, REGION(7) + 0x20) == 4 && bar == 0xc);
    v = ~0ULL;
    CHECK(pwrite(d, &v, 8, REGION(7) + 0x20) == 8);
    CHECK(pread(d, &bar, 4, REGION(7) + 0x20) == 4);
    CHECK(pread(d, &bar_hi, 4, REGION(7) + 0x24) == 4);
    CHECK((bar & 0xffffffff) == 0xc && (bar_hi & 0xffffffff) == 0xffffffe0);
    CHECK(pread(d, &bar, 4, REGION(7) + 0x18) == 4 && bar == 0xc);

    /* resmem follows usemem in the GPU's memory. */
    fd = open(path_in_dir("mem"), O_RDWR);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "resmem", 6, 95 * GIB) == 6);
    CHECK(pread(d, buf, 6, REGION(2)) == 6 && !memcmp(buf, "resmem", 6));
    CHECK(pwrite(d, "usemem", 6, REGION(4) + 8) == 6);
    CHECK(pread(fd, buf, 6, 8) == 6 && !memcmp(buf, "usemem", 6));

    /* Past the memory, within the BAR: ~0 on read, writes dropped. */
    CHECK(pread(d, &v, 8, REGION(4) + 95 * GIB) == 8 && v == ~0ULL);
    CHECK(pwrite(d, "x", 1, REGION(4) + 100 * GIB) == 1);
    CHECK(pread(d, buf, 16, REGION(4) + 95 * GIB - 8) == 16);
    CHECK(!memcmp(buf + 8, "\xff\xff\xff\xff\xff\xff\xff\xff", 8));
    CHECK(pread(d, &v, 8, REGION(4) + 128 * GIB) < 0 && errno == EINVAL);

    /* mmap: the memory that exists, not a byte more. */
    p = mmap(NULL, 95 * GIB, PROT_READ | PROT_WRITE, MAP_SHARED, d, REGION(4));
    CHECK(p != MAP_FAILED);
    CHECK(!memcmp((char *)p + 8, "usemem", 6));
    CHECK(mmap(NULL, 96 * GIB, PROT_READ, MAP_SHARED, d, REGION(4)) ==
          MAP_FAILED && errno == EINVAL);
    CHECK(stat_value(GPU0 ".live_coherent_mmaps") == 1);
    CHECK(munmap(p, 95 * GIB) == 0);
    close(fd);
}

/*
 * abi=both, as kernel/'s series: the coherent-memory region is usemem at
 * its exact size, beside BAR4 (the same memory) and resmem in BAR2.  BAR4
 * keeps Linux 7.3's gating; the region does not follow decode or D3hot.
 */
static void case_series_region_beside_bars(void)
{
    struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
    struct vfio_region_info r = { .argsz = sizeof(r), .index = 9 };
    struct vfio_device_info info = { .argsz = sizeof(info) };
    uint16_t on = 0x2, off = 0, d3hot = 0x3, d0 = 0;
    uint64_t size, real;
    volatile uint64_t *region, *bar4;
    int c, g, d = open_device(&c, &g, GPU0, 100);

    CHECK(ioctl(d, VFIO_DEVICE_GET_INFO, &info) == 0);
    CHECK(info.num_regions == 10);
    CHECK(ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &r) == 0);
    CHECK(r.size == 2 * GIB);
    bar_info(d, 4, &size, &real);
    CHECK(size == 2 * GIB && real == 2 * GIB);
    bar_info(d, 2, &size, &real);
    CHECK(size == 1 * GIB && real == 1 * GIB);

    region = mmap(NULL, 2 * GIB, PROT_READ | PROT_WRITE, MAP_SHARED, d,
                  REGION(9));
    bar4 = mmap(NULL, 2 * GIB, PROT_READ | PROT_WRITE, MAP_SHARED, d,
                REGION(4));
    CHECK(region != MAP_FAILED && bar4 != MAP_FAILED);
    CHECK(stat_value(GPU0 ".live_coherent_mmaps") == 2);
    region[1] = 0x736572696573;
    CHECK(bar4[1] == 0x736572696573);

    /* Decode off: BAR4 faults and does not DMA map, the region does both. */
    CHECK(pwrite(d, &off, 2, REGION(7) + 0x04) == 2);
    CHECK(write_faults(bar4, 1));
    CHECK(!write_faults(region, 2));
    map.size = 2 * GIB;
    map.vaddr = (uintptr_t)bar4;
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) < 0 && errno == EFAULT);
    map.vaddr = (uintptr_t)region;
    CHECK(ioctl(c, VFIO_IOMMU_MAP_DMA, &map) == 0);

    /* D3hot: the same. */
    CHECK(pwrite(d, &on, 2, REGION(7) + 0x04) == 2);
    CHECK(pwrite(d, &d3hot, 2, REGION(7) + 0x84) == 2);
    CHECK(write_faults(bar4, 3));
    CHECK(!write_faults(region, 4));
    CHECK(pwrite(d, &d0, 2, REGION(7) + 0x84) == 2);
    CHECK(bar4[0] == 4 && region[1] == 0x736572696573);
}

/* GB200: no MIG bug (its DVSEC says so), so no resmem and no rounding. */
static void case_upstream_bar_gb200(void)
{
    uint64_t size, real;
    uint32_t dvsec[4];
    int c, g, d = open_device(&c, &g, GPU0, 100);

    bar_info(d, 4, &size, &real);
    CHECK(size == 256 * GIB && real == 186 * GIB);
    bar_info(d, 2, &size, &real);
    CHECK(size == 0);
    CHECK(pread(d, dvsec, sizeof(dvsec), REGION(7) + 0x100) == sizeof(dvsec));
    CHECK((dvsec[0] & 0xffff) == 0x23 && (dvsec[1] & 0xffff) == 0x10de);
    CHECK((dvsec[2] & 0xffff) == 3 && (dvsec[2] >> 16) == 1);
}

/*
 * bar1=: Blackwell's real BAR1, passed through by vfio-pci-core as
 * region 2: a plain BAR (no sparse-mmap capability), mmap-able whole,
 * sized through its virtualized register, and exportable as a dma-buf.
 */
static void case_gb200_bar1(void)
{
    struct vfio_region_info info = { .argsz = sizeof(info), .index = 2 };
    uint32_t ones = 0xffffffff, lo, hi, v = 0x12345678, back = 0;
    int c, g, d = open_device(&c, &g, GPU0, 100);
    uint32_t *bar;

    CHECK(ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &info) == 0);
    CHECK(info.size == 64 << 20 && info.flags == (VFIO_REGION_INFO_FLAG_READ |
                                                  VFIO_REGION_INFO_FLAG_WRITE |
                                                  VFIO_REGION_INFO_FLAG_MMAP));
    bar = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, d,
               REGION(2));
    CHECK(bar != MAP_FAILED);
    CHECK(pwrite(d, &v, 4, REGION(2) + 4096) == 4 && bar[1024] == v);
    bar[1] = ~v;
    CHECK(pread(d, &back, 4, REGION(2) + 4) == 4 && back == ~v);
    CHECK(pwrite(d, &ones, 4, REGION(7) + 0x18) == 4 &&
          pwrite(d, &ones, 4, REGION(7) + 0x1c) == 4);
    CHECK(pread(d, &lo, 4, REGION(7) + 0x18) == 4 &&
          pread(d, &hi, 4, REGION(7) + 0x1c) == 4);
    CHECK(lo == ((~((64u << 20) - 1)) | 0xc) && hi == 0xffffffff);
    /* The memory itself is still BAR4's, and BAR4 alone. */
    CHECK(stat_value(GPU0 ".live_coherent_mmaps") == 0);
}

/*
 * nvgrace-gpu's other device ids: a Hopper variant keeps resmem (BAR2),
 * a GB300 is Blackwell: all of its memory is usemem, with no 512 MiB
 * rounding.
 */
static void case_device_ids(void)
{
    uint16_t ids[2];
    uint64_t size, real;
    int c, g, d = open_device(&c, &g, GPU0, 100);
    int d1 = open_device(&c, &g, GPU1, 101);

    CHECK(pread(d, ids, sizeof(ids), REGION(7)) == sizeof(ids));
    CHECK(ids[0] == 0x10de && ids[1] == 0x2348);
    bar_info(d, 2, &size, &real);
    CHECK(size == 1 * GIB && real == 1 * GIB);
    CHECK(pread(d1, ids, sizeof(ids), REGION(7)) == sizeof(ids));
    CHECK(ids[0] == 0x10de && ids[1] == 0x31c2);
    bar_info(d1, 2, &size, &real);
    CHECK(size == 0);
    bar_info(d1, 4, &size, &real);
    CHECK(size == 4 * GIB && real == 2 * GIB + 256 * (1 << 20));
}

/*
 * The vfio cdev as QEMU finds it (<sysfs>/vfio-dev/vfioN/dev), bound to a
 * new iommufd and attached to a new IOAS; the ids in *ictx and *ioas.
 */
static int open_cdev(int *ictx, uint32_t *ioas, uint32_t *devid)
{
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    struct vfio_device_info info = { .argsz = sizeof(info) };
    struct dirent *ent;
    char text[32] = "";
    struct stat st;
    DIR *d = opendir(SYSFS0 "/vfio-dev");
    int fd, dev, major, minor;

    CHECK(d);
    do {
        ent = readdir(d);
        CHECK(ent);
    } while (strncmp(ent->d_name, "vfio", 4));
    CHECK(!strcmp(ent->d_name, "vfio0"));
    CHECK(!readdir(d));
    CHECK(closedir(d) == 0);
    fd = open(SYSFS0 "/vfio-dev/vfio0/dev", O_RDONLY);
    CHECK(fd >= 0 && read(fd, text, sizeof(text) - 1) > 0);
    close(fd);
    CHECK(sscanf(text, "%d:%d", &major, &minor) == 2);

    dev = open("/dev/vfio/devices/vfio0", O_RDWR);
    CHECK(dev >= 0);
    CHECK(fstat(dev, &st) == 0 && S_ISCHR(st.st_mode) &&
          st.st_rdev == makedev(major, minor));
    /* Nothing before the bind. */
    CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &info) < 0 && errno == EINVAL);
    *ictx = open("/dev/iommu", O_RDWR);
    CHECK(*ictx >= 0);
    bind.iommufd = *ictx;
    CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
    CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0 && errno == EINVAL);
    *devid = bind.out_devid;
    CHECK(ioctl(*ictx, IOMMU_IOAS_ALLOC, &alloc) == 0);
    *ioas = alloc.out_ioas_id;
    attach.pt_id = *ioas;
    CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) == 0);
    CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &info) == 0);
    return dev;
}

static int ioas_map_file(int ictx, uint32_t ioas, int fd, uint64_t iova,
                         uint64_t len)
{
    struct iommu_ioas_map_file map = {
        .size = sizeof(map), .ioas_id = ioas, .fd = fd,
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .length = len, .iova = iova,
    };

    return ioctl(ictx, IOMMU_IOAS_MAP_FILE, &map) ? -errno : 0;
}

static int ioas_unmap(int ictx, uint32_t ioas, uint64_t iova, uint64_t len)
{
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap), .ioas_id = ioas, .iova = iova, .length = len,
    };

    return ioctl(ictx, IOMMU_IOAS_UNMAP, &unmap) ? -errno : 0;
}

/* A dma-buf of @len bytes of @region from its start, or -errno. */
static int export_dmabuf(int dev, unsigned region, uint64_t len)
{
    struct {
        struct vfio_device_feature hdr;
        struct vfio_device_feature_dma_buf buf;
        struct vfio_region_dma_range range;
    } __attribute__((packed)) req = {
        .hdr = {
            .argsz = sizeof(req),
            .flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF,
        },
        .buf = { .region_index = region, .nr_ranges = 1 },
        .range = { .length = len },
    };
    int fd = ioctl(dev, VFIO_DEVICE_FEATURE, &req);

    return fd < 0 ? -errno : fd;
}

/*
 * iommufd's objects: an IOAS with a device on it cannot be destroyed;
 * maps by address of plain memory work, of the GPU memory fail (EFAULT,
 * VM_PFNMAP); unmaps must not split a mapping; the IOAS keeps its
 * mappings when the device leaves.
 */
static void case_iommufd_objects(void)
{
    struct iommu_destroy destroy = { .size = sizeof(destroy) };
    struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
    struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
    struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
    struct iommu_ioas_map map = {
        .size = sizeof(map),
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
        .length = 1 << 20, .iova = 0x100000,
    };
    uint32_t ioas, devid;
    int ictx, dev = open_cdev(&ictx, &ioas, &devid);
    void *plain = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    void *gpu = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
                     REGION(9));

    CHECK(plain != MAP_FAILED && gpu != MAP_FAILED);
    CHECK(open("/dev/vfio/devices/vfio0", O_RDWR) < 0 && errno == EBUSY);
    CHECK(open("/dev/vfio/devices/vfio1", O_RDWR) < 0 && errno == ENOENT);
    destroy.id = ioas;
    CHECK(ioctl(ictx, IOMMU_DESTROY, &destroy) < 0 && errno == EBUSY);

    map.ioas_id = ioas;
    map.user_va = (uintptr_t)plain;
    CHECK(ioctl(ictx, IOMMU_IOAS_MAP, &map) == 0);
    CHECK(ioctl(ictx, IOMMU_IOAS_MAP, &map) < 0 && errno == EEXIST);
    map.user_va = (uintptr_t)gpu;
    map.iova = 0x200000;
    CHECK(ioctl(ictx, IOMMU_IOAS_MAP, &map) < 0 && errno == EFAULT);
    CHECK(stat_value("live_dma_mappings") == 1);
    CHECK(ioas_unmap(ictx, ioas, 0x100000, 4096) == -ENOENT);

    /* A paging domain on the IOAS, as QEMU attaches the device. */
    hwpt.dev_id = devid;
    hwpt.pt_id = ioas;
    CHECK(ioctl(ictx, IOMMU_HWPT_ALLOC, &hwpt) == 0);
    attach.pt_id = hwpt.out_hwpt_id;
    CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) == 0);
    destroy.id = hwpt.out_hwpt_id;
    CHECK(ioctl(ictx, IOMMU_DESTROY, &destroy) < 0 && errno == EBUSY);
    CHECK(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) == 0);
    CHECK(ioctl(ictx, IOMMU_DESTROY, &destroy) == 0);
    CHECK(stat_value("live_dma_mappings") == 1);
    CHECK(ioas_unmap(ictx, ioas, 0, UINT64_MAX) == 0);
    CHECK(stat_value("live_dma_mappings") == 0);
    destroy.id = ioas;
    CHECK(ioctl(ictx, IOMMU_DESTROY, &destroy) == 0);
    close(dev);
    close(ictx);
    CHECK(stat_value("live_files") == 0);
}

/*
 * dma-bufs, as vfio-pci-core and kernel/0003 treat them: BAR4's only where
 * vfio-pci-core could claim it (phys-bars=on); revoked by decode off on a
 * BAR, by every reset and by the user's low power; iommufd then keeps the
 * IOVA but not the mapping, and maps the dma-buf again once the user unmaps
 * it.  The region's dma-buf survives decode off.
 */
static void case_dmabuf_revocation(void)
{
    uint16_t cmd_off = 0, cmd_on = 0x6;
    struct vfio_device_feature low = { .argsz = sizeof(low) };
    uint32_t ioas, devid;
    int ictx, dev = open_cdev(&ictx, &ioas, &devid);
    int bar4 = export_dmabuf(dev, 4, 1 << 20);
    int region = export_dmabuf(dev, 9, 1 << 20);

    CHECK(bar4 == -ENODEV && region >= 0);
    CHECK(export_dmabuf(dev, 9, (1 << 20) + 1) == -EINVAL);
    CHECK(mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, region, 0) ==
          MAP_FAILED && errno == EINVAL);
    CHECK(ioas_map_file(ictx, ioas, region, 0x100000, 2 << 20) == -EINVAL);
    CHECK(ioas_map_file(ictx, ioas, region, 0x100000, 1 << 20) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 1);
    CHECK(stat_value(GPU0 ".coherent_dma_iova") == 0x100000);
    CHECK(stat_value(GPU0 ".coherent_dma_maps_at_0x100000") == 1);

    /* Decode off leaves the region's dma-buf alone. */
    CHECK(pwrite(dev, &cmd_off, 2, REGION(7) + 4) == 2);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 1);
    CHECK(pwrite(dev, &cmd_on, 2, REGION(7) + 4) == 2);

    /* A reset revokes it: unmapped, IOVA still taken, mapped again. */
    CHECK(ioctl(dev, VFIO_DEVICE_RESET) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 0);
    CHECK(ioas_map_file(ictx, ioas, region, 0x100000, 1 << 20) == -EEXIST);
    CHECK(ioas_unmap(ictx, ioas, 0x100000, 1 << 20) == 0);
    CHECK(ioas_map_file(ictx, ioas, region, 0x100000, 1 << 20) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 1);
    CHECK(stat_value(GPU0 ".coherent_dma_maps_at_0x100000") == 2);

    /* Low power revokes it, and it cannot be mapped until it ends. */
    low.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
                VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
    CHECK(ioctl(dev, VFIO_DEVICE_FEATURE, &low) == 0);
    low.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
    CHECK(ioctl(dev, VFIO_DEVICE_FEATURE, &low) < 0 && errno == EINVAL);
    low.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
    CHECK(ioctl(dev, VFIO_DEVICE_FEATURE, &low) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 0);
    CHECK(ioas_unmap(ictx, ioas, 0x100000, 1 << 20) == 0);
    CHECK(ioas_map_file(ictx, ioas, region, 0x100000, 1 << 20) == -ENODEV);
    low.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT;
    CHECK(ioctl(dev, VFIO_DEVICE_FEATURE, &low) == 0);
    CHECK(ioas_map_file(ictx, ioas, region, 0x100000, 1 << 20) == 0);

    /* The mapping holds the dma-buf: it outlives the fd. */
    close(region);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 1);
    close(dev);
    close(ictx);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 0);
    CHECK(stat_value("live_files") == 0);
}

/* BAR4 where vfio-pci-core claimed it: decode off revokes its dma-buf. */
static void case_dmabuf_bar4(void)
{
    uint16_t cmd_off = 0, cmd_on = 0x6;
    uint32_t ioas, devid;
    int ictx, dev = open_cdev(&ictx, &ioas, &devid);
    int bar4;

    CHECK(pwrite(dev, &cmd_on, 2, REGION(7) + 4) == 2);
    bar4 = export_dmabuf(dev, 4, 1 << 20);
    CHECK(bar4 >= 0);
    CHECK(ioas_map_file(ictx, ioas, bar4, 0x100000, 1 << 20) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 1);
    CHECK(pwrite(dev, &cmd_off, 2, REGION(7) + 4) == 2);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 0);
    CHECK(ioas_unmap(ictx, ioas, 0x100000, 1 << 20) == 0);
    CHECK(ioas_map_file(ictx, ioas, bar4, 0x100000, 1 << 20) == -ENODEV);
    CHECK(pwrite(dev, &cmd_on, 2, REGION(7) + 4) == 2);
    CHECK(ioas_map_file(ictx, ioas, bar4, 0x100000, 1 << 20) == 0);
    CHECK(stat_value(GPU0 ".live_coherent_dma_maps") == 1);
}

struct test_case {
    const char *name;
    void (*fn)(void);
    const char *host;   /* NVGRACE_HOST; %s is the test directory */
};

static const struct test_case cases[] = {
    { "container-and-group", case_container_and_group, "host=" GPU0 },
    { "sysfs", case_sysfs, "host=" GPU0 },
    { "regions", case_regions, "host=" GPU0 ",mem=3G" },
    { "gb200", case_gb200, "host=" GPU0 ",model=gb200" },
    { "upstream-bar-gh200", case_upstream_bar_gh200,
      "host=" GPU0 ",abi=bar,mem=98560M,backing=%s/mem" },
    { "series-region-beside-bars", case_series_region_beside_bars,
      "host=" GPU0 ",abi=both,mem=3G" },
    { "upstream-bar-gb200", case_upstream_bar_gb200,
      "host=" GPU0 ",abi=bar,model=gb200,mem=186G" },
    { "groups-share-container", case_groups_share_container,
      "host=" GPU0 ";host=" GPU1 },
    { "usemem-not-pinnable", case_usemem_not_pinnable,
      "host=" GPU0 ",abi=bar,mem=3G,backing=%s/mem;host=" GPU1 ",mem=3G" },
    { "gb200-bar1", case_gb200_bar1,
      "host=" GPU0 ",abi=bar,model=gb200,mem=1666M,bar1=64M" },
    { "device-ids", case_device_ids,
      "host=" GPU0 ",abi=bar,device-id=0x2348,mem=3G;host=" GPU1
      ",abi=bar,model=gb300,mem=2304M" },
    { "no-coherent-region", case_no_coherent_region,
      "host=" GPU0 ",coherent=off" },
    { "config-space", case_config_space, "host=" GPU0 },
    { "bar0-ready", case_bar0_ready, "host=" GPU0 },
    { "bar0-training", case_bar0_training, "host=" GPU0 ",train=300" },
    { "training-holds-touch", case_training_holds_touch,
      "host=" GPU0 ",mem=1G,train=300" },
    { "usemem-decode-gating", case_usemem_decode_gating,
      "host=" GPU0 ",abi=bar,mem=3G" },
    { "coherent-mmap", case_coherent_mmap,
      "host=" GPU0 ",mem=128G,backing=%s/mem" },
    { "dma-counting", case_dma_counting, "host=" GPU0 ",backing=%s/mem" },
    { "release", case_release, "host=" GPU0 },
    { "iommufd-objects", case_iommufd_objects, "host=" GPU0 ",mem=1G" },
    { "dmabuf-revocation", case_dmabuf_revocation, "host=" GPU0 ",mem=1G" },
    { "dmabuf-bar4", case_dmabuf_bar4,
      "host=" GPU0 ",abi=bar,mem=3G,phys-bars=on" },
    { "two-gpus", case_two_gpus,
      "host=" GPU0 ",backing=%s/mem;host=" GPU1 ",model=gb200,"
      "backing=%s/mem1" },
};

/* Run @argv with the library preloaded; 0 if it exited with status 0. */
static int run_preloaded(const char *lib, const char *host, char **argv,
                         int *status)
{
    pid_t pid = fork();

    if (pid == 0) {
        setenv("LD_PRELOAD", lib, 1);
        setenv("NVGRACE_HOST", host, 1);
        setenv("NVGRACE_HOST_STATS", path_in_dir("stats"), 1);
        execv(argv[0], argv);
        _exit(127);
    }
    return waitpid(pid, status, 0) == pid ? 0 : -1;
}

int main(int argc, char **argv)
{
    unsigned i, failed = 0, n = sizeof(cases) / sizeof(cases[0]);
    char self[4096], host[512];
    int status;
    ssize_t len;

    if (argc == 4 && !strcmp(argv[1], "--case")) {
        strcpy(dir, argv[3]);
        for (i = 0; i < n; i++) {
            if (!strcmp(cases[i].name, argv[2])) {
                cases[i].fn();
                return 0;
            }
        }
        return 2;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s LIBNVGRACE_HOST\n", argv[0]);
        return 2;
    }
    len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    CHECK(len > 0);
    self[len] = '\0';

    printf("1..%u\n", n + 1);
    for (i = 0; i < n; i++) {
        char *child[] = { self, "--case", (char *)cases[i].name, dir, NULL };

        CHECK(mkdtemp(strcpy(dir, "/tmp/nvgrace-host-test-XXXXXX")));
        snprintf(host, sizeof(host), cases[i].host, dir, dir);
        CHECK(run_preloaded(argv[1], host, child, &status) == 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("ok %u %s\n", i + 1, cases[i].name);
        } else {
            printf("not ok %u %s\n", i + 1, cases[i].name);
            failed++;
        }
        fflush(stdout);
        unlink(path_in_dir("mem"));
        unlink(path_in_dir("mem1"));
        unlink(path_in_dir("stats"));
        unlink(path_in_dir("stats.tmp"));
        rmdir(dir);
    }

    /*
     * A malformed NVGRACE_HOST stops the process with a message, on its
     * first file access.
     */
    {
        char *child[] = { "/bin/cat", "/dev/null", NULL };

        CHECK(mkdtemp(strcpy(dir, "/tmp/nvgrace-host-test-XXXXXX")));
        CHECK(run_preloaded(argv[1], "host=0009:01:00.0,mem=lots", child,
                            &status) == 0);
        rmdir(dir);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
            printf("ok %u bad-configuration\n", n + 1);
        } else {
            printf("not ok %u bad-configuration\n", n + 1);
            failed++;
        }
    }
    return failed ? 1 : 0;
}
