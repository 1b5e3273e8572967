/*
 * Emulated GH200/GB200 host: the GPUs (configuration, PCI config space and
 * memory backing).
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nvgrace-host.h"

#define PCI_VENDOR_ID_NVIDIA    0x10de
/*
 * nvgrace-gpu's device ids: Grace Hopper, and Grace Blackwell, which has
 * the DVSEC that says it has no MIG hardware bug (and so no resmem).
 * model= names the first id of each; device-id= takes any of them, or any
 * other id, for a device that driver_override binds to nvgrace-gpu
 * without being in its table (the driver offers its memory the same way,
 * as a Hopper's).
 */
static const struct emu_model {
    const char *name;
    uint16_t device_id;
    bool blackwell;
} models[] = {
    { "gh200", 0x2342, false },
    { NULL, 0x2345, false },
    { NULL, 0x2348, false },
    { "gb200", 0x2941, true },
    { "gb300", 0x31c2, true },
};
#define DEFAULT_GROUP_BASE      100
#define PCIE_CAP                0x40
#define DVSEC_CAP               0x100
#define PM_CAP                  0x80
#define EXP_DEVCTL              0x08
#define EXP_DEVCTL_BCR_FLR      0x8000

/*
 * Linux drivers/vfio/pci/nvgrace-gpu/main.c: usemem is rounded down to
 * MEMBLK_SIZE, "a hardwired ABI value between the GPU FW and VFIO driver",
 * on GPUs with the MIG hardware bug, which also get a 1 GiB resmem.  The
 * bug is absent where NVIDIA's DVSEC (id 3) has bit 0 set at offset 0xA:
 * Blackwell.
 */
#define MEMBLK_SIZE             (512ULL << 20)
#define RESMEM_SIZE             (1ULL << 30)
#define GPU_CAP_DVSEC_REGISTER  3
#define DVSEC_BITMAP_OFFSET     0xa
#define MIG_SUPPORTED_WITH_CACHED_RESMEM 1
#define PCI_BAR_MEM_64_PREFETCH 0xc
#define PCI_BASE_ADDRESS_2      0x18
#define PCI_BASE_ADDRESS_4      0x20

struct emu_host emu;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

/* "64M", "1G", "128G", or plain bytes; binary units. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    int shift = 0;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s) {
        return -1;
    }
    switch (*end) {
    case 'T': case 't': shift = 40; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'K': case 'k': shift = 10; end++; break;
    }
    if (*end || (shift && v > (UINT64_MAX >> shift))) {
        return -1;
    }
    *out = (uint64_t)v << shift;
    return 0;
}

/* A model's name, or with @by_id a device id: the GPU's id and family. */
static bool parse_model(const char *val, bool by_id, struct emu_gpu *gpu)
{
    char *end;
    unsigned long id = strtoul(val, &end, 16);
    size_t i;

    for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        if (by_id ? *val && !*end && id == models[i].device_id
                  : models[i].name && !strcmp(val, models[i].name)) {
            gpu->device_id = models[i].device_id;
            gpu->blackwell = models[i].blackwell;
            return true;
        }
    }
    if (by_id && *val && !*end && id <= 0xffff) {
        gpu->device_id = id;
        gpu->blackwell = false;
        return true;
    }
    return false;
}

/* A PCI address the way `-device vfio-pci,host=` takes it, domain required. */
static int parse_host(const char *s, char *out, size_t outlen)
{
    unsigned dom, bus, slot, fn;
    char tail;

    if (sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) != 4 ||
        dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7) {
        return -1;
    }
    snprintf(out, outlen, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
    return 0;
}

