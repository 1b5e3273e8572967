// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-probe: what a host's VFIO driver does with a Grace GPU's memory
 * mapping, one line per behaviour that vfio-pci-nvgrace relies on.
 *
 *   vfio-probe [--region] type1|iommufd BDF [BLOCKDEV]
 *
 * It opens the GPU through the group and a type1 container, or through its
 * vfio cdev bound to an iommufd, mmaps the start of usemem (BAR4 of Linux's
 * nvgrace-gpu or, with --region, the coherent memory region of the kernel
 * series in kernel/) and touches it after each change a VMM or a guest makes:
 * memory decode off and on, D3hot and back, a device reset, and tries what
 * a host does with guest RAM: an O_DIRECT read into it, a DMA map of it,
 * its dma-buf export.  It also says what region 2 (BAR2) is.  Each line is
 * "probe NAME: OUTCOME", where OUTCOME is "ok", "SIGBUS", the errno's name,
 * or "skip: why".  The same program runs on the real kernel (the nested
 * host) and on the emulated host, so that their lines can be compared.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define MAP_LEN       (2UL << 20)
#define DMA_IOVA      (1ULL << 32)
/* Where --region writes a marker, for the test to find in L0's backing. */
#define MARK_OFFSET   (1UL << 20)
#define MARK          "nvgrace-region"

/* From kernel/0001-vfio-uapi-*.patch, for headers of a stock kernel */
#ifndef VFIO_REGION_TYPE_MEM
#define VFIO_REGION_TYPE_MEM 4
#define VFIO_REGION_SUBTYPE_MEM_COHERENT 1
#endif

struct gpu {
    const char *bdf;
    int device;
    int container;      /* type1 */
    int iommufd;        /* iommufd */
    uint32_t ioas;
    off_t config;
    unsigned index;     /* usemem's region: BAR4 or the coherent region */
    off_t usemem;
    volatile uint8_t *map;
};

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
    siglongjmp(fault_jmp, sig);
}

static void say(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const char *name, const char *fmt, ...)
{
    va_list ap;

    printf("probe %s: ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static const char *err_name(int err)
{
    switch (err) {
    case 0: return "ok";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case ENOENT: return "ENOENT";
    case ENODEV: return "ENODEV";
    case ENOTTY: return "ENOTTY";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPERM: return "EPERM";
    case EBUSY: return "EBUSY";
    case ETIME: return "ETIME";
    case ENXIO: return "ENXIO";
    default: return strerror(err);
    }
}

/* Read and write the first byte of the mapping; "ok" or "SIGBUS". */
static const char *touch(struct gpu *g, double *seconds)
{
    struct timespec t0, t1;
    const char *outcome = "ok";

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (sigsetjmp(fault_jmp, 1) == 0) {
        g->map[0] = g->map[0] + 1;
    } else {
        outcome = "SIGBUS";
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (seconds) {
        *seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    }
    return outcome;
}

static uint16_t config_read16(struct gpu *g, unsigned off)
{
    uint16_t v = 0xffff;

    if (pread(g->device, &v, 2, g->config + off) != 2) {
        perror("vfio-probe: config read");
    }
    return v;
}

static void config_write16(struct gpu *g, unsigned off, uint16_t v)
{
    if (pwrite(g->device, &v, 2, g->config + off) != 2) {
        perror("vfio-probe: config write");
    }
}

static void set_decode(struct gpu *g, int on)
{
    uint16_t cmd = config_read16(g, PCI_COMMAND);

    cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
    config_write16(g, PCI_COMMAND, cmd);
}

static unsigned find_cap(struct gpu *g, uint8_t id)
{
    unsigned pos = config_read16(g, PCI_CAPABILITY_LIST) & 0xfc;
    int guard = 48;

    while (pos && guard--) {
        uint16_t hdr = config_read16(g, pos);

        if ((hdr & 0xff) == id) {
            return pos;
        }
        pos = (hdr >> 8) & 0xfc;
    }
    return 0;
}

static void set_power_state(struct gpu *g, unsigned pm, int state)
{
    config_write16(g, pm + PCI_PM_CTRL,
                   (config_read16(g, pm + PCI_PM_CTRL) &
                    ~PCI_PM_CTRL_STATE_MASK) | state);
}

static off_t region_offset(struct gpu *g, unsigned index, uint64_t *size)
{
    struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

    if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &info)) {
        return -1;
    }
    if (size) {
        *size = info.size;
    }
    return info.offset;
}

/*
 * Region 2: on GH200, nvgrace-gpu's resmem, a fake BAR whose real part is
 * its one sparse-mmap area; on Blackwell, the GPU's real BAR1 (PCI BAR2),
 * which vfio-pci-core passes through as it is.  "SIZE,sparse|plain".
 */
static void probe_bar2(struct gpu *g)
{
    union {
        struct vfio_region_info info;
        char bytes[512];
    } u = { .info = { .argsz = sizeof(u), .index = 2 } };
    const char *shape = "plain";
    uint32_t off;
    int n;

    if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &u.info)) {
        say("bar2", "%s", err_name(errno));
        return;
    }
    if (!u.info.size) {
        say("bar2", "none");
        return;
    }
    off = u.info.flags & VFIO_REGION_INFO_FLAG_CAPS ? u.info.cap_offset : 0;
    for (n = 0; off && off <= sizeof(u) - sizeof(struct vfio_info_cap_header)
         && n < 16; n++) {
        struct vfio_info_cap_header *hdr = (void *)(u.bytes + off);

        if (hdr->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
            shape = "sparse";
        }
        off = hdr->next;
    }
    say("bar2", "%lluM,%s%s", (unsigned long long)(u.info.size >> 20), shape,
        u.info.flags & VFIO_REGION_INFO_FLAG_MMAP ? "" : ",no-mmap");
}

