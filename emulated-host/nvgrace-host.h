/*
 * Emulated GH200/GB200 host: a user-space model of the host kernel's VFIO
 * interface for NVIDIA Grace GPUs, loaded into QEMU with LD_PRELOAD.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NVGRACE_HOST_H
#define NVGRACE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EMU_MAX_GPUS        16
#define EMU_MAX_FD          65536
#define EMU_MAX_MMAPS       64
#define EMU_MAX_IOVAS       8
#define EMU_PAGE_SIZE       4096ULL
#define EMU_IOVA_BITS       48      /* the emulated IOMMU's address width */

/* Region layout of the device fd, as in Linux vfio-pci. */
#define EMU_REGION_SHIFT    40
#define EMU_REGION_OFFSET(index) ((uint64_t)(index) << EMU_REGION_SHIFT)
#define EMU_REGION_INDEX(off)    ((unsigned)((uint64_t)(off) >> EMU_REGION_SHIFT))
#define EMU_REGION_MASK     ((1ULL << EMU_REGION_SHIFT) - 1)

/* VFIO_PCI_NUM_REGIONS (BAR0-5, ROM, CONFIG, VGA), then the coherent memory. */
#define EMU_REGION_BAR0         0
#define EMU_REGION_BAR2         2   /* abi=bar|both: resmem (GH200) */
#define EMU_REGION_BAR4         4   /* abi=bar|both: usemem */
#define EMU_REGION_BAR5         5
#define EMU_REGION_CONFIG       7
#define EMU_REGION_COHERENT     9
#define EMU_NUM_IRQS            5

#define EMU_CONFIG_SIZE     4096
#define EMU_BAR0_SIZE       (16ULL << 20)
/* BAR0 registers nvgrace-gpu polls for 0xFF: C2C link up, HBM trained */
#define EMU_BAR0_C2C_READY  0x1498
#define EMU_BAR0_HBM_READY  0x200bc

/* PCI_COMMAND's memory decode bit; the power state in PM control */
#define EMU_COMMAND_MEMORY  0x2
#define EMU_PM_CTRL         0x4
#define EMU_PM_STATE_MASK   0x3
#define EMU_PM_D3HOT        0x3

/* A mapping of usemem, through BAR4 or through the coherent-memory region. */
struct emu_mmap {
    void *addr;
    size_t len;
    int prot;
    off_t off;              /* in the backing file */
    unsigned region;
    bool gated;             /* mapped to decode_off_fd: touches are SIGBUS */
};