static void gpu_init_config(struct emu_gpu *gpu)
{
    uint8_t *c = gpu->config, *w = gpu->config_wmask;
    uint8_t *cap = c + PCIE_CAP;

    memset(c, 0, sizeof(gpu->config));
    memset(w, 0, sizeof(gpu->config_wmask));

    put16(c + 0x00, PCI_VENDOR_ID_NVIDIA);
    put16(c + 0x02, gpu->device_id);
    /* vfio-pci-core copies COMMAND after enabling the device: decode on */
    put16(c + 0x04, EMU_COMMAND_MEMORY);
    put16(c + 0x06, 0x0010);            /* status: capability list */
    c[0x08] = 0xa1;                     /* revision */
    c[0x0a] = 0x02;                     /* 3D controller */
    c[0x0b] = 0x03;                     /* display controller */
    put32(c + 0x10, 0x4);               /* BAR0: 64-bit memory */
    put16(c + 0x2c, PCI_VENDOR_ID_NVIDIA);
    put16(c + 0x2e, gpu->device_id);
    c[0x34] = PCIE_CAP;
    c[0x3d] = 1;                        /* INTA# */

    /* PCI Express capability v2, endpoint, FLR, x16 at 32 GT/s */
    cap[0x00] = 0x10;
    cap[0x01] = PM_CAP;
    put16(cap + 0x02, 0x0002);
    put32(cap + 0x04, 1u << 28);
    put32(cap + 0x0c, 0x00000105);
    put16(cap + 0x12, 0x0105);

    /* Power management v3, no soft reset from D3hot, in D0 */
    c[PM_CAP] = 0x01;
    put16(c + PM_CAP + 0x02, 0x0003);
    put16(c + PM_CAP + EMU_PM_CTRL, 0x0008);

    put16(w + 0x04, 0x0407);            /* I/O, memory, master, INTx off */
    put16(w + PM_CAP + EMU_PM_CTRL, EMU_PM_STATE_MASK);
    w[0x0c] = w[0x0d] = w[0x3c] = 0xff;
    put32(w + 0x10, (uint32_t)~(EMU_BAR0_SIZE - 1) & ~0xfu);
    put32(w + 0x14, 0xffffffff);
    put16(w + PCIE_CAP + 0x08, 0xffff); /* device control */
    put16(w + PCIE_CAP + 0x10, 0xffff); /* link control */
    put16(w + PCIE_CAP + 0x28, 0xffff); /* device control 2 */

    if (gpu->blackwell) {
        /* DVSEC: vendor NVIDIA, id 3, MIG with cached resmem supported */
        put32(c + DVSEC_CAP, 0x23 | 1u << 16);
        put32(c + DVSEC_CAP + 4, PCI_VENDOR_ID_NVIDIA | 0xcu << 20);
        put16(c + DVSEC_CAP + 8, GPU_CAP_DVSEC_REGISTER);
        put16(c + DVSEC_CAP + DVSEC_BITMAP_OFFSET,
              MIG_SUPPORTED_WITH_CACHED_RESMEM);
    }
}

static uint64_t pow2_roundup(uint64_t v)
{
    uint64_t p = 1;

    while (p < v) {
        p <<= 1;
    }
    return p;
}

/* The fake BARs' sizes, as nvgrace_gpu_init_nvdev_struct() computes them. */
static int gpu_init_upstream_bars(struct emu_gpu *gpu, char *err,
                                  size_t errlen)
{
    bool mig_hw_bug = !gpu->blackwell;
    uint64_t resmem = mig_hw_bug ? RESMEM_SIZE : 0;

    if (gpu->mem_size <= resmem) {
        snprintf(err, errlen, "%s: mem=%" PRIu64 " leaves no usemem", gpu->host,
                 gpu->mem_size);
        return -1;
    }
    gpu->usemem_len = gpu->mem_size - resmem;
    gpu->usemem_bar = pow2_roundup(gpu->usemem_len);
    if (!mig_hw_bug) {
        return 0;
    }
    gpu->usemem_len &= ~(MEMBLK_SIZE - 1);
    if (!gpu->usemem_len) {
        snprintf(err, errlen, "%s: usemem is 0 after rounding down to 512M",
                 gpu->host);
        return -1;
    }
    gpu->resmem_len = gpu->mem_size - gpu->usemem_len;
    gpu->resmem_bar = pow2_roundup(gpu->resmem_len);
    return 0;
}

/*
 * A reset retrains the GPU: BAR0 reads not ready for train_ms, and
 * nvgrace-gpu's first access to the memory after the reset polls it
 * (nvgrace_gpu_wait_device_ready_legacy(), up to 30 s).  The model zaps
 * the user's mappings of the memory at the reset (PROT_NONE) and holds a
 * touch in its SIGSEGV handler until the training ends, as the kernel's
 * fault handler holds it.  One thread ends the trainings; resets come
 * with the interposer's lock held, so they neither create threads nor
 * make interposed calls.
 */
