/*
 * Emulated GH200/GB200 host: the VFIO ioctl interface (legacy container,
 * group and device), following Linux's vfio, vfio_iommu_type1 and vfio-pci.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vfio-uapi.h"

#include "nvgrace-host.h"
#include "../include/hw/vfio/nvgrace.h"

#define PCI_VENDOR_ID_NVIDIA    0x10de
#define EMU_DMA_ENTRIES_MAX     65535

/* fault=region-sparse: the coherent-memory region's two areas. */
#define EMU_SPARSE_HOLE_AREAS   2

/* Size of the capability chain the kernel appends to a reply. */
static size_t region_caps_size(const struct emu_gpu *gpu, unsigned index)
{
    if (index == EMU_REGION_COHERENT) {
        return sizeof(struct vfio_region_info_cap_type) +
               (gpu->fault == EMU_FAULT_REGION_SPARSE ?
                sizeof(struct vfio_region_info_cap_sparse_mmap) +
                sizeof(struct vfio_region_sparse_mmap_area) *
                EMU_SPARSE_HOLE_AREAS : 0);
    }
    /* nvgrace-gpu's fake BARs; Blackwell's BAR1 is a plain BAR */
    if (gpu->upstream_bar && emu_region_real_size(gpu, index) &&
        ((index == EMU_REGION_BAR2 && gpu->resmem_len) ||
         index == EMU_REGION_BAR4)) {
        if (index == EMU_REGION_BAR4 && gpu->bar_fault == EMU_BAR_NO_SPARSE) {
            return 0;
        }
        return sizeof(struct vfio_region_info_cap_sparse_mmap) +
               sizeof(struct vfio_region_sparse_mmap_area) *
               (index == EMU_REGION_BAR4 &&
                gpu->bar_fault == EMU_BAR_TWO_AREAS ? 2 : 1);
    }
    return 0;
}

/* A region's capabilities, at @caps, which is offset @at of the reply. */
static void region_fill_caps(const struct emu_gpu *gpu, unsigned index,
                             void *caps, uint32_t at)
{
    if (index == EMU_REGION_COHERENT) {
        struct vfio_region_info_cap_type *type = caps;
        struct vfio_region_info_cap_sparse_mmap *hole = (void *)(type + 1);
        uint64_t half = emu_region_size(gpu, index) / 2;

        type->header.id = VFIO_REGION_INFO_CAP_TYPE;
        type->header.version = 1;
        type->type = VFIO_REGION_TYPE_MEM;
        type->subtype = VFIO_REGION_SUBTYPE_MEM_COHERENT;
        if (gpu->fault != EMU_FAULT_REGION_SPARSE) {
            return;
        }
        /* A page that cannot be mmapped in the middle of the memory. */
        type->header.next = at + sizeof(*type);
        hole->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
        hole->header.version = 1;
        hole->nr_areas = EMU_SPARSE_HOLE_AREAS;
        hole->areas[0].offset = 0;
        hole->areas[0].size = half;
        hole->areas[1].offset = half + EMU_PAGE_SIZE;
        hole->areas[1].size = half - EMU_PAGE_SIZE;
    } else {
        /* nvgrace-gpu: one area, the memory that exists. */
        struct vfio_region_info_cap_sparse_mmap *sparse = caps;

        sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
        sparse->header.version = 1;
        sparse->nr_areas = 1;
        sparse->areas[0].offset = 0;
        sparse->areas[0].size = emu_region_real_size(gpu, index);
        if (index != EMU_REGION_BAR4) {
            return;
        }
        switch (gpu->bar_fault) {
        case EMU_BAR_TWO_AREAS:
            sparse->nr_areas = 2;
            sparse->areas[0].size /= 2;
            sparse->areas[1].offset = sparse->areas[0].size;
            sparse->areas[1].size = sparse->areas[0].size;
            break;
        case EMU_BAR_ZERO:
            sparse->areas[0].size = 0;
            break;
        case EMU_BAR_UNALIGNED:
            sparse->areas[0].size -= EMU_PAGE_SIZE / 2;
            break;
        default:
            break;
        }
    }
}