/* One emulated GPU, as configured by NVGRACE_HOST. */
struct emu_gpu {
    unsigned index;
    char host[16];          /* "DDDD:BB:DD.F", the sysfs name */
    char sysfs[64];         /* /sys/bus/pci/devices/<host> */
    int group;              /* IOMMU group number */
    uint16_t device_id;
    bool blackwell;         /* no MIG hardware bug: no resmem, DVSEC */
    bool coherent_region;   /* expose the coherent-memory region */
    uint64_t mem_size;      /* coherent memory size */
    /*
     * abi=bar: the memory as Linux's nvgrace-gpu driver shows it, as fake
     * BARs: usemem in BAR4 and, on GH200, resmem in BAR2, carved from the
     * end of the memory.  Each region is a power of two; the real size is
     * the one sparse-mmap area.  bar_val holds what the guest wrote to the
     * BAR registers.  abi=both: the same BARs, and usemem again as the
     * coherent-memory region, as kernel/'s series offers them.
     */
    bool upstream_bar;
    uint64_t usemem_len, usemem_bar;
    uint64_t resmem_len, resmem_bar;
    uint64_t bar_val[2];    /* BAR2/3, BAR4/5 */
    /*
     * bar1=SIZE, Blackwell only: the GPU's real BAR1 (NVIDIA's name; PCI
     * BAR2/3), which has no resmem there and which Linux 6.14+ passes
     * through as region 2.  Its size on GB200 is not known here: the
     * model has none unless given one.
     */
    uint64_t bar1_size;
    int bar1_fd;
    /* bar-fault=: a malformed BAR4, for QEMU's error paths */
    enum {
        EMU_BAR_OK,
        EMU_BAR_NO_SPARSE,      /* no sparse-mmap capability */
        EMU_BAR_TWO_AREAS,      /* two sparse-mmap areas */
        EMU_BAR_ZERO,           /* an area of size 0 */
        EMU_BAR_UNALIGNED,      /* an area that is not a page multiple */
        EMU_BAR_NO_MMAP,        /* no VFIO_REGION_INFO_FLAG_MMAP */
    } bar_fault;
    /*
     * fault=: a host fault, for QEMU's error paths.  "The memory's region"
     * is the coherent-memory region, or BAR4 without one.
     */
    enum emu_fault {
        EMU_FAULT_NONE,
        EMU_FAULT_GROUP_STATUS,     /* VFIO_GROUP_GET_STATUS fails */
        EMU_FAULT_GROUP_NOT_VIABLE, /* the group is not viable */
        EMU_FAULT_SET_IOMMU,        /* VFIO_SET_IOMMU fails */
        EMU_FAULT_DEVICE_FD,        /* VFIO_GROUP_GET_DEVICE_FD fails */
        EMU_FAULT_DEVICE_INFO,      /* VFIO_DEVICE_GET_INFO fails */
        EMU_FAULT_IRQ_INFO,         /* VFIO_DEVICE_GET_IRQ_INFO fails */
        EMU_FAULT_CONFIG_READ,      /* reading config space fails */
        EMU_FAULT_REGION_INFO,      /* region info of the memory fails */
        EMU_FAULT_ARGSZ_GROW,       /* ... asks for more room each time */
        EMU_FAULT_CAP_LOOP,         /* ... its cap chain loops */
        EMU_FAULT_CAP_OOB,          /* ... points past the info */
        EMU_FAULT_CAP_TRUNCATED,    /* ... ends inside the capability */
        EMU_FAULT_REGION_SIZE_ZERO, /* the memory's region has size 0 */
        EMU_FAULT_REGION_UNALIGNED, /* ... is not a page multiple */
        EMU_FAULT_REGION_NO_MMAP,   /* ... cannot be mmapped */
        EMU_FAULT_REGION_SPARSE,    /* ... only in part, around a hole */
        EMU_FAULT_MMAP,             /* ... mmap fails */
        EMU_FAULT_DMA_MAP_MEMORY,   /* DMA maps of the memory fail */
        EMU_FAULT_DMA_MAP,          /* every DMA map fails */
        EMU_FAULT_RESET,            /* VFIO_DEVICE_RESET fails */
    } fault;
    /*
     * train=: how long BAR0's readiness registers read not ready after a
     * reset, as while a GPU retrains its C2C link and HBM.
     */
    unsigned train_ms;
    uint64_t trained_at;    /* CLOCK_MONOTONIC ns; 0: not training */
    int mem_fd;             /* sparse backing of the coherent memory */
    int bar0_fd;            /* backing of the register BAR */
    int decode_off_fd;      /* empty: mapped over usemem while gated */
    bool group_open;
    bool device_open;
    /* VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY until LOW_POWER_EXIT */
    bool low_power;
    /*
     * phys-bars=on: the GPU has physical BARs behind nvgrace-gpu's fake
     * BAR2 and BAR4, so vfio-pci-core can claim them and export them as
     * dma-bufs.  Off, as on the GPU a nested host sees (ENODEV).
     */
    bool phys_bars;

    uint8_t config[EMU_CONFIG_SIZE];
    uint8_t config_wmask[EMU_CONFIG_SIZE];

    struct emu_mmap coherent_mmaps[EMU_MAX_MMAPS];

    /* Counters, see emu_stats_write(). */
    unsigned long resets;
    unsigned long coherent_dma_maps;
    unsigned long live_coherent_dma_maps;
    uint64_t live_coherent_dma_bytes;
    uint64_t coherent_dma_iova;     /* of the memory's offset 0, last map */
    /* The first IOVAs at which maps put the memory's offset 0, and how many */
    struct {
        uint64_t iova;
        unsigned long maps;
    } coherent_dma_at[EMU_MAX_IOVAS];
};

struct emu_dma {
    uint64_t iova;
    uint64_t size;
    uint64_t vaddr;
    struct emu_gpu *coherent;   /* whose coherent memory it maps, if any */
    /* Mapped from a dma-buf of this GPU's region: revoked with it. */
    struct emu_gpu *exporter;
    unsigned region;
    bool revoked;               /* unmapped from the IOMMU, IOVA still used */
};

/* A type1 container, or an iommufd IOAS. */
struct emu_container {
    int refs;               /* the container fd and each attached group */
    uint32_t gpus;          /* bit n: emu.gpus[n]'s group is attached */
    int iommu_type;         /* 0 until VFIO_SET_IOMMU */
    int groups;             /* attached groups, or devices of an IOAS */
    bool ioas;              /* mappings outlive the devices */
    struct emu_dma *dma;
    size_t nr_dma;
    struct emu_container *next;     /* emu.containers */
};