static pthread_mutex_t training_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t training_cond;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* BAR0's C2C link and HBM training registers: 0xFF is ready. */
static int gpu_set_ready(struct emu_gpu *gpu, bool ready)
{
    uint8_t v = ready ? 0xff : 0;

    if (real_pwrite(gpu->bar0_fd, &v, 1, EMU_BAR0_C2C_READY) != 1 ||
        real_pwrite(gpu->bar0_fd, &v, 1, EMU_BAR0_HBM_READY) != 1) {
        return -1;
    }
    return 0;
}

bool emu_gpu_training(const struct emu_gpu *gpu)
{
    return __atomic_load_n(&gpu->trained_at, __ATOMIC_ACQUIRE) != 0;
}

/* mprotect() every live mapping of the GPU memory (not interposed). */
static void gpu_protect_memory(struct emu_gpu *gpu, bool zap)
{
    unsigned i;

    for (i = 0; i < EMU_MAX_MMAPS; i++) {
        struct emu_mmap *m = &gpu->coherent_mmaps[i];

        if (m->len) {
            syscall(SYS_mprotect, m->addr, m->len,
                    zap ? PROT_NONE : m->prot);
        }
    }
}

static struct sigaction gpu_prev_segv;

/*
 * A touch of a zapped mapping: wait for the training to end, then retry
 * it.  Any other fault goes where it would have gone without the model.
 */
static void gpu_segv(int sig, siginfo_t *info, void *ctx)
{
    static __thread uintptr_t last_retry;
    uintptr_t addr = (uintptr_t)info->si_addr;
    unsigned g, i;

    for (g = 0; info->si_code == SEGV_ACCERR && g < emu.nr_gpus; g++) {
        struct emu_gpu *gpu = &emu.gpus[g];

        for (i = 0; i < EMU_MAX_MMAPS; i++) {
            struct emu_mmap *m = &gpu->coherent_mmaps[i];
            uintptr_t a = (uintptr_t)m->addr;

            if (!m->len || addr < a || addr - a >= m->len) {
                continue;
            }
            if (!emu_gpu_training(gpu) && last_retry == addr) {
                break;      /* not a training: the same fault again */
            }
            while (emu_gpu_training(gpu)) {
                struct timespec ms = { 0, 1000000 };

                nanosleep(&ms, NULL);
            }
            /* Map it, as the kernel's fault handler would. */
            syscall(SYS_mprotect, m->addr, m->len, m->prot);
            last_retry = addr;
            return;
        }
    }
    last_retry = 0;
    if (gpu_prev_segv.sa_flags & SA_SIGINFO) {
        gpu_prev_segv.sa_sigaction(sig, info, ctx);
    } else if (gpu_prev_segv.sa_handler != SIG_DFL &&
               gpu_prev_segv.sa_handler != SIG_IGN) {
        gpu_prev_segv.sa_handler(sig);
    } else {
        /* Returning faults again, now with the default action. */
        signal(SIGSEGV, SIG_DFL);
    }
}

static void *gpu_trainer(void *unused)
{
    pthread_mutex_lock(&training_lock);
    for (;;) {
        uint64_t now = now_ns(), next = UINT64_MAX;
        struct timespec ts;
        unsigned i;

        for (i = 0; i < emu.nr_gpus; i++) {
            struct emu_gpu *gpu = &emu.gpus[i];

            if (gpu->trained_at && gpu->trained_at <= now) {
                gpu_set_ready(gpu, true);
                gpu_protect_memory(gpu, false);
                __atomic_store_n(&gpu->trained_at, 0, __ATOMIC_RELEASE);
            } else if (gpu->trained_at && gpu->trained_at < next) {
                next = gpu->trained_at;
            }
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&training_cond, &training_lock);
            continue;
        }
        ts.tv_sec = next / 1000000000ULL;
        ts.tv_nsec = next % 1000000000ULL;
        pthread_cond_timedwait(&training_cond, &training_lock, &ts);
    }
    return unused;
}