/*
 * The reply's capability chain, or with fault=cap-* the memory region's
 * chain broken as a buggy or hostile host could break it.  Returns its
 * size; *offset is where it starts (0: nowhere QEMU may look).
 */
static size_t region_build_caps(const struct emu_gpu *gpu, unsigned index,
                                uint8_t *buf, size_t caps, uint32_t *offset)
{
    enum emu_fault fault = index == emu_memory_region(gpu) ? gpu->fault :
                           EMU_FAULT_NONE;
    struct vfio_info_cap_header *foreign = (void *)buf;

    *offset = sizeof(struct vfio_region_info);
    switch (fault) {
    case EMU_FAULT_CAP_LOOP:
        /* An unknown capability whose next is itself, then the real one. */
        foreign->id = 0xffff;
        foreign->version = 1;
        foreign->next = *offset;
        region_fill_caps(gpu, index, buf + sizeof(*foreign),
                         *offset + sizeof(*foreign));
        return sizeof(*foreign) + caps;
    case EMU_FAULT_CAP_OOB:
        *offset = 1 << 20;
        region_fill_caps(gpu, index, buf, *offset);
        return caps;
    case EMU_FAULT_CAP_TRUNCATED:
        /* argsz ends right after the capability's header. */
        region_fill_caps(gpu, index, buf, *offset);
        return sizeof(struct vfio_info_cap_header);
    default:
        region_fill_caps(gpu, index, buf, *offset);
        return caps;
    }
}

static int device_get_region_info(struct emu_gpu *gpu,
                                  struct vfio_region_info *info)
{
    unsigned index = info->index;
    bool memory = index == emu_memory_region(gpu);
    uint8_t buf[256];
    uint32_t offset;
    size_t caps;

    if (info->argsz < sizeof(*info) || index >= emu_num_regions(gpu)) {
        return -EINVAL;
    }
    if (memory && gpu->fault == EMU_FAULT_REGION_INFO) {
        return -EIO;
    }
    info->offset = EMU_REGION_OFFSET(index);
    info->size = emu_region_size(gpu, index);
    info->cap_offset = 0;
    info->flags = 0;
    if (info->size) {
        info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
        if (index != EMU_REGION_CONFIG &&
            !(index == EMU_REGION_BAR4 && gpu->bar_fault == EMU_BAR_NO_MMAP) &&
            !(memory && gpu->fault == EMU_FAULT_REGION_NO_MMAP)) {
            info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
        }
    }
    if (memory && gpu->fault == EMU_FAULT_REGION_SIZE_ZERO) {
        info->size = 0;
    } else if (memory && gpu->fault == EMU_FAULT_REGION_UNALIGNED) {
        info->size -= EMU_PAGE_SIZE / 2;
    }

    caps = region_caps_size(gpu, index);
    if (caps) {
        info->flags |= VFIO_REGION_INFO_FLAG_CAPS;
        memset(buf, 0, sizeof(buf));
        caps = region_build_caps(gpu, index, buf, caps, &offset);
        if (memory && gpu->fault == EMU_FAULT_ARGSZ_GROW) {
            /* Never enough room, whatever QEMU offers. */
            info->argsz += 8;
        } else if (info->argsz < sizeof(*info) + caps) {
            /* As the kernel does: say how much room the caps need. */
            info->argsz = sizeof(*info) + caps;
        } else {
            memcpy(info + 1, buf, caps);
            info->cap_offset = offset;
        }
    }
    return 0;
}

static int device_get_irq_info(struct emu_gpu *gpu, struct vfio_irq_info *info)
{
    if (gpu->fault == EMU_FAULT_IRQ_INFO) {
        return -EIO;
    }
    if (info->argsz < sizeof(*info) || info->index >= EMU_NUM_IRQS) {
        return -EINVAL;
    }
    info->flags = VFIO_IRQ_INFO_EVENTFD;
    switch (info->index) {
    case VFIO_PCI_INTX_IRQ_INDEX:
        info->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
        info->count = 1;
        break;
    case VFIO_PCI_ERR_IRQ_INDEX:
    case VFIO_PCI_REQ_IRQ_INDEX:
        info->count = 1;
        break;
    default:
        info->count = 0;    /* no MSI or MSI-X capability */
        break;
    }
    return 0;
}

