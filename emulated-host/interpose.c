/*
 * Emulated GH200/GB200 host: the libc calls QEMU's VFIO code makes, taken
 * over for the emulated GPUs' sysfs paths, /dev/vfio nodes and file
 * descriptors.  Everything else passes through untouched.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/* The plain and *64 names are defined separately below: no redirection. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nvgrace-host.h"

#define EXPORT __attribute__((visibility("default")))

/* The vfio cdev of emulated GPU n is /dev/vfio/devices/vfio<n>. */
#define EMU_VFIO_CDEV_MAJOR 511
#define EMU_VFIO_CDEV_DIR   "/dev/vfio/devices/vfio"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_file *files[EMU_MAX_FD];
static bool active;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_munmap)(void *, size_t);
static int (*real_stat)(const char *, struct stat *);
static int (*real_fstat)(int, struct stat *);
static DIR *(*real_opendir)(const char *);
static struct dirent *(*real_readdir)(DIR *);
static int (*real_closedir)(DIR *);
static int (*real_lstat)(const char *, struct stat *);
static ssize_t (*real_readlink)(const char *, char *, size_t);
ssize_t (*real_pread)(int, void *, size_t, off_t);
ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_preadv)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);

static void *next_symbol(const char *name)
{
    void *sym = dlsym(RTLD_NEXT, name);

    if (!sym) {
        fprintf(stderr, "nvgrace-host: cannot resolve %s\n", name);
        abort();
    }
    return sym;
}

static void resolve(void)
{
    if (real_open) {
        return;
    }
    real_openat = next_symbol("openat");
    real_close = next_symbol("close");
    real_ioctl = next_symbol("ioctl");
    real_mmap = next_symbol("mmap");
    real_munmap = next_symbol("munmap");
    real_stat = next_symbol("stat");
    real_fstat = next_symbol("fstat");
    real_opendir = next_symbol("opendir");
    real_readdir = next_symbol("readdir");
    real_closedir = next_symbol("closedir");
    real_lstat = next_symbol("lstat");
    real_readlink = next_symbol("readlink");
    real_pread = next_symbol("pread");
    real_pwrite = next_symbol("pwrite");
    real_preadv = next_symbol("preadv");
    real_pwritev = next_symbol("pwritev");
    __atomic_store_n(&real_open, next_symbol("open"), __ATOMIC_RELEASE);
}

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static __thread bool in_setup;  /* setup() opens files through open() */

static void setup(void)
{
    const char *spec = getenv("NVGRACE_HOST");
    char err[256];

    if (!spec || !*spec) {
        return;
    }
    in_setup = true;
    if (emu_config_parse(spec, err, sizeof(err))) {
        fprintf(stderr, "nvgrace-host: NVGRACE_HOST: %s\n", err);
        exit(1);
    }
    in_setup = false;
    emu.stats_path = getenv("NVGRACE_HOST_STATS");
    active = true;
    emu_stats_write();
}

/*
 * The emulated GPUs, set up when a path is first looked up rather than in
 * a constructor: a sanitizer runtime preloaded with this library (ASan)
 * must initialize first, and its start-up, which maps memory through
 * mmap(), must find this library passing calls through.  No descriptor
 * can be emulated before a path was.
 */
static void resolve_paths(void)
{
    resolve();
    if (!in_setup) {
        pthread_once(&setup_once, setup);
    }
}

/*
 * Counters for tests, rewritten whole on each change:
 * "key value" lines, GPU keys prefixed by the GPU's host address.
 */