/* At set-up, if a GPU trains. */
static int gpu_start_trainer(char *err, size_t errlen)
{
    struct sigaction sa = {
        .sa_sigaction = gpu_segv,
        .sa_flags = SA_SIGINFO,
    };
    pthread_condattr_t attr;
    pthread_t thread;
    int ret;

    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &gpu_prev_segv) < 0) {
        snprintf(err, errlen, "train=: cannot handle SIGSEGV: %s",
                 strerror(errno));
        return -1;
    }

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&training_cond, &attr);
    pthread_condattr_destroy(&attr);
    ret = pthread_create(&thread, NULL, gpu_trainer, NULL);
    if (ret) {
        snprintf(err, errlen, "train=: cannot start a thread: %s",
                 strerror(ret));
        return -1;
    }
    pthread_detach(thread);
    return 0;
}

static void gpu_start_training(struct emu_gpu *gpu)
{
    if (!gpu->train_ms) {
        return;
    }
    pthread_mutex_lock(&training_lock);
    gpu_set_ready(gpu, false);
    __atomic_store_n(&gpu->trained_at,
                     now_ns() + gpu->train_ms * 1000000ULL, __ATOMIC_RELEASE);
    gpu_protect_memory(gpu, true);
    pthread_cond_signal(&training_cond);
    pthread_mutex_unlock(&training_lock);
}