static int device_set_irqs(struct vfio_irq_set *set)
{
    unsigned max = set->index == VFIO_PCI_INTX_IRQ_INDEX ||
                   set->index == VFIO_PCI_ERR_IRQ_INDEX ||
                   set->index == VFIO_PCI_REQ_IRQ_INDEX ? 1 : 0;

    if (set->argsz < sizeof(*set) || set->index >= EMU_NUM_IRQS ||
        (set->count && set->start + set->count > max)) {
        return -EINVAL;
    }
    /* Interrupts are never raised: the eventfds are accepted and unused. */
    return 0;
}

/*
 * VFIO_DEVICE_FEATURE_DMA_BUF: a dma-buf of ranges of a region, as
 * vfio_pci_core_feature_dma_buf() and nvgrace-gpu's get_dmabuf_phys()
 * make it.  Only BARs vfio-pci-core claimed, and kernel/0003's memory
 * region, can be exported.
 */
static int device_export_dmabuf(struct emu_gpu *gpu,
                                 struct vfio_device_feature_dma_buf *req,
                                 size_t len)
{
    uint64_t size, end, total = 0;
    bool claimed;
    unsigned i;
    int fd;

    if (len < sizeof(*req) ||
        len < sizeof(*req) + req->nr_ranges * sizeof(req->dma_ranges[0])) {
        return -EINVAL;
    }
    if (!req->nr_ranges || req->flags) {
        return -EINVAL;
    }
    claimed = req->region_index == EMU_REGION_BAR0 ||
              (req->region_index == EMU_REGION_BAR2 && gpu->bar1_size) ||
              ((req->region_index == EMU_REGION_BAR2 ||
                req->region_index == EMU_REGION_BAR4) && gpu->phys_bars) ||
              (req->region_index == EMU_REGION_COHERENT &&
               gpu->coherent_region);
    size = emu_region_real_size(gpu, req->region_index);
    if (!claimed || !size) {
        return -ENODEV;
    }
    for (i = 0; i < req->nr_ranges; i++) {
        const struct vfio_region_dma_range *r = &req->dma_ranges[i];

        if (!r->length || (r->offset | r->length) & (EMU_PAGE_SIZE - 1) ||
            __builtin_add_overflow(r->offset, r->length, &end) ||
            __builtin_add_overflow(total, r->length, &total) ||
            end > size) {
            return -EINVAL;
        }
    }
    fd = emu_new_file(EMU_FILE_DMABUF, gpu, NULL);
    if (fd >= 0) {
        struct emu_file *buf = emu_file_get(fd);

        buf->region = req->region_index;
        buf->offset = req->dma_ranges[0].offset;
        buf->length = req->dma_ranges[0].length;
        buf->nr_ranges = req->nr_ranges;
    }
    return fd;
}

/*
 * The user's low power: every mapping of the GPU faults, and every
 * dma-buf is revoked, until LOW_POWER_EXIT (vfio_pci_core_pm_entry()).
 */
static int device_set_low_power(struct emu_gpu *gpu, bool on)
{
    if (on && gpu->low_power) {
        return -EINVAL;
    }
    gpu->low_power = on;
    emu_dma_revoke(gpu, false);
    return emu_update_memory_maps(gpu);
}