/* Say which step of opening the device failed; -errno. */
static int fail(const char *step)
{
    int err = errno;

    fprintf(stderr, "vfio-probe: %s: %s\n", step, strerror(err));
    return -err;
}

static int open_type1(struct gpu *g)
{
    char link[PATH_MAX], path[PATH_MAX + 32];
    const char *group;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
             g->bdf);
    n = readlink(path, link, sizeof(link) - 1);
    if (n < 0) {
        return fail(path);
    }
    link[n] = 0;
    group = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
    snprintf(path, sizeof(path), "/dev/vfio/%s", group);
    g->container = open("/dev/vfio/vfio", O_RDWR);
    if (g->container < 0) {
        return fail("open /dev/vfio/vfio");
    }
    fd = open(path, O_RDWR);
    if (fd < 0) {
        return fail(path);
    }
    if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &g->container)) {
        return fail("VFIO_GROUP_SET_CONTAINER");
    }
    if (ioctl(g->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
        return fail("VFIO_SET_IOMMU");
    }
    g->device = ioctl(fd, VFIO_GROUP_GET_DEVICE_FD, g->bdf);
    return g->device < 0 ? fail("VFIO_GROUP_GET_DEVICE_FD") : 0;
}

static int open_iommufd(struct gpu *g)
{
    struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
    struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
    struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
    char path[PATH_MAX];
    int minor = -1;

    /* /dev/vfio/devices/vfioN, N from the device's vfio-dev directory */
    for (int i = 0; i < 64 && minor < 0; i++) {
        char p[PATH_MAX];

        snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vfio-dev/vfio%d/dev",
                 g->bdf, i);
        /* open(), not fopen(): the emulated host interposes open() */
        int fd = open(p, O_RDONLY);

        if (fd >= 0) {
            minor = i;
            close(fd);
        }
    }
    if (minor < 0) {
        errno = ENOENT;
        return fail("no vfio-dev/vfioN in sysfs");
    }
    snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", minor);
    g->device = open(path, O_RDWR);
    if (g->device < 0) {
        return fail(path);
    }
    g->iommufd = open("/dev/iommu", O_RDWR);
    if (g->iommufd < 0) {
        return fail("open /dev/iommu");
    }
    bind.iommufd = g->iommufd;
    if (ioctl(g->device, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
        return fail("VFIO_DEVICE_BIND_IOMMUFD");
    }
    if (ioctl(g->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
        return fail("IOMMU_IOAS_ALLOC");
    }
    g->ioas = alloc.out_ioas_id;
    attach.pt_id = g->ioas;
    return ioctl(g->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ?
           fail("VFIO_DEVICE_ATTACH_IOMMUFD_PT") : 0;
}

static int dma_map(struct gpu *g)
{
    if (g->container >= 0) {
        struct vfio_iommu_type1_dma_map map = {
            .argsz = sizeof(map),
            .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
            .vaddr = (uintptr_t)g->map, .iova = DMA_IOVA, .size = MAP_LEN,
        };
        struct vfio_iommu_type1_dma_unmap unmap = {
            .argsz = sizeof(unmap), .iova = DMA_IOVA, .size = MAP_LEN,
        };

        if (ioctl(g->container, VFIO_IOMMU_MAP_DMA, &map)) {
            return errno;
        }
        ioctl(g->container, VFIO_IOMMU_UNMAP_DMA, &unmap);
    } else {
        struct iommu_ioas_map map = {
            .size = sizeof(map), .ioas_id = g->ioas,
            .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                     IOMMU_IOAS_MAP_WRITEABLE,
            .user_va = (uintptr_t)g->map, .length = MAP_LEN, .iova = DMA_IOVA,
        };
        struct iommu_ioas_unmap unmap = {
            .size = sizeof(unmap), .ioas_id = g->ioas,
            .iova = DMA_IOVA, .length = MAP_LEN,
        };

        if (ioctl(g->iommufd, IOMMU_IOAS_MAP, &map)) {
            return errno;
        }
        ioctl(g->iommufd, IOMMU_IOAS_UNMAP, &unmap);
    }
    return 0;
}

/* VFIO_DEVICE_FEATURE_DMA_BUF of usemem's first MAP_LEN: a dma-buf fd */
static int export_dmabuf(struct gpu *g)
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
        .buf = {
            .region_index = g->index, .open_flags = O_RDWR | O_CLOEXEC,
            .nr_ranges = 1,
        },
        .range = { .offset = 0, .length = MAP_LEN },
    };
    int fd = ioctl(g->device, VFIO_DEVICE_FEATURE, &req);

    return fd < 0 ? -errno : fd;
}