void emu_stats_write(void)
{
    char tmp[4096], buf[16384];
    size_t n = 0;
    unsigned i;
    int fd;

    if (!emu.stats_path) {
        return;
    }
    n += snprintf(buf + n, sizeof(buf) - n,
                  "dma_map_calls %lu\ndma_unmap_calls %lu\n"
                  "live_dma_mappings %lu\nlive_files %lu\n",
                  emu.dma_map_calls, emu.dma_unmap_calls,
                  emu.live_dma_mappings, emu.live_files);
    for (i = 0; i < emu.nr_gpus && n < sizeof(buf); i++) {
        struct emu_gpu *gpu = &emu.gpus[i];
        unsigned m, live = 0;

        for (m = 0; m < EMU_MAX_MMAPS; m++) {
            live += !!gpu->coherent_mmaps[m].len;
        }
        n += snprintf(buf + n, sizeof(buf) - n,
                      "%s.coherent_dma_maps %lu\n"
                      "%s.live_coherent_dma_maps %lu\n"
                      "%s.live_coherent_dma_bytes %" PRIu64 "\n"
                      "%s.coherent_dma_iova %" PRIu64 "\n"
                      "%s.live_coherent_mmaps %u\n"
                      "%s.resets %lu\n%s.device_open %d\n",
                      gpu->host, gpu->coherent_dma_maps, gpu->host,
                      gpu->live_coherent_dma_maps, gpu->host,
                      gpu->live_coherent_dma_bytes, gpu->host,
                      gpu->coherent_dma_iova, gpu->host, live,
                      gpu->host, gpu->resets, gpu->host, gpu->device_open);
        for (m = 0; m < EMU_MAX_IOVAS && gpu->coherent_dma_at[m].maps &&
             n < sizeof(buf); m++) {
            n += snprintf(buf + n, sizeof(buf) - n,
                          "%s.coherent_dma_maps_at_0x%" PRIx64 " %lu\n",
                          gpu->host, gpu->coherent_dma_at[m].iova,
                          gpu->coherent_dma_at[m].maps);
        }
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", emu.stats_path);
    fd = real_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    if (write(fd, buf, n < sizeof(buf) ? n : sizeof(buf)) < 0) {
        /* nothing to do: the test reading it will notice */
    }
    real_close(fd);
    rename(tmp, emu.stats_path);
}

/* Each emulated file is backed by a real eventfd, so its number is unique. */
int emu_new_file(enum emu_file_kind kind, struct emu_gpu *gpu,
                 struct emu_container *c)
{
    struct emu_file *f = calloc(1, sizeof(*f));
    int fd = eventfd(0, EFD_CLOEXEC);

    if (!f || fd < 0 || fd >= EMU_MAX_FD) {
        free(f);
        if (fd >= 0) {
            real_close(fd);
        }
        return -EMFILE;
    }
    f->kind = kind;
    f->gpu = gpu;
    f->container = c;
    switch (kind) {
    case EMU_FILE_GROUP:
        gpu->group_open = true;
        break;
    case EMU_FILE_DEVICE:
        gpu->device_open = true;
        break;
    default:
        break;
    }
    emu.live_files++;
    __atomic_store_n(&files[fd], f, __ATOMIC_RELEASE);
    emu_stats_write();
    return fd;
}

struct emu_file *emu_file_get(int fd)
{
    if (fd < 0 || fd >= EMU_MAX_FD) {
        return NULL;
    }
    return __atomic_load_n(&files[fd], __ATOMIC_ACQUIRE);
}

static void emu_file_release(int fd, struct emu_file *f)
{
    __atomic_store_n(&files[fd], NULL, __ATOMIC_RELEASE);
    switch (f->kind) {
    case EMU_FILE_GROUP:
        f->gpu->group_open = false;
        if (f->container) {
            emu_container_detach(f->container, f->gpu);
        }
        break;
    case EMU_FILE_DEVICE:
        f->gpu->device_open = false;
        if (f->cdev) {
            emu_cdev_release(f);
        }
        break;
    case EMU_FILE_CONTAINER:
        emu_container_put(f->container);
        break;
    case EMU_FILE_IOMMUFD:
        emu_iommufd_put(f->ictx);
        break;
    case EMU_FILE_DMABUF:
        /* iommufd's mappings of it stay, as they hold the dma-buf */
        break;
    }
    free(f);
    emu.live_files--;
    emu_stats_write();
}

/* The vfio cdev of emulated GPU n is /dev/vfio/devices/vfio<n>. */

/* A vfio cdev, once per GPU as its group. */
static int emu_open_cdev(const char *path)
{
    struct emu_gpu *gpu;
    char *end;
    unsigned long n = strtoul(path + strlen(EMU_VFIO_CDEV_DIR), &end, 10);
    int fd;

    if (*end || end == path + strlen(EMU_VFIO_CDEV_DIR) ||
        n >= emu.nr_gpus) {
        return -ENOENT;
    }
    gpu = &emu.gpus[n];
    if (gpu->device_open) {
        return -EBUSY;
    }
    fd = emu_new_file(EMU_FILE_DEVICE, gpu, NULL);
    if (fd >= 0) {
        emu_file_get(fd)->cdev = true;
    }
    return fd;
}

/*
 * /dev/iommu, /dev/vfio/vfio, /dev/vfio/<group> and
 * /dev/vfio/devices/vfio<n> of an emulated GPU.
 */
static int emu_open(const char *path)
{
    struct emu_container *c;
    struct emu_gpu *gpu;
    char *end;
    long group;
    int ret;

    if (!strcmp(path, "/dev/iommu")) {
        return emu_iommufd_new();
    }
    if (!strncmp(path, EMU_VFIO_CDEV_DIR, strlen(EMU_VFIO_CDEV_DIR))) {
        return emu_open_cdev(path);
    }
    if (!strcmp(path, "/dev/vfio/vfio")) {
        c = emu_container_new(false);
        if (!c) {
            return -ENOMEM;
        }
        ret = emu_new_file(EMU_FILE_CONTAINER, NULL, c);
        if (ret < 0) {
            emu_container_put(c);
        }
        return ret;
    }
    group = strtol(path + strlen("/dev/vfio/"), &end, 10);
    gpu = *end ? NULL : emu_gpu_by_group(group);
    if (!gpu) {
        return -ENOENT;
    }
    if (gpu->group_open) {
        return -EBUSY;
    }
    return emu_new_file(EMU_FILE_GROUP, gpu, NULL);
}

static bool is_vfio_path(const char *path)
{
    return active && (!strncmp(path, "/dev/vfio/", 10) ||
                      !strcmp(path, "/dev/iommu"));
}

static int open_common(const char *path)
{
    int ret;

    pthread_mutex_lock(&lock);
    ret = emu_open(path);
    pthread_mutex_unlock(&lock);
    if (ret < 0) {
        errno = -ret;
        return -1;
    }
    return ret;
}

static mode_t open_mode(int flags, va_list ap)
{
    return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

/*
 * <sysfs>/vfio-dev/vfio<n>/dev of GPU n: its cdev's "major:minor", in a
 * memfd; -ENOENT for any other path.
 */
static int open_sysfs_file(const char *path)
{
    const char *rest;
    struct emu_gpu *gpu = active ? emu_gpu_by_sysfs(path, &rest) : NULL;
    char want[64], text[32];
    int fd, n;

    if (!gpu) {
        return -ENOENT;
    }
    snprintf(want, sizeof(want), "/vfio-dev/vfio%u/dev", gpu->index);
    if (strcmp(rest, want)) {
        return -ENOENT;
    }
    n = snprintf(text, sizeof(text), "%d:%u\n", EMU_VFIO_CDEV_MAJOR,
                 gpu->index);
    fd = memfd_create("nvgrace-host-sysfs", MFD_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (real_pwrite(fd, text, n, 0) != n) {
        real_close(fd);
        return -EIO;
    }
    return fd;
}

static bool is_sysfs_path(const char *path)
{
    return active && !strncmp(path, "/sys/bus/pci/devices/", 21) &&
           strstr(path, "/vfio-dev/");
}

EXPORT int open(const char *path, int flags, ...)
{
    va_list ap;
    mode_t mode;

    resolve_paths();
    if (is_vfio_path(path)) {
        return open_common(path);
    }
    if (is_sysfs_path(path)) {
        int fd = open_sysfs_file(path);

        if (fd < 0) {
            errno = -fd;
            return -1;
        }
        return fd;
    }
    va_start(ap, flags);
    mode = open_mode(flags, ap);
    va_end(ap);
    return real_open(path, flags, mode);
}

/* The *64 names are the same calls on LP64; asm labels avoid their types. */
EXPORT int emu_open64(const char *path, int flags, mode_t mode)
    __asm__("open64");
EXPORT int emu_open64(const char *path, int flags, mode_t mode)
{
    return open(path, flags, mode);
}

EXPORT int __open_2(const char *path, int flags)
{
    return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
    return open(path, flags);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    mode_t mode;

    resolve_paths();
    if (is_vfio_path(path) || is_sysfs_path(path)) {
        return open(path, flags);
    }
    va_start(ap, flags);
    mode = open_mode(flags, ap);
    va_end(ap);
    return real_openat(dirfd, path, flags, mode);
}

EXPORT int emu_openat64(int dirfd, const char *path, int flags, mode_t mode)
    __asm__("openat64");
EXPORT int emu_openat64(int dirfd, const char *path, int flags, mode_t mode)
{
    return openat(dirfd, path, flags, mode);
}

EXPORT int close(int fd)
{
    struct emu_file *f;

    resolve();
    f = emu_file_get(fd);
    if (f) {
        pthread_mutex_lock(&lock);
        emu_file_release(fd, f);
        pthread_mutex_unlock(&lock);
    }
    return real_close(fd);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
    struct emu_file *f;
    va_list ap;
    void *arg;
    int ret;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);

    resolve();
    f = emu_file_get(fd);
    if (!f) {
        return real_ioctl(fd, req, arg);
    }
    pthread_mutex_lock(&lock);
    switch (f->kind) {
    case EMU_FILE_CONTAINER:
        ret = emu_container_ioctl(f, req, arg);
        break;
    case EMU_FILE_GROUP:
        ret = emu_group_ioctl(f, req, arg);
        break;
    case EMU_FILE_DEVICE:
        ret = emu_device_ioctl(f, req, arg);
        break;
    case EMU_FILE_IOMMUFD:
        ret = emu_iommufd_ioctl(f, req, arg);
        break;
    default:
        ret = -ENOTTY;
        break;
    }
    pthread_mutex_unlock(&lock);
    if (ret < 0) {
        errno = -ret;
        return -1;
    }
    return ret;
}

/*
 * usemem at m->off, or while m->region is gated an empty file (SIGBUS);
 * while the GPU retrains, inaccessible until a touch has waited for it
 * (gpu.c).
 */
static void *map_memory(struct emu_gpu *gpu, struct emu_mmap *m, int flags)
{
    int prot = emu_gpu_training(gpu) ? PROT_NONE : m->prot;

    m->gated = emu_region_gated(gpu, m->region);
    if (m->gated) {
        return real_mmap(m->addr, m->len, prot, flags, gpu->decode_off_fd, 0);
    }
    return real_mmap(m->addr, m->len, prot, flags, gpu->mem_fd, m->off);
}

/*
 * After a config write or a low-power change: zap or restore in place
 * every live mapping of usemem whose gating changed, as the next fault
 * would on Linux.
 */
int emu_update_memory_maps(struct emu_gpu *gpu)
{
    unsigned i;

    for (i = 0; i < EMU_MAX_MMAPS; i++) {
        struct emu_mmap *m = &gpu->coherent_mmaps[i];

        if (m->len && m->gated != emu_region_gated(gpu, m->region) &&
            map_memory(gpu, m, MAP_SHARED | MAP_FIXED) == MAP_FAILED) {
            return -errno;
        }
    }
    return 0;
}

/* Region access through the device fd: pread/pwrite at index << 40. */
static ssize_t device_rw(struct emu_gpu *gpu, void *buf, size_t len,
                         off_t off, bool write)
{
    unsigned index = EMU_REGION_INDEX(off);
    uint64_t roff = off & EMU_REGION_MASK;
    uint64_t size = emu_region_size(gpu, index);
    uint64_t real;
    ssize_t done = 0;
    int fd;

    if (off < 0 || !size || roff >= size) {
        return -EINVAL;
    }
    if (len > size - roff) {
        len = size - roff;
    }
    switch (index) {
    case EMU_REGION_CONFIG:
        if (!write && gpu->fault == EMU_FAULT_CONFIG_READ) {
            return -EIO;
        }
        if (write) {
            ssize_t ret = emu_config_write(gpu, buf, len, roff);
            int err = emu_update_memory_maps(gpu);

            emu_dma_revoke(gpu, false);
            return err ? err : ret;
        }
        return emu_config_read(gpu, buf, len, roff);
    case EMU_REGION_BAR0:
        fd = gpu->bar0_fd;
        break;
    case EMU_REGION_BAR2:
        fd = gpu->resmem_len ? gpu->mem_fd : gpu->bar1_fd;
        break;
    default:
        fd = gpu->mem_fd;
        break;
    }
    real = emu_region_real_size(gpu, index);
    if (roff >= real) {
        /* A fake BAR past its memory: reads give ~0, writes are dropped. */
        if (!write) {
            memset(buf, 0xff, len);
        }
        return len;
    }
    if (len > real - roff) {
        done = device_rw(gpu, (char *)buf + (real - roff), len - (real - roff),
                         off + (real - roff), write);
        if (done < 0) {
            return done;
        }
        len = real - roff;
    }
    roff += emu_region_backing_offset(gpu, index);
    len = write ? real_pwrite(fd, buf, len, roff) :
                  real_pread(fd, buf, len, roff);
    return (ssize_t)len < 0 ? -errno : (ssize_t)len + done;
}

/*
 * The real usemem is VM_PFNMAP, as BAR4 and as the coherent-memory region
 * of kernel/'s series: get_user_pages refuses it, so O_DIRECT I/O
 * to or from it fails with EFAULT.  The model's usemem has struct pages,
 * so it refuses such I/O itself, on the calls QEMU's block layer makes
 * with aio=threads (pread, pwrite, preadv, pwritev); not io_submit or
 * io_uring, which this QEMU build does not use.
 */
static bool pins_usemem(int fd, const struct iovec *iov, int iovcnt)
{
    bool hit = false;
    unsigned g, m;
    int i, flags;

    if (!active) {
        return false;
    }
    pthread_mutex_lock(&lock);
    for (g = 0; g < emu.nr_gpus; g++) {
        for (m = 0; m < EMU_MAX_MMAPS; m++) {
            const struct emu_mmap *map = &emu.gpus[g].coherent_mmaps[m];
            uintptr_t a = (uintptr_t)map->addr;

            for (i = 0; i < iovcnt && map->len; i++) {
                uintptr_t b = (uintptr_t)iov[i].iov_base;

                hit |= iov[i].iov_len && b < a + map->len &&
                       a < b + iov[i].iov_len;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    flags = hit ? fcntl(fd, F_GETFL) : 0;
    return flags > 0 && (flags & O_DIRECT);
}

static ssize_t rw_common(int fd, void *buf, size_t len, off_t off, bool write)
{
    struct emu_file *f = emu_file_get(fd);
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    ssize_t ret;

    if (!f || f->kind != EMU_FILE_DEVICE) {
        if (pins_usemem(fd, &iov, 1)) {
            errno = EFAULT;
            return -1;
        }
        return write ? real_pwrite(fd, buf, len, off) :
                       real_pread(fd, buf, len, off);
    }
    if (f->cdev && !f->ictx) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock(&lock);
    ret = device_rw(f->gpu, buf, len, off, write);
    pthread_mutex_unlock(&lock);
    if (ret < 0) {
        errno = -ret;
        return -1;
    }
    return ret;
}

EXPORT ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
    resolve();
    return rw_common(fd, buf, len, off, false);
}

EXPORT ssize_t emu_pread64(int fd, void *buf, size_t len, off_t off)
    __asm__("pread64");
EXPORT ssize_t emu_pread64(int fd, void *buf, size_t len, off_t off)
{
    return pread(fd, buf, len, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    resolve();
    return rw_common(fd, (void *)buf, len, off, true);
}

EXPORT ssize_t emu_pwrite64(int fd, const void *buf, size_t len, off_t off)
    __asm__("pwrite64");
EXPORT ssize_t emu_pwrite64(int fd, const void *buf, size_t len, off_t off)
{
    return pwrite(fd, buf, len, off);
}

static ssize_t rwv_common(int fd, const struct iovec *iov, int iovcnt,
                          off_t off, bool write)
{
    resolve();
    if (pins_usemem(fd, iov, iovcnt)) {
        errno = EFAULT;
        return -1;
    }
    return write ? real_pwritev(fd, iov, iovcnt, off) :
                   real_preadv(fd, iov, iovcnt, off);
}

EXPORT ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return rwv_common(fd, iov, iovcnt, off, false);
}

EXPORT ssize_t emu_preadv64(int fd, const struct iovec *iov, int iovcnt,
                            off_t off) __asm__("preadv64");
EXPORT ssize_t emu_preadv64(int fd, const struct iovec *iov, int iovcnt,
                            off_t off)
{
    return preadv(fd, iov, iovcnt, off);
}

EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return rwv_common(fd, iov, iovcnt, off, true);
}

EXPORT ssize_t emu_pwritev64(int fd, const struct iovec *iov, int iovcnt,
                             off_t off) __asm__("pwritev64");
EXPORT ssize_t emu_pwritev64(int fd, const struct iovec *iov, int iovcnt,
                             off_t off)
{
    return pwritev(fd, iov, iovcnt, off);
}

static void *device_mmap(struct emu_gpu *gpu, void *addr, size_t len,
                         int prot, int flags, off_t off)
{
    unsigned index = EMU_REGION_INDEX(off);
    uint64_t roff = off & EMU_REGION_MASK;
    uint64_t real = emu_region_real_size(gpu, index);
    struct emu_mmap m;
    void *p;
    int i;

    /* nvgrace-gpu refuses to map past the memory that exists. */
    if (off < 0 || !(flags & MAP_SHARED) || !len || roff >= real ||
        len > real - roff ||
        (index != EMU_REGION_BAR0 && index != EMU_REGION_COHERENT &&
         index != EMU_REGION_BAR2 && index != EMU_REGION_BAR4)) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    if (index == emu_memory_region(gpu) && gpu->fault == EMU_FAULT_MMAP) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    if (index == EMU_REGION_BAR0) {
        return real_mmap(addr, len, prot, flags, gpu->bar0_fd, roff);
    }
    if (index == EMU_REGION_BAR2) {
        /* resmem, or BAR1: not the coherent memory QEMU maps */
        return real_mmap(addr, len, prot, flags,
                         gpu->resmem_len ? gpu->mem_fd : gpu->bar1_fd,
                         roff + emu_region_backing_offset(gpu, index));
    }
    for (i = 0; i < EMU_MAX_MMAPS && gpu->coherent_mmaps[i].len; i++) {
        continue;
    }
    if (i == EMU_MAX_MMAPS) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    m = (struct emu_mmap) {
        .addr = addr, .len = len, .prot = prot, .off = roff, .region = index,
    };
    p = map_memory(gpu, &m, flags);
    if (p != MAP_FAILED) {
        m.addr = p;
        gpu->coherent_mmaps[i] = m;
        emu_stats_write();
    }
    return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off)
{
    struct emu_file *f;
    void *p;

    resolve();
    f = emu_file_get(fd);
    if (!f) {
        return real_mmap(addr, len, prot, flags, fd, off);
    }
    if (f->kind == EMU_FILE_DMABUF || (f->cdev && !f->ictx)) {
        /* vfio's dma-bufs have no mmap; a cdev nothing before its bind */
        errno = EINVAL;
        return MAP_FAILED;
    }
    if (f->kind != EMU_FILE_DEVICE) {
        errno = ENODEV;
        return MAP_FAILED;
    }
    pthread_mutex_lock(&lock);
    p = device_mmap(f->gpu, addr, len, prot, flags, off);
    pthread_mutex_unlock(&lock);
    return p;
}

EXPORT void *emu_mmap64(void *addr, size_t len, int prot, int flags, int fd,
                        off_t off) __asm__("mmap64");
EXPORT void *emu_mmap64(void *addr, size_t len, int prot, int flags, int fd,
                        off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
    unsigned g, i;

    resolve();
    if (active) {
        pthread_mutex_lock(&lock);
        for (g = 0; g < emu.nr_gpus; g++) {
            for (i = 0; i < EMU_MAX_MMAPS; i++) {
                struct emu_mmap *m = &emu.gpus[g].coherent_mmaps[i];

                if (m->len && m->addr == addr) {
                    m->len = 0;
                    emu_stats_write();
                }
            }
        }
        pthread_mutex_unlock(&lock);
    }
    return real_munmap(addr, len);
}

/* The sysfs directory of an emulated GPU exists; its iommu_group links. */
static int stat_common(const char *path, struct stat *st)
{
    const char *rest;
    struct emu_gpu *gpu = active ? emu_gpu_by_sysfs(path, &rest) : NULL;

    if (!gpu || *rest) {
        return 1;
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
}

/* The vfio cdev and /dev/iommu are character devices. */
EXPORT int fstat(int fd, struct stat *st)
{
    struct emu_file *f;

    resolve();
    f = emu_file_get(fd);
    if (!f || (f->kind != EMU_FILE_IOMMUFD && !f->cdev)) {
        return real_fstat(fd, st);
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFCHR | 0600;
    st->st_nlink = 1;
    st->st_rdev = f->cdev ? makedev(EMU_VFIO_CDEV_MAJOR, f->gpu->index) :
                  makedev(10, 123);
    return 0;
}

EXPORT int emu_fstat64(int fd, struct stat *st) __asm__("fstat64");
EXPORT int emu_fstat64(int fd, struct stat *st)
{
    return fstat(fd, st);
}

/*
 * <sysfs>/vfio-dev of an emulated GPU: a directory whose one entry is
 * vfio<n>.  Its DIR is the model's own; dirfd() of it is -1.
 */
struct emu_dir {
    int fd;                 /* where glibc's DIR has its fd */
    unsigned pos;
    struct emu_gpu *gpu;
    struct dirent ent;
};

#define EMU_MAX_DIRS 8
static struct emu_dir *dirs[EMU_MAX_DIRS];

static struct emu_dir *emu_dir_find(DIR *d)
{
    unsigned i;

    for (i = 0; i < EMU_MAX_DIRS && d; i++) {
        if ((DIR *)dirs[i] == d) {
            return dirs[i];
        }
    }
    return NULL;
}

EXPORT DIR *opendir(const char *path)
{
    const char *rest;
    struct emu_gpu *gpu;
    struct emu_dir *d;
    unsigned i;

    resolve_paths();
    gpu = active ? emu_gpu_by_sysfs(path, &rest) : NULL;
    if (!gpu || strcmp(rest, "/vfio-dev")) {
        return real_opendir(path);
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        return NULL;
    }
    d->fd = -1;
    d->gpu = gpu;
    pthread_mutex_lock(&lock);
    for (i = 0; i < EMU_MAX_DIRS && dirs[i]; i++) {
        continue;
    }
    if (i < EMU_MAX_DIRS) {
        dirs[i] = d;
    }
    pthread_mutex_unlock(&lock);
    if (i == EMU_MAX_DIRS) {
        free(d);
        errno = EMFILE;
        return NULL;
    }
    return (DIR *)d;
}

EXPORT struct dirent *readdir(DIR *dir)
{
    static const char *const dots[] = { ".", ".." };
    struct emu_dir *d;

    resolve();
    pthread_mutex_lock(&lock);
    d = emu_dir_find(dir);
    pthread_mutex_unlock(&lock);
    if (!d) {
        return real_readdir(dir);
    }
    memset(&d->ent, 0, sizeof(d->ent));
    switch (d->pos++) {
    case 0:
    case 1:
        d->ent.d_type = DT_DIR;
        strcpy(d->ent.d_name, dots[d->pos - 1]);
        break;
    case 2:
        d->ent.d_type = DT_DIR;
        snprintf(d->ent.d_name, sizeof(d->ent.d_name), "vfio%u",
                 d->gpu->index);
        break;
    default:
        return NULL;
    }
    d->ent.d_ino = d->pos;
    d->ent.d_off = d->pos;
    d->ent.d_reclen = sizeof(d->ent);
    return &d->ent;
}

/* On LP64, struct dirent64 is struct dirent. */
EXPORT struct dirent *emu_readdir64(DIR *dir) __asm__("readdir64");
EXPORT struct dirent *emu_readdir64(DIR *dir)
{
    return readdir(dir);
}

EXPORT int closedir(DIR *dir)
{
    struct emu_dir *d;
    unsigned i;

    resolve();
    pthread_mutex_lock(&lock);
    d = emu_dir_find(dir);
    for (i = 0; i < EMU_MAX_DIRS && d; i++) {
        if (dirs[i] == d) {
            dirs[i] = NULL;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!d) {
        return real_closedir(dir);
    }
    free(d);
    return 0;
}

EXPORT int stat(const char *path, struct stat *st)
{
    resolve_paths();
    return stat_common(path, st) ? real_stat(path, st) : 0;
}

EXPORT int emu_stat64(const char *path, struct stat *st) __asm__("stat64");
EXPORT int emu_stat64(const char *path, struct stat *st)
{
    return stat(path, st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
    resolve_paths();
    return stat_common(path, st) ? real_lstat(path, st) : 0;
}

EXPORT int emu_lstat64(const char *path, struct stat *st) __asm__("lstat64");
EXPORT int emu_lstat64(const char *path, struct stat *st)
{
    return lstat(path, st);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t len)
{
    const char *rest;
    struct emu_gpu *gpu;
    char link[64];
    size_t n;

    resolve_paths();
    gpu = active ? emu_gpu_by_sysfs(path, &rest) : NULL;
    if (!gpu || strcmp(rest, "/iommu_group")) {
        return real_readlink(path, buf, len);
    }
    n = snprintf(link, sizeof(link), "../../../kernel/iommu_groups/%d",
                 gpu->group);
    n = n < len ? n : len;
    memcpy(buf, link, n);
    return n;
}

/*
 * What _FORTIFY_SOURCE turns readlink() and pread() into (QEMU's sanitizer
 * build, for one): the same, once the buffer is known to be large enough.
 */
EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t len,
                              size_t buflen)
{
    if (len > buflen) {
        abort();
    }
    return readlink(path, buf, len);
}

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off,
                           size_t buflen)
{
    if (len > buflen) {
        abort();
    }
    return pread(fd, buf, len, off);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off,
                             size_t buflen)
{
    return __pread_chk(fd, buf, len, off, buflen);
}