/* VFIO_DEVICE_FEATURE, as vfio_ioctl_device_feature() checks it. */
static int device_feature(struct emu_gpu *gpu, struct vfio_device_feature *feat)
{
    uint32_t ops = feat->flags & (VFIO_DEVICE_FEATURE_GET |
                                  VFIO_DEVICE_FEATURE_SET);
    uint32_t supported;

    if (feat->argsz < sizeof(*feat) ||
        feat->flags & ~(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET |
                        VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE) ||
        (ops == (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET) &&
         !(feat->flags & VFIO_DEVICE_FEATURE_PROBE))) {
        return -EINVAL;
    }
    switch (feat->flags & VFIO_DEVICE_FEATURE_MASK) {
    case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
    case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
        supported = VFIO_DEVICE_FEATURE_SET;
        break;
    case VFIO_DEVICE_FEATURE_DMA_BUF:
        supported = VFIO_DEVICE_FEATURE_GET;
        break;
    default:
        /* No migration, no dirty tracking: as a plain vfio-pci. */
        return -ENOTTY;
    }
    /* vfio_check_feature() */
    if (ops & ~supported) {
        return -EINVAL;
    }
    if (feat->flags & VFIO_DEVICE_FEATURE_PROBE) {
        return 0;
    }
    if (!ops) {
        return -EINVAL;
    }
    switch (feat->flags & VFIO_DEVICE_FEATURE_MASK) {
    case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
        return device_set_low_power(gpu, true);
    case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
        return device_set_low_power(gpu, false);
    default:
        return device_export_dmabuf(gpu, (void *)feat->data,
                                    feat->argsz - sizeof(*feat));
    }
}

int emu_device_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
    struct emu_gpu *gpu = f->gpu;

    if (f->cdev) {
        int ret = emu_cdev_ioctl(f, req, arg);

        if (ret != -EMU_NOT_CDEV_IOCTL) {
            return ret;
        }
    }
    switch (req) {
    case VFIO_DEVICE_GET_INFO: {
        struct vfio_device_info *info = arg;

        if (gpu->fault == EMU_FAULT_DEVICE_INFO) {
            return -EIO;
        }
        if (info->argsz < sizeof(*info)) {
            return -EINVAL;
        }
        info->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
        info->num_regions = emu_num_regions(gpu);
        info->num_irqs = EMU_NUM_IRQS;
        return 0;
    }
    case VFIO_DEVICE_GET_REGION_INFO:
        return device_get_region_info(gpu, arg);
    case VFIO_DEVICE_GET_IRQ_INFO:
        return device_get_irq_info(gpu, arg);
    case VFIO_DEVICE_SET_IRQS:
        return device_set_irqs(arg);
    case VFIO_DEVICE_RESET:
        if (gpu->fault == EMU_FAULT_RESET) {
            return -EIO;
        }
        emu_gpu_reset(gpu);
        emu_stats_write();
        return 0;
    case VFIO_DEVICE_FEATURE:
        return device_feature(gpu, arg);
    default:
        /* No migration, no hot reset, no display: as a plain vfio-pci. */
        return -ENOTTY;
    }
}

int emu_group_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
    switch (req) {
    case VFIO_GROUP_GET_STATUS: {
        struct vfio_group_status *st = arg;

        if (f->gpu->fault == EMU_FAULT_GROUP_STATUS) {
            return -EIO;
        }
        if (st->argsz < sizeof(*st)) {
            return -EINVAL;
        }
        st->flags = (f->gpu->fault == EMU_FAULT_GROUP_NOT_VIABLE ? 0 :
                     VFIO_GROUP_FLAGS_VIABLE) |
                    (f->container ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
        return 0;
    }
    case VFIO_GROUP_SET_CONTAINER: {
        struct emu_file *cf = emu_file_get(*(int *)arg);

        if (!cf || cf->kind != EMU_FILE_CONTAINER) {
            return -EBADF;
        }
        if (f->container) {
            return -EINVAL;
        }
        /* As type1: a container takes any number of groups. */
        f->container = cf->container;
        emu_container_attach(f->container, f->gpu);
        return 0;
    }
    case VFIO_GROUP_UNSET_CONTAINER:
        if (!f->container) {
            return -EINVAL;
        }
        emu_container_detach(f->container, f->gpu);
        f->container = NULL;
        return 0;
    case VFIO_GROUP_GET_DEVICE_FD: {
        struct emu_gpu *gpu = emu_gpu_by_name(arg);

        if (!f->container || !f->container->iommu_type) {
            return -EINVAL;
        }
        if (gpu != f->gpu) {
            return -ENODEV;
        }
        if (gpu->device_open || gpu->fault == EMU_FAULT_DEVICE_FD) {
            return -EBUSY;
        }
        return emu_new_file(EMU_FILE_DEVICE, gpu, NULL);
    }
    default:
        return -ENOTTY;
    }
}