static int map_file(struct gpu *g, int fd)
{
    struct iommu_ioas_map_file map = {
        .size = sizeof(map), .ioas_id = g->ioas, .fd = fd,
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .start = 0, .length = MAP_LEN, .iova = DMA_IOVA + MAP_LEN,
    };

    return ioctl(g->iommufd, IOMMU_IOAS_MAP_FILE, &map) ? errno : 0;
}

static int unmap_file(struct gpu *g)
{
    struct iommu_ioas_unmap unmap = {
        .size = sizeof(unmap), .ioas_id = g->ioas,
        .iova = DMA_IOVA + MAP_LEN, .length = MAP_LEN,
    };

    return ioctl(g->iommufd, IOMMU_IOAS_UNMAP, &unmap) ? errno : 0;
}

static void probe_decode_and_power(struct gpu *g)
{
    unsigned pm = find_cap(g, PCI_CAP_ID_PM);

    set_decode(g, 1);
    say("touch-decode-on", "%s", touch(g, NULL));
    set_decode(g, 0);
    say("decode-read-back", "%s",
        config_read16(g, PCI_COMMAND) & PCI_COMMAND_MEMORY ? "on" : "off");
    say("touch-decode-off", "%s", touch(g, NULL));
    set_decode(g, 1);
    say("touch-decode-on-again", "%s", touch(g, NULL));

    if (!pm) {
        say("touch-d3hot", "skip: no PM capability");
        return;
    }
    set_power_state(g, pm, 3);
    say("power-read-back", "D%d",
        config_read16(g, pm + PCI_PM_CTRL) & PCI_PM_CTRL_STATE_MASK);
    say("touch-d3hot", "%s", touch(g, NULL));
    set_power_state(g, pm, 0);
    say("touch-d0-again", "%s", touch(g, NULL));
}

static void probe_reset(struct gpu *g)
{
    double seconds;
    const char *outcome;

    set_decode(g, 1);
    touch(g, NULL);
    if (ioctl(g->device, VFIO_DEVICE_RESET)) {
        say("touch-after-reset", "skip: VFIO_DEVICE_RESET: %s",
            err_name(errno));
        return;
    }
    /* What the user reads back, and the touch without writing COMMAND. */
    say("decode-after-reset", "%s",
        config_read16(g, PCI_COMMAND) & PCI_COMMAND_MEMORY ? "on" : "off");
    outcome = touch(g, &seconds);
    say("touch-after-reset", "%s (%.1f s)", outcome, seconds);
}