enum emu_file_kind {
    EMU_FILE_CONTAINER = 1,
    EMU_FILE_GROUP,
    EMU_FILE_DEVICE,
    EMU_FILE_IOMMUFD,
    EMU_FILE_DMABUF,
};

struct emu_iommufd;

struct emu_file {
    enum emu_file_kind kind;
    struct emu_gpu *gpu;                /* group, device and dma-buf */
    /* container, a group's link, a vfio cdev's attached IOAS */
    struct emu_container *container;
    /* vfio cdev (/dev/vfio/devices/vfioN): the iommufd it is bound to */
    bool cdev;
    struct emu_iommufd *ictx;
    uint32_t devid;
    uint32_t hwpt;                      /* the attached HWPT's id, or 0 */
    /* dma-buf: one range of a region */
    unsigned region;
    uint64_t offset, length;
    unsigned nr_ranges;
};

struct emu_host {
    struct emu_gpu gpus[EMU_MAX_GPUS];
    unsigned nr_gpus;
    const char *stats_path;

    unsigned long dma_map_calls;
    unsigned long dma_unmap_calls;
    unsigned long live_dma_mappings;
    unsigned long live_files;
    struct emu_container *containers;   /* every container and IOAS */
};

extern struct emu_host emu;

/* gpu.c */
int emu_config_parse(const char *spec, char *err, size_t errlen);
struct emu_gpu *emu_gpu_by_sysfs(const char *path, const char **rest);
struct emu_gpu *emu_gpu_by_group(int group);
struct emu_gpu *emu_gpu_by_name(const char *name);
void emu_gpu_reset(struct emu_gpu *gpu);
uint64_t emu_region_size(const struct emu_gpu *gpu, unsigned index);
uint64_t emu_region_real_size(const struct emu_gpu *gpu, unsigned index);
uint64_t emu_region_backing_offset(const struct emu_gpu *gpu, unsigned index);
unsigned emu_num_regions(const struct emu_gpu *gpu);
unsigned emu_memory_region(const struct emu_gpu *gpu);
bool emu_region_is_usemem(const struct emu_gpu *gpu, unsigned index);
bool emu_region_gated(const struct emu_gpu *gpu, unsigned index);
bool emu_gpu_bars_off(const struct emu_gpu *gpu);
/* Retraining after a reset: a touch of the memory waits (train=). */
bool emu_gpu_training(const struct emu_gpu *gpu);
int emu_config_read(struct emu_gpu *gpu, void *buf, size_t len, uint64_t off);
int emu_config_write(struct emu_gpu *gpu, const void *buf, size_t len,
                     uint64_t off);

/* vfio.c */
int emu_container_ioctl(struct emu_file *f, unsigned long req, void *arg);
int emu_group_ioctl(struct emu_file *f, unsigned long req, void *arg);
int emu_device_ioctl(struct emu_file *f, unsigned long req, void *arg);
struct emu_container *emu_container_new(bool ioas);
void emu_container_put(struct emu_container *c);
void emu_container_attach(struct emu_container *c, struct emu_gpu *gpu);
void emu_container_detach(struct emu_container *c, struct emu_gpu *gpu);
struct emu_gpu *emu_dma_coherent_owner(uint64_t vaddr, uint64_t size,
                                       int64_t *mem_off, bool *gated);
int emu_dma_add(struct emu_container *c, const struct emu_dma *map,
                int64_t mem_off);
int emu_dma_remove(struct emu_container *c, uint64_t start, uint64_t end,
                   uint64_t *unmapped);
bool emu_dmabuf_revoked(const struct emu_gpu *gpu, unsigned region);
void emu_dma_revoke(struct emu_gpu *gpu, bool reset);

/* iommufd.c; EMU_NOT_CDEV_IOCTL: not a request only a vfio cdev has */
#define EMU_NOT_CDEV_IOCTL  515
int emu_iommufd_new(void);
int emu_iommufd_ioctl(struct emu_file *f, unsigned long req, void *arg);
int emu_cdev_ioctl(struct emu_file *f, unsigned long req, void *arg);
void emu_cdev_release(struct emu_file *f);
void emu_iommufd_put(struct emu_iommufd *ictx);

/* interpose.c */
int emu_new_file(enum emu_file_kind kind, struct emu_gpu *gpu,
                 struct emu_container *c);
struct emu_file *emu_file_get(int fd);
void emu_stats_write(void);
int emu_update_memory_maps(struct emu_gpu *gpu);
extern ssize_t (*real_pread)(int, void *, size_t, off_t);
extern ssize_t (*real_pwrite)(int, const void *, size_t, off_t);

#endif /* NVGRACE_HOST_H */