static int iommu_get_info(struct vfio_iommu_type1_info *info)
{
    struct {
        struct vfio_iommu_type1_info_cap_iova_range hdr;
        struct vfio_iova_range range;
    } iova;
    struct vfio_iommu_type1_info_dma_avail avail;
    size_t need = sizeof(*info) + sizeof(iova) + sizeof(avail);

    if (info->argsz < offsetof(struct vfio_iommu_type1_info, cap_offset)) {
        return -EINVAL;
    }
    info->flags = VFIO_IOMMU_INFO_PGSIZES;
    info->iova_pgsizes = EMU_PAGE_SIZE | (2ULL << 20) | (1ULL << 30);
    if (info->argsz < sizeof(*info)) {
        return 0;
    }
    info->flags |= VFIO_IOMMU_INFO_CAPS;
    info->cap_offset = 0;
    if (info->argsz < need) {
        info->argsz = need;
        return 0;
    }

    memset(&iova, 0, sizeof(iova));
    iova.hdr.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
    iova.hdr.header.version = 1;
    iova.hdr.header.next = sizeof(*info) + sizeof(iova);
    iova.hdr.nr_iovas = 1;
    iova.range.start = 0;
    iova.range.end = (1ULL << EMU_IOVA_BITS) - 1;

    memset(&avail, 0, sizeof(avail));
    avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
    avail.header.version = 1;
    avail.avail = EMU_DMA_ENTRIES_MAX;

    memcpy((char *)info + sizeof(*info), &iova, sizeof(iova));
    memcpy((char *)info + sizeof(*info) + sizeof(iova), &avail, sizeof(avail));
    info->cap_offset = sizeof(*info);
    return 0;
}

/* Is @fault set on the GPU of a group in the container? */
static bool container_fault(const struct emu_container *c,
                            enum emu_fault fault)
{
    unsigned g;

    for (g = 0; g < emu.nr_gpus; g++) {
        if ((c->gpus & 1u << g) && emu.gpus[g].fault == fault) {
            return true;
        }
    }
    return false;
}

/*
 * The GPU whose coherent memory [vaddr, vaddr + size) overlaps, if any, the
 * offset in that memory at which vaddr lies, and whether that mapping is
 * gated now.
 */
struct emu_gpu *emu_dma_coherent_owner(uint64_t vaddr, uint64_t size,
                                       int64_t *mem_off, bool *gated)
{
    unsigned g, i;

    for (g = 0; g < emu.nr_gpus; g++) {
        struct emu_gpu *gpu = &emu.gpus[g];

        for (i = 0; i < EMU_MAX_MMAPS; i++) {
            const struct emu_mmap *m = &gpu->coherent_mmaps[i];
            uint64_t a = (uintptr_t)m->addr;

            if (m->len && vaddr < a + m->len && a < vaddr + size) {
                *mem_off = (int64_t)(vaddr - a) + m->off;
                *gated = m->gated;
                return gpu;
            }
        }
    }
    return NULL;
}

/*
 * Record @map in @c, type1's or an IOAS's; @mem_off is where its IOVA
 * lies in @map->coherent's memory.
 */
