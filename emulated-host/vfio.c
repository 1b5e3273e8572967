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
#define EMU_PAGE_SIZE           4096ULL
#define EMU_IOVA_BITS           48
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
    if (gpu->upstream_bar && emu_region_size(gpu, index) &&
        (index == EMU_REGION_BAR2 || index == EMU_REGION_BAR4)) {
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

int emu_device_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
    struct emu_gpu *gpu = f->gpu;

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
        f->container->gpus |= 1u << (f->gpu - emu.gpus);
        f->container->refs++;
        f->container->groups++;
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

/* Does [vaddr, vaddr + size) touch a mapping of this GPU's coherent memory? */
/*
 * The GPU whose coherent memory [vaddr, vaddr + size) overlaps, if any, and
 * the offset in that memory at which vaddr lies.
 */
static struct emu_gpu *dma_coherent_owner(uint64_t vaddr, uint64_t size,
                                          int64_t *mem_off)
{
    unsigned g, i;

    for (g = 0; g < emu.nr_gpus; g++) {
        struct emu_gpu *gpu = &emu.gpus[g];

        for (i = 0; i < EMU_MAX_MMAPS; i++) {
            const struct emu_mmap *m = &gpu->coherent_mmaps[i];
            uint64_t a = (uintptr_t)m->addr;

            if (m->len && vaddr < a + m->len && a < vaddr + size) {
                *mem_off = (int64_t)(vaddr - a) + m->off;
                return gpu;
            }
        }
    }
    return NULL;
}

static int iommu_map_dma(struct emu_container *c,
                         struct vfio_iommu_type1_dma_map *map)
{
    struct emu_dma *d;
    struct emu_gpu *owner;
    int64_t mem_off = 0;
    size_t i;

    if (map->argsz < sizeof(*map) ||
        map->flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) {
        return -EINVAL;
    }
    if (!map->size || (map->iova | map->size | map->vaddr) &
        (EMU_PAGE_SIZE - 1) || map->iova + map->size < map->iova ||
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
    owner = dma_coherent_owner(map->vaddr, map->size, &mem_off);
    if (container_fault(c, EMU_FAULT_DMA_MAP)) {
        return -ENOMEM;
    }
    if (owner && owner->fault == EMU_FAULT_DMA_MAP_MEMORY) {
        /* As iommufd does for a PFNMAP mapping. */
        return -EFAULT;
    }
    if (owner && emu_gpu_usemem_gated(owner)) {
        /* type1 faults the PFNs in, and the fault fails with decode off. */
        return -EFAULT;
    }
    d = realloc(c->dma, (c->nr_dma + 1) * sizeof(*d));
    if (!d) {
        return -ENOMEM;
    }
    c->dma = d;
    c->dma[c->nr_dma++] = (struct emu_dma) {
        .iova = map->iova, .size = map->size, .vaddr = map->vaddr,
        .coherent = owner,
    };
    if (owner) {
        owner->coherent_dma_maps++;
        owner->live_coherent_dma_maps++;
        owner->live_coherent_dma_bytes += map->size;
        owner->coherent_dma_iova = map->iova - mem_off;
    }
    emu.dma_map_calls++;
    emu.live_dma_mappings++;
    emu_stats_write();
    return 0;
}

/* A mapping goes away: by unmap, or with its container. */
static void dma_forget(struct emu_dma *d)
{
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

static int iommu_unmap_dma(struct emu_container *c,
                           struct vfio_iommu_type1_dma_unmap *unmap)
{
    uint64_t start = unmap->iova, end = unmap->iova + unmap->size;
    uint64_t unmapped = 0;
    size_t i;

    if (unmap->argsz < sizeof(*unmap) || unmap->flags || end < start) {
        return -EINVAL;
    }
    /* Type1 v2: a range may not split a mapping. */
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
            unmapped += d->size;
            dma_forget(d);
            *d = c->dma[--c->nr_dma];
        } else {
            i++;
        }
    }
    unmap->size = unmapped;
    emu.dma_unmap_calls++;
    emu_stats_write();
    return 0;
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

/* The last group leaving a container takes its IOMMU and mappings along. */
void emu_container_detach(struct emu_container *c, struct emu_gpu *gpu)
{
    c->gpus &= ~(1u << (gpu - emu.gpus));
    if (!--c->groups) {
        dma_forget_all(c);
        c->iommu_type = 0;
        emu_stats_write();
    }
    emu_container_put(c);
}

void emu_container_put(struct emu_container *c)
{
    if (--c->refs) {
        return;
    }
    dma_forget_all(c);
    free(c->dma);
    free(c);
}