static void probe_host_io(struct gpu *g, const char *blockdev)
{
    int fd, err;

    set_decode(g, 1);
    touch(g, NULL);
    if (!blockdev) {
        say("o-direct-read", "skip: no block device given");
    } else if ((fd = open(blockdev, O_RDONLY | O_DIRECT)) < 0) {
        say("o-direct-read", "skip: %s: %s", blockdev, err_name(errno));
    } else {
        ssize_t n = pread(fd, (void *)g->map, 4096, 0);

        say("o-direct-read", "%s", n == 4096 ? "ok" : err_name(errno));
        close(fd);
    }
    say("dma-map-by-address", "%s", err_name(dma_map(g)));

    fd = export_dmabuf(g);
    say("dma-buf-export", "%s", fd < 0 ? err_name(-fd) : "ok");
    if (g->iommufd < 0) {
        say("dma-buf-map-file", "skip: type1 has no map by file");
    } else if (fd < 0) {
        say("dma-buf-map-file", "skip: no dma-buf");
    } else {
        err = map_file(g, fd);
        say("dma-buf-map-file", "%s", err_name(err));
        if (!err) {
            unmap_file(g);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
}

/* The index of the VFIO_REGION_TYPE_MEM/MEM_COHERENT region, or -1 */
static int find_coherent_region(struct gpu *g)
{
    struct vfio_device_info dev = { .argsz = sizeof(dev) };

    if (ioctl(g->device, VFIO_DEVICE_GET_INFO, &dev)) {
        return -1;
    }
    for (unsigned i = VFIO_PCI_NUM_REGIONS; i < dev.num_regions; i++) {
        union {
            struct vfio_region_info info;
            char buf[4096];
        } u = { .info = { .argsz = sizeof(u), .index = i } };
        uint32_t off;

        if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &u) ||
            !(u.info.flags & VFIO_REGION_INFO_FLAG_CAPS)) {
            continue;
        }
        for (off = u.info.cap_offset; off && off + 16 <= sizeof(u);) {
            struct vfio_region_info_cap_type *t = (void *)(u.buf + off);

            if (t->header.id == VFIO_REGION_INFO_CAP_TYPE &&
                t->type == VFIO_REGION_TYPE_MEM &&
                t->subtype == VFIO_REGION_SUBTYPE_MEM_COHERENT) {
                return i;
            }
            off = t->header.next;
        }
    }
    return -1;
}

/* pwrite, then pread and the mapping, see the same bytes */
static void probe_rw(struct gpu *g)
{
    const char pattern[] = "pwrite-pread";
    char back[sizeof(pattern)] = "";
    off_t at = g->usemem + 4096;

    if (pwrite(g->device, pattern, sizeof(pattern), at) != sizeof(pattern)) {
        say("pwrite-pread", "%s", err_name(errno));
    } else if (pread(g->device, back, sizeof(back), at) != sizeof(back)) {
        say("pwrite-pread", "%s", err_name(errno));
    } else {
        say("pwrite-pread", "%s",
            memcmp(back, pattern, sizeof(pattern)) ||
            memcmp((void *)(g->map + 4096), pattern, sizeof(pattern)) ?
            "mismatch" : "ok");
    }
}

/* A dma-buf mapped by iommufd, the device reset, and the dma-buf again */
static void probe_dmabuf_across_reset(struct gpu *g)
{
    int fd, err;

    if (g->iommufd < 0) {
        say("dma-buf-remap-after-reset", "skip: type1 has no map by file");
        return;
    }
    fd = export_dmabuf(g);
    if (fd < 0) {
        say("dma-buf-remap-after-reset", "skip: no dma-buf");
        return;
    }
    err = map_file(g, fd);
    if (!err && ioctl(g->device, VFIO_DEVICE_RESET)) {
        err = errno;
    }
    if (!err) {
        err = unmap_file(g);
    }
    if (!err) {
        err = map_file(g, fd);
    }
    say("dma-buf-remap-after-reset", "%s", err_name(err));
    if (!err) {
        unmap_file(g);
    }
    close(fd);
}

/*
 * A function reset the user writes to config space (PCIe FLR), from D3hot:
 * the D-state read back after it, and the memory after it, with how long
 * the first touch took (the readiness wait).
 */