int emu_dma_add(struct emu_container *c, const struct emu_dma *map,
                int64_t mem_off)
{
    struct emu_dma *d;
    size_t i;

    if (!map->size || (map->iova | map->size) & (EMU_PAGE_SIZE - 1) ||
        map->iova + map->size < map->iova ||
        map->iova + map->size > 1ULL << EMU_IOVA_BITS) {
        return -EINVAL;
    }
    for (i = 0; i < c->nr_dma; i++) {
        d = &c->dma[i];
        if (map->iova < d->iova + d->size && d->iova < map->iova + map->size) {
            return -EEXIST;
        }
    }
    if (c->nr_dma == EMU_DMA_ENTRIES_MAX) {
        return -ENOSPC;
    }
    if (container_fault(c, EMU_FAULT_DMA_MAP)) {
        return -ENOMEM;
    }
    d = realloc(c->dma, (c->nr_dma + 1) * sizeof(*d));
    if (!d) {
        return -ENOMEM;
    }
    c->dma = d;
    c->dma[c->nr_dma++] = *map;
    if (map->coherent) {
        struct emu_gpu *gpu = map->coherent;

        gpu->coherent_dma_maps++;
        gpu->live_coherent_dma_maps++;
        gpu->live_coherent_dma_bytes += map->size;
        gpu->coherent_dma_iova = map->iova - mem_off;
        for (i = 0; i < EMU_MAX_IOVAS; i++) {
            if (!gpu->coherent_dma_at[i].maps ||
                gpu->coherent_dma_at[i].iova == gpu->coherent_dma_iova) {
                gpu->coherent_dma_at[i].iova = gpu->coherent_dma_iova;
                gpu->coherent_dma_at[i].maps++;
                break;
            }
        }
    }
    emu.dma_map_calls++;
    emu.live_dma_mappings++;
    emu_stats_write();
    return 0;
}

static int iommu_map_dma(struct emu_container *c,
                         struct vfio_iommu_type1_dma_map *map)
{
    struct emu_gpu *owner;
    int64_t mem_off = 0;
    bool gated = false;

    if (map->argsz < sizeof(*map) ||
        map->flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE) ||
        map->vaddr & (EMU_PAGE_SIZE - 1)) {
        return -EINVAL;
    }
    owner = emu_dma_coherent_owner(map->vaddr, map->size, &mem_off, &gated);
    if (owner && owner->fault == EMU_FAULT_DMA_MAP_MEMORY) {
        /* As iommufd does for a PFNMAP mapping. */
        return -EFAULT;
    }
    if (gated) {
        /* type1 faults the PFNs in, and the fault fails with decode off. */
        return -EFAULT;
    }
    return emu_dma_add(c, &(struct emu_dma) {
        .iova = map->iova, .size = map->size, .vaddr = map->vaddr,
        .coherent = owner,
    }, mem_off);
}

/* A mapping goes away: by unmap, revocation, or with its container. */
static void dma_forget(struct emu_dma *d)
{
    if (d->revoked) {
        return;
    }
    if (d->coherent) {
        d->coherent->live_coherent_dma_maps--;
        d->coherent->live_coherent_dma_bytes -= d->size;
    }
    emu.live_dma_mappings--;
}

static void dma_forget_all(struct emu_container *c)
{
    size_t i;

    for (i = 0; i < c->nr_dma; i++) {
        dma_forget(&c->dma[i]);
    }
    c->nr_dma = 0;
}

/*
 * Remove the mappings inside [start, end); -EINVAL if the range splits
 * one (type1 v2 and iommufd both refuse that).
 */
int emu_dma_remove(struct emu_container *c, uint64_t start, uint64_t end,
                   uint64_t *unmapped)
{
    size_t i;

    *unmapped = 0;
    if (end < start) {
        return -EINVAL;
    }
    for (i = 0; i < c->nr_dma; i++) {
        struct emu_dma *d = &c->dma[i];
        bool inside = d->iova >= start && d->iova + d->size <= end;

        if (!inside && d->iova < end && start < d->iova + d->size) {
            return -EINVAL;
        }
    }
    for (i = 0; i < c->nr_dma;) {
        struct emu_dma *d = &c->dma[i];

        if (d->iova >= start && d->iova + d->size <= end) {
            *unmapped += d->size;
            dma_forget(d);
            *d = c->dma[--c->nr_dma];
        } else {
            i++;
        }
    }
    emu.dma_unmap_calls++;
    emu_stats_write();
    return 0;
}

static int iommu_unmap_dma(struct emu_container *c,
                           struct vfio_iommu_type1_dma_unmap *unmap)
{
    uint64_t unmapped;
    int ret;

    if (unmap->argsz < sizeof(*unmap) || unmap->flags) {
        return -EINVAL;
    }
    ret = emu_dma_remove(c, unmap->iova, unmap->iova + unmap->size,
                         &unmapped);
    if (!ret) {
        unmap->size = unmapped;
    }
    return ret;
}