static int gpu_open_backing(struct emu_gpu *gpu, const char *path,
                            char *err, size_t errlen)
{
    struct stat st;

    if (path) {
        gpu->mem_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    } else {
        gpu->mem_fd = memfd_create("nvgrace-host-coherent-mem", MFD_CLOEXEC);
    }
    if (gpu->mem_fd < 0 || fstat(gpu->mem_fd, &st) < 0) {
        snprintf(err, errlen, "%s: cannot open backing '%s': %s", gpu->host,
                 path ? path : "(memfd)", strerror(errno));
        return -1;
    }
    /* Sparse: extending the file allocates nothing. */
    if ((uint64_t)st.st_size < gpu->mem_size &&
        ftruncate(gpu->mem_fd, gpu->mem_size) < 0) {
        snprintf(err, errlen, "%s: cannot size backing to %" PRIu64 ": %s",
                 gpu->host, gpu->mem_size, strerror(errno));
        return -1;
    }

    /* Mapped over usemem while decode is off: every access is SIGBUS. */
    gpu->decode_off_fd = memfd_create("nvgrace-host-decode-off", MFD_CLOEXEC);
    if (gpu->decode_off_fd < 0) {
        snprintf(err, errlen, "%s: cannot create a memfd: %s", gpu->host,
                 strerror(errno));
        return -1;
    }
    gpu->bar0_fd = memfd_create("nvgrace-host-bar0", MFD_CLOEXEC);
    if (gpu->bar0_fd < 0 || ftruncate(gpu->bar0_fd, EMU_BAR0_SIZE) < 0) {
        snprintf(err, errlen, "%s: cannot create BAR0: %s", gpu->host,
                 strerror(errno));
        return -1;
    }
    if (gpu->bar1_size) {
        gpu->bar1_fd = memfd_create("nvgrace-host-bar1", MFD_CLOEXEC);
        if (gpu->bar1_fd < 0 || ftruncate(gpu->bar1_fd, gpu->bar1_size) < 0) {
            snprintf(err, errlen, "%s: cannot create BAR1: %s", gpu->host,
                     strerror(errno));
            return -1;
        }
    }
    /*
     * nvgrace-gpu waits, at probe and after every reset, until the C2C link
     * and HBM training registers read 0xFF (ready); without them a nested
     * host's driver gives up after 30 s.
     */
    if (gpu_set_ready(gpu, true)) {
        snprintf(err, errlen, "%s: cannot write BAR0: %s", gpu->host,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* In the order of enum emu_fault. */
static const char *const fault_names[] = {
    "none", "group-status", "group-not-viable", "set-iommu", "device-fd",
    "device-info", "irq-info", "config-read", "region-info", "argsz-grow",
    "cap-loop", "cap-oob", "cap-truncated", "region-size-zero",
    "region-unaligned", "region-no-mmap", "region-sparse", "mmap",
    "dma-map-memory",
    "dma-map", "reset",
};

static bool parse_fault(struct emu_gpu *gpu, const char *val, char *err,
                        size_t errlen)
{
    size_t n = sizeof(fault_names) / sizeof(fault_names[0]);
    unsigned f;
    int len;

    for (f = 0; f < n; f++) {
        if (!strcmp(val, fault_names[f])) {
            gpu->fault = f;
            return true;
        }
    }
    len = snprintf(err, errlen, "fault=%s: expected one of", val);
    for (f = 0; f < n && len > 0 && (size_t)len < errlen; f++) {
        len += snprintf(err + len, errlen - len, " %s", fault_names[f]);
    }
    return false;
}

static int parse_gpu(char *spec, char *err, size_t errlen)
{
    struct emu_gpu *gpu;
    char *tok, *save = NULL;
    const char *backing = NULL;
    bool bar_only = false;
    unsigned i;

    if (emu.nr_gpus == EMU_MAX_GPUS) {
        snprintf(err, errlen, "more than %d GPUs", EMU_MAX_GPUS);
        return -1;
    }
    gpu = &emu.gpus[emu.nr_gpus];
    memset(gpu, 0, sizeof(*gpu));
    gpu->index = emu.nr_gpus;
    gpu->group = DEFAULT_GROUP_BASE + emu.nr_gpus;
    gpu->device_id = models[0].device_id;
    gpu->mem_size = 1ULL << 30;
    gpu->coherent_region = true;
    gpu->mem_fd = gpu->bar0_fd = gpu->bar1_fd = gpu->decode_off_fd = -1;

    for (tok = strtok_r(spec, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *val = strchr(tok, '=');

        if (!val) {
            snprintf(err, errlen, "'%s': expected key=value", tok);
            return -1;
        }
        *val++ = '\0';
        if (!strcmp(tok, "host")) {
            if (parse_host(val, gpu->host, sizeof(gpu->host))) {
                snprintf(err, errlen, "host=%s: expected DDDD:BB:DD.F", val);
                return -1;
            }
        } else if (!strcmp(tok, "model")) {
            if (!parse_model(val, false, gpu)) {
                snprintf(err, errlen, "model=%s: expected gh200, gb200 or "
                         "gb300", val);
                return -1;
            }
        } else if (!strcmp(tok, "device-id")) {
            if (!parse_model(val, true, gpu)) {
                snprintf(err, errlen, "device-id=%s: expected a PCI "
                         "device id such as 0x2342", val);
                return -1;
            }
        } else if (!strcmp(tok, "mem")) {
            if (parse_size(val, &gpu->mem_size) || !gpu->mem_size) {
                snprintf(err, errlen, "mem=%s: expected a size such as 96G",
                         val);
                return -1;
            }
        } else if (!strcmp(tok, "coherent")) {
            if (strcmp(val, "on") && strcmp(val, "off")) {
                snprintf(err, errlen, "coherent=%s: expected on or off", val);
                return -1;
            }
            gpu->coherent_region = !strcmp(val, "on");
        } else if (!strcmp(tok, "abi")) {
            if (strcmp(val, "region") && strcmp(val, "bar") &&
                strcmp(val, "both")) {
                snprintf(err, errlen, "abi=%s: expected region, bar or both",
                         val);
                return -1;
            }
            gpu->upstream_bar = strcmp(val, "region");
            bar_only = !strcmp(val, "bar");
        } else if (!strcmp(tok, "bar-fault")) {
            static const char *const faults[] = {
                "none", "no-sparse", "two-areas", "zero", "unaligned",
                "no-mmap",
            };
            unsigned f;

            for (f = 0; f < sizeof(faults) / sizeof(faults[0]); f++) {
                if (!strcmp(val, faults[f])) {
                    break;
                }
            }
            if (f == sizeof(faults) / sizeof(faults[0])) {
                snprintf(err, errlen, "bar-fault=%s: expected none, "
                         "no-sparse, two-areas, zero, unaligned or no-mmap",
                         val);
                return -1;
            }
            gpu->bar_fault = f;
        } else if (!strcmp(tok, "fault")) {
            if (!parse_fault(gpu, val, err, errlen)) {
                return -1;
            }
        } else if (!strcmp(tok, "backing")) {
            backing = val;
        } else if (!strcmp(tok, "train")) {
            char *end;
            unsigned long ms = strtoul(val, &end, 10);

            /* nvgrace-gpu gives up after 30 s; allow testing that too. */
            if (end == val || *end || ms > 60000) {
                snprintf(err, errlen, "train=%s: expected milliseconds, "
                         "at most 60000", val);
                return -1;
            }
            gpu->train_ms = ms;
        } else if (!strcmp(tok, "bar1")) {
            if (parse_size(val, &gpu->bar1_size) || gpu->bar1_size < 4096 ||
                (gpu->bar1_size & (gpu->bar1_size - 1))) {
                snprintf(err, errlen, "bar1=%s: expected a power of two of "
                         "at least 4K", val);
                return -1;
            }
        } else if (!strcmp(tok, "phys-bars")) {
            if (strcmp(val, "on") && strcmp(val, "off")) {
                snprintf(err, errlen, "phys-bars=%s: expected on or off",
                         val);
                return -1;
            }
            gpu->phys_bars = !strcmp(val, "on");
        } else if (!strcmp(tok, "group")) {
            char *end;

            gpu->group = strtol(val, &end, 10);
            if (*end || gpu->group < 0) {
                snprintf(err, errlen, "group=%s: expected a number", val);
                return -1;
            }
        } else {
            snprintf(err, errlen, "unknown key '%s' (host, model, "
                     "device-id, mem, abi, bar-fault, fault, coherent, "
                     "backing, group, train, phys-bars, bar1)", tok);
            return -1;
        }
    }

    if (!gpu->host[0]) {
        snprintf(err, errlen, "a GPU needs host=DDDD:BB:DD.F");
        return -1;
    }
    for (i = 0; i < emu.nr_gpus; i++) {
        if (!strcmp(emu.gpus[i].host, gpu->host) ||
            emu.gpus[i].group == gpu->group) {
            snprintf(err, errlen, "%s: address or IOMMU group used twice",
                     gpu->host);
            return -1;
        }
    }
    if (gpu->bar1_size && !gpu->blackwell) {
        snprintf(err, errlen, "%s: bar1= is for Blackwell (gb200, gb300): "
                 "on GH200, BAR2 is resmem", gpu->host);
        return -1;
    }
    strcpy(gpu->sysfs, "/sys/bus/pci/devices/");
    strcat(gpu->sysfs, gpu->host);
    gpu_init_config(gpu);
    if (bar_only) {
        /* The upstream driver has no device-specific region. */
        gpu->coherent_region = false;
    }
    if (gpu->upstream_bar && gpu_init_upstream_bars(gpu, err, errlen)) {
        return -1;
    }
    if (gpu_open_backing(gpu, backing, err, errlen)) {
        return -1;
    }
    emu.nr_gpus++;
    return 0;
}

/* NVGRACE_HOST="host=0009:01:00.0,mem=96G;host=0019:01:00.0,model=gb200" */
int emu_config_parse(const char *spec, char *err, size_t errlen)
{
    char *copy = strdup(spec), *gpu, *save = NULL;
    unsigned i;
    int ret = 0;

    for (gpu = strtok_r(copy, ";", &save); gpu && !ret;
         gpu = strtok_r(NULL, ";", &save)) {
        ret = parse_gpu(gpu, err, errlen);
    }
    free(copy);
    if (!ret && !emu.nr_gpus) {
        snprintf(err, errlen, "no GPU configured");
        ret = -1;
    }
    for (i = 0; !ret && i < emu.nr_gpus; i++) {
        if (emu.gpus[i].train_ms) {
            ret = gpu_start_trainer(err, errlen);
            break;
        }
    }
    return ret;
}

/* Match "/sys/bus/pci/devices/<host>" and return what follows it. */
struct emu_gpu *emu_gpu_by_sysfs(const char *path, const char **rest)
{
    unsigned i;

    for (i = 0; i < emu.nr_gpus; i++) {
        size_t n = strlen(emu.gpus[i].sysfs);

        if (!strncmp(path, emu.gpus[i].sysfs, n) &&
            (path[n] == '\0' || path[n] == '/')) {
            *rest = path + n;
            return &emu.gpus[i];
        }
    }
    return NULL;
}

struct emu_gpu *emu_gpu_by_group(int group)
{
    unsigned i;

    for (i = 0; i < emu.nr_gpus; i++) {
        if (emu.gpus[i].group == group) {
            return &emu.gpus[i];
        }
    }
    return NULL;
}

/* The name given to VFIO_GROUP_GET_DEVICE_FD, possibly with " vf_token=". */
struct emu_gpu *emu_gpu_by_name(const char *name)
{
    unsigned i;

    for (i = 0; i < emu.nr_gpus; i++) {
        size_t n = strlen(emu.gpus[i].host);

        if (!strncmp(name, emu.gpus[i].host, n) &&
            (name[n] == '\0' || name[n] == ' ')) {
            return &emu.gpus[i];
        }
    }
    return NULL;
}

/*
 * vfio-pci-core keeps its virtual config across VFIO_DEVICE_RESET, so the
 * COMMAND register reads back as the user last wrote it (seen on the
 * nested Linux 7.3 host); nvgrace-gpu clears its fake BARs.
 */
void emu_gpu_reset(struct emu_gpu *gpu)
{
    memset(gpu->bar_val, 0, sizeof(gpu->bar_val));
    gpu->resets++;
    emu_dma_revoke(gpu, true);
    gpu_start_training(gpu);
}

uint64_t emu_region_size(const struct emu_gpu *gpu, unsigned index)
{
    switch (index) {
    case EMU_REGION_BAR0:
        return EMU_BAR0_SIZE;
    case EMU_REGION_CONFIG:
        return EMU_CONFIG_SIZE;
    case EMU_REGION_COHERENT:
        if (!gpu->coherent_region) {
            return 0;
        }
        /* kernel/'s series: usemem's exact size, resmem stays BAR2 only */
        return gpu->upstream_bar ? gpu->usemem_len : gpu->mem_size;
    case EMU_REGION_BAR2:
        return gpu->resmem_bar ? gpu->resmem_bar : gpu->bar1_size;
    case EMU_REGION_BAR4:
        return gpu->usemem_bar;
    default:
        return 0;
    }
}

/* The bytes of a memory region that exist (the sparse-mmap area). */
uint64_t emu_region_real_size(const struct emu_gpu *gpu, unsigned index)
{
    switch (index) {
    case EMU_REGION_BAR2:
        return gpu->resmem_len ? gpu->resmem_len : gpu->bar1_size;
    case EMU_REGION_BAR4:
        return gpu->usemem_len;
    default:
        return emu_region_size(gpu, index);
    }
}

/*
 * Where a region starts in its backing: resmem follows usemem in the GPU
 * memory; BAR1 has a file of its own.
 */
uint64_t emu_region_backing_offset(const struct emu_gpu *gpu, unsigned index)
{
    return index == EMU_REGION_BAR2 && gpu->resmem_len ? gpu->usemem_len : 0;
}

/* Which fake BAR register (0: BAR2/3, 1: BAR4/5) holds config byte @off. */
static int fake_bar_at(const struct emu_gpu *gpu, uint64_t off,
                       uint64_t *size)
{
    /* resmem, or Blackwell's real BAR1, which vfio-pci-core virtualizes */
    if (off >= PCI_BASE_ADDRESS_2 && off < PCI_BASE_ADDRESS_2 + 8 &&
        emu_region_size(gpu, EMU_REGION_BAR2)) {
        *size = emu_region_size(gpu, EMU_REGION_BAR2);
        return 0;
    }
    if (off >= PCI_BASE_ADDRESS_4 && off < PCI_BASE_ADDRESS_4 + 8 &&
        gpu->usemem_bar) {
        *size = gpu->usemem_bar;
        return 1;
    }
    return -1;
}

/* As nvgrace_gpu_read_config_emu(): the size mask and 64-bit prefetchable. */
static uint8_t fake_bar_read(const struct emu_gpu *gpu, uint64_t off)
{
    uint64_t size, v;
    int bar = fake_bar_at(gpu, off, &size);

    v = (gpu->bar_val[bar] & ~(size - 1)) | PCI_BAR_MEM_64_PREFETCH;
    return v >> (8 * ((off - PCI_BASE_ADDRESS_2) % 8));
}

/* A host without the coherent-memory region is a plain vfio-pci GPU. */
unsigned emu_num_regions(const struct emu_gpu *gpu)
{
    return gpu->coherent_region ? EMU_REGION_COHERENT + 1 : EMU_REGION_COHERENT;
}

/* vfio-pci-core's BARs are off: memory decode clear, or the GPU in D3hot. */
bool emu_gpu_bars_off(const struct emu_gpu *gpu)
{
    return !(gpu->config[0x04] & EMU_COMMAND_MEMORY) ||
           (gpu->config[PM_CAP + EMU_PM_CTRL] & EMU_PM_STATE_MASK) ==
           EMU_PM_D3HOT;
}

/* Whether region @index maps usemem: BAR4, or the coherent-memory region. */
bool emu_region_is_usemem(const struct emu_gpu *gpu, unsigned index)
{
    return (index == EMU_REGION_BAR4 && gpu->usemem_bar) ||
           (index == EMU_REGION_COHERENT && gpu->coherent_region);
}

/*
 * Linux 6.19+ maps nvgrace-gpu's usemem (the fake BAR4) on fault, and only
 * while the virtual COMMAND.MEMORY is set and the GPU is not in D3hot;
 * either change zaps the mapping.  The device-specific region is not gated
 * by them.  Both are while the user's low power is engaged.
 */
bool emu_region_gated(const struct emu_gpu *gpu, unsigned index)
{
    return gpu->low_power ||
           (index == EMU_REGION_BAR4 && emu_gpu_bars_off(gpu));
}

/* The region that holds the GPU memory QEMU maps unless told otherwise. */
unsigned emu_memory_region(const struct emu_gpu *gpu)
{
    return gpu->coherent_region ? EMU_REGION_COHERENT : EMU_REGION_BAR4;
}

int emu_config_read(struct emu_gpu *gpu, void *buf, size_t len, uint64_t off)
{
    uint64_t size;
    size_t i;

    if (off >= EMU_CONFIG_SIZE || len > EMU_CONFIG_SIZE - off) {
        return -EINVAL;
    }
    memcpy(buf, gpu->config + off, len);
    for (i = 0; i < len; i++) {
        if (fake_bar_at(gpu, off + i, &size) >= 0) {
            ((uint8_t *)buf)[i] = fake_bar_read(gpu, off + i);
        }
    }
    return len;
}

int emu_config_write(struct emu_gpu *gpu, const void *buf, size_t len,
                     uint64_t off)
{
    const uint8_t *b = buf;
    size_t i;

    if (off >= EMU_CONFIG_SIZE || len > EMU_CONFIG_SIZE - off) {
        return -EINVAL;
    }
    for (i = 0; i < len; i++) {
        uint8_t m = gpu->config_wmask[off + i];
        uint64_t size;
        int bar = fake_bar_at(gpu, off + i, &size);

        if (bar >= 0) {
            /* Stored as written; reads apply the size mask. */
            unsigned shift = 8 * ((off + i - PCI_BASE_ADDRESS_2) % 8);

            gpu->bar_val[bar] &= ~(0xffULL << shift);
            gpu->bar_val[bar] |= (uint64_t)b[i] << shift;
            continue;
        }
        gpu->config[off + i] = (gpu->config[off + i] & ~m) | (b[i] & m);
    }

    /*
     * A function reset written to config space: vfio-pci-core resets the
     * GPU as for VFIO_DEVICE_RESET, from D0 (pci_dev_save_and_disable()),
     * so the user reads D0 after it (seen on the nested Linux 7.3 host).
     * The bit reads as 0.
     */
    if (gpu->config[PCIE_CAP + EXP_DEVCTL + 1] & (EXP_DEVCTL_BCR_FLR >> 8)) {
        gpu->config[PCIE_CAP + EXP_DEVCTL + 1] &= ~(EXP_DEVCTL_BCR_FLR >> 8);
        gpu->config[PM_CAP + EMU_PM_CTRL] &= ~EMU_PM_STATE_MASK;
        emu_gpu_reset(gpu);
    }
    return len;
}