static void probe_flr(struct gpu *g)
{
    unsigned exp = find_cap(g, PCI_CAP_ID_EXP);
    unsigned pm = find_cap(g, PCI_CAP_ID_PM);
    const char *outcome;
    uint32_t devcap;
    double seconds;

    if (!exp || !pm ||
        pread(g->device, &devcap, 4, g->config + exp + PCI_EXP_DEVCAP) != 4 ||
        !(devcap & PCI_EXP_DEVCAP_FLR)) {
        say("touch-after-flr", "skip: no FLR or no PM capability");
        return;
    }
    set_decode(g, 1);
    touch(g, NULL);
    set_power_state(g, pm, 3);
    config_write16(g, exp + PCI_EXP_DEVCTL,
                   config_read16(g, exp + PCI_EXP_DEVCTL) |
                   PCI_EXP_DEVCTL_BCR_FLR);
    say("power-after-flr", "D%d",
        config_read16(g, pm + PCI_PM_CTRL) & PCI_PM_CTRL_STATE_MASK);
    set_power_state(g, pm, 0);
    outcome = touch(g, &seconds);
    say("touch-after-flr", "%s (%.1f s)", outcome, seconds);
}

/*
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY: the memory faults, and a dma-buf
 * made meanwhile cannot be mapped; after LOW_POWER_EXIT it is back.
 */
static void probe_low_power(struct gpu *g)
{
    struct vfio_device_feature entry = {
        .argsz = sizeof(entry),
        .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
    };
    struct vfio_device_feature leave = {
        .argsz = sizeof(leave),
        .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
    };
    int fd, err;

    set_decode(g, 1);
    touch(g, NULL);
    if (ioctl(g->device, VFIO_DEVICE_FEATURE, &entry)) {
        say("touch-low-power", "skip: LOW_POWER_ENTRY: %s", err_name(errno));
        return;
    }
    say("touch-low-power", "%s", touch(g, NULL));
    if (g->iommufd < 0) {
        say("dma-buf-map-low-power", "skip: type1 has no map by file");
    } else if ((fd = export_dmabuf(g)) < 0) {
        say("dma-buf-map-low-power", "skip: no dma-buf: %s", err_name(-fd));
    } else {
        err = map_file(g, fd);
        say("dma-buf-map-low-power", "%s", err_name(err));
        if (!err) {
            unmap_file(g);
        }
        close(fd);
    }
    if (ioctl(g->device, VFIO_DEVICE_FEATURE, &leave)) {
        say("touch-after-low-power", "skip: LOW_POWER_EXIT: %s",
            err_name(errno));
        return;
    }
    say("touch-after-low-power", "%s", touch(g, NULL));
}

int main(int argc, char **argv)
{
    struct gpu g = { .device = -1, .container = -1, .iommufd = -1 };
    struct sigaction sa = { .sa_handler = on_sigbus };
    uint64_t size;
    int region = 0, ret;

    if (argc > 1 && !strcmp(argv[1], "--region")) {
        region = 1;
        argv++;
        argc--;
    }
    if (argc < 3 || (strcmp(argv[1], "type1") && strcmp(argv[1], "iommufd"))) {
        fprintf(stderr, "usage: vfio-probe [--region] type1|iommufd BDF "
                "[BLOCKDEV]\n");
        return 2;
    }
    g.bdf = argv[2];
    sigaction(SIGBUS, &sa, NULL);

    ret = strcmp(argv[1], "type1") ? open_iommufd(&g) : open_type1(&g);
    say("open", "%s", err_name(-ret));
    if (ret) {
        return 1;
    }
    g.config = region_offset(&g, VFIO_PCI_CONFIG_REGION_INDEX, NULL);
    ret = region ? find_coherent_region(&g) : VFIO_PCI_BAR4_REGION_INDEX;
    if (ret < 0) {
        say("region", "skip: no coherent memory region");
        return 1;
    }
    g.index = ret;
    g.usemem = region_offset(&g, g.index, &size);
    if (g.config < 0 || g.usemem < 0 || size < MAP_LEN) {
        say("usemem", "skip: no region %u of at least 2 MiB", g.index);
        return 1;
    }
    say("size", "%llu", (unsigned long long)size);
    g.map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, g.device,
                 g.usemem);
    say("mmap", "%s", g.map == MAP_FAILED ? err_name(errno) : "ok");
    if (g.map == MAP_FAILED) {
        return 1;
    }

    probe_bar2(&g);
    probe_decode_and_power(&g);
    probe_host_io(&g, argc > 3 ? argv[3] : NULL);
    probe_rw(&g);
    probe_reset(&g);
    probe_dmabuf_across_reset(&g);
    probe_flr(&g);
    probe_low_power(&g);
    if (region) {
        memcpy((void *)(g.map + MARK_OFFSET), MARK, sizeof(MARK));
    }
    return 0;
}