/*
 * Is a dma-buf of @region revoked now?  vfio-pci-core revokes a BAR's on
 * memory decode off and in D3hot, and every one in the user's low power;
 * kernel/0003 keeps a memory region's through decode and D-state changes.
 */
bool emu_dmabuf_revoked(const struct emu_gpu *gpu, unsigned region)
{
    return gpu->low_power ||
           (region <= EMU_REGION_BAR5 && emu_gpu_bars_off(gpu));
}

/*
 * Revoke the IOMMU mappings made from @gpu's dma-bufs that are revoked now,
 * or with @reset all of them.  iommufd unmaps them and never maps them again
 * by itself; their IOVA stays in use until the user unmaps it.
 */
void emu_dma_revoke(struct emu_gpu *gpu, bool reset)
{
    struct emu_container *c;
    bool revoked = false;
    size_t i;

    for (c = emu.containers; c; c = c->next) {
        for (i = 0; i < c->nr_dma; i++) {
            struct emu_dma *d = &c->dma[i];

            if (d->exporter == gpu && !d->revoked &&
                (reset || emu_dmabuf_revoked(gpu, d->region))) {
                dma_forget(d);
                d->revoked = revoked = true;
            }
        }
    }
    /* Called at every config write: rewrite the counters only on a change. */
    if (revoked) {
        emu_stats_write();
    }
}

int emu_container_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
    struct emu_container *c = f->container;

    switch (req) {
    case VFIO_GET_API_VERSION:
        return VFIO_API_VERSION;
    case VFIO_CHECK_EXTENSION:
        switch ((unsigned long)arg) {
        case VFIO_TYPE1_IOMMU:
        case VFIO_TYPE1v2_IOMMU:
            return 1;
        default:
            return 0;
        }
    case VFIO_SET_IOMMU:
        if (!c->groups) {
            return -EINVAL;
        }
        if (c->iommu_type) {
            return -EBUSY;
        }
        if (container_fault(c, EMU_FAULT_SET_IOMMU)) {
            return -EPERM;
        }
        if ((unsigned long)arg != VFIO_TYPE1_IOMMU &&
            (unsigned long)arg != VFIO_TYPE1v2_IOMMU) {
            return -EINVAL;
        }
        c->iommu_type = (unsigned long)arg;
        return 0;
    case VFIO_IOMMU_GET_INFO:
        return c->iommu_type ? iommu_get_info(arg) : -EINVAL;
    case VFIO_IOMMU_MAP_DMA:
        return c->iommu_type ? iommu_map_dma(c, arg) : -EINVAL;
    case VFIO_IOMMU_UNMAP_DMA:
        return c->iommu_type ? iommu_unmap_dma(c, arg) : -EINVAL;
    default:
        return -ENOTTY;
    }
}

struct emu_container *emu_container_new(bool ioas)
{
    struct emu_container *c = calloc(1, sizeof(*c));

    if (c) {
        c->refs = 1;
        c->ioas = ioas;
        c->next = emu.containers;
        emu.containers = c;
    }
    return c;
}

void emu_container_attach(struct emu_container *c, struct emu_gpu *gpu)
{
    c->gpus |= 1u << (gpu - emu.gpus);
    c->refs++;
    c->groups++;
}

/*
 * The last group leaving a type1 container takes its IOMMU and mappings
 * along; an IOAS keeps its mappings.
 */
void emu_container_detach(struct emu_container *c, struct emu_gpu *gpu)
{
    c->gpus &= ~(1u << (gpu - emu.gpus));
    if (!--c->groups && !c->ioas) {
        dma_forget_all(c);
        c->iommu_type = 0;
        emu_stats_write();
    }
    emu_container_put(c);
}

void emu_container_put(struct emu_container *c)
{
    struct emu_container **p;

    if (--c->refs) {
        return;
    }
    for (p = &emu.containers; *p != c; p = &(*p)->next) {
        continue;
    }
    *p = c->next;
    dma_forget_all(c);
    free(c->dma);
    free(c);
    emu_stats_write();
}
