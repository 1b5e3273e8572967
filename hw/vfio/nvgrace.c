/*
 * vfio-pci-nvgrace: an NVIDIA Grace GPU's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * On Grace Hopper and Grace Blackwell the CPU reaches the GPU's memory
 * cache-coherently over NVLink-C2C; on the host it is system memory.  This
 * device assigns the GPU like vfio-pci does and, in addition, maps the
 * coherent memory that the host exposes as a VFIO device-specific region
 * into the guest as ordinary RAM (not a BAR): placed by the memory-device
 * framework in the machine's device-memory area, directly over the host
 * mapping, so that the guest can online it like bare-metal firmware
 * describes it.
 */

#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "hw/boards.h"
#include "hw/mem/memory-device.h"
#include "hw/pci/pci_ids.h"
#include "hw/qdev-properties.h"
#include "migration/blocker.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/units.h"
#include "nvgrace.h"
#include "pci.h"
#include "vfio-helpers.h"
#include "vfio-region.h"
#include "trace.h"

#define NVGRACE_MEMADDR_PROP "memaddr"

/* Guest physical and host virtual alignment of the memory, at most 1 GiB. */
#define NVGRACE_MAX_ALIGN (1 * GiB)

OBJECT_DECLARE_TYPE(VFIOPCINvgrace, VFIOPCINvgraceClass, VFIO_PCI_NVGRACE)

struct VFIOPCINvgrace {
    VFIOPCIDevice parent_obj;

    uint64_t memaddr;
    void *coherent_map;
    uint64_t coherent_size;
    MemoryRegion coherent_mem;
    bool plugged;
    Error *migration_blocker;
};

struct VFIOPCINvgraceClass {
    PCIDeviceClass parent_class;

    void (*parent_realize)(PCIDevice *pdev, Error **errp);
    void (*parent_exit)(PCIDevice *pdev);
};

/* What the host offers instead, for an error message a user can act on. */
static char *vfio_pci_nvgrace_offered_regions(VFIODevice *vbasedev)
{
    GString *s = g_string_new(NULL);
    int i;

    for (i = VFIO_PCI_NUM_REGIONS; i < vbasedev->num_initial_regions; i++) {
        struct vfio_region_info *info;
        struct vfio_info_cap_header *hdr;
        struct vfio_region_info_cap_type *cap;

        if (vfio_device_get_region_info(vbasedev, i, &info)) {
            continue;
        }
        hdr = vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_TYPE);
        if (!hdr) {
            continue;
        }
        cap = container_of(hdr, struct vfio_region_info_cap_type, header);
        g_string_append_printf(s, "%s0x%x/%u", s->len ? ", " : "",
                               cap->type, cap->subtype);
    }
    return g_string_free(s, false);
}

static bool vfio_pci_nvgrace_map_coherent_mem(VFIOPCINvgrace *nv,
                                              Error **errp)
{
    VFIODevice *vbasedev = &nv->parent_obj.vbasedev;
    const uint32_t type = VFIO_REGION_TYPE_PCI_VENDOR_TYPE |
                          PCI_VENDOR_ID_NVIDIA;
    const uint32_t subtype = VFIO_REGION_SUBTYPE_NVIDIA_COHERENT_MEM;
    struct vfio_region_info *info;
    g_autofree char *name = NULL;
    int prot = 0;

    /* The info is cached by vfio: it must not be freed here. */
    if (vfio_device_get_region_info_type(vbasedev, type, subtype, &info)) {
        g_autofree char *offered = vfio_pci_nvgrace_offered_regions(vbasedev);

        error_setg(errp, "host offers no coherent-memory region (expected "
                   "device-specific region type 0x%x subtype %u, found: %s)",
                   type, subtype, *offered ? offered : "none");
        error_append_hint(errp, "Is the GPU bound to a VFIO driver that "
                          "exposes its coherent memory?\n");
        return false;
    }

    trace_vfio_pci_nvgrace_coherent_region(vbasedev->name, info->index,
                                           info->size, info->offset,
                                           info->flags);

    if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
        error_setg(errp, "coherent-memory region %u cannot be mmapped",
                   info->index);
        return false;
    }
    if (!info->size || !QEMU_IS_ALIGNED(info->size,
                                        qemu_real_host_page_size())) {
        error_setg(errp, "coherent-memory region size 0x%" PRIx64 " is not "
                   "a non-zero multiple of the host page size (0x%zx)",
                   (uint64_t)info->size, qemu_real_host_page_size());
        return false;
    }

    prot |= info->flags & VFIO_REGION_INFO_FLAG_READ ? PROT_READ : 0;
    prot |= info->flags & VFIO_REGION_INFO_FLAG_WRITE ? PROT_WRITE : 0;
    nv->coherent_map = vfio_region_mmap_aligned(vbasedev, info->index,
                                                info->offset, info->size,
                                                prot);
    if (nv->coherent_map == MAP_FAILED) {
        nv->coherent_map = NULL;
        error_setg_errno(errp, errno, "cannot mmap coherent-memory region %u "
                         "(0x%" PRIx64 " bytes)", info->index,
                         (uint64_t)info->size);
        return false;
    }
    nv->coherent_size = info->size;

    /*
     * Plain RAM over the host mapping: the guest accesses it at RAM speed
     * and QEMU's own DMA reaches it directly.  Nothing is touched here, so
     * start-up does not depend on the size.
     */
    name = g_strdup_printf("%s coherent-mem", vbasedev->name);
    memory_region_init_ram_ptr(&nv->coherent_mem, OBJECT(nv), name,
                               info->size, nv->coherent_map);
    nv->coherent_mem.align = MIN(1ULL << ctz64(info->size), NVGRACE_MAX_ALIGN);
    return true;
}

static void vfio_pci_nvgrace_unmap_coherent_mem(VFIOPCINvgrace *nv)
{
    if (!nv->coherent_map) {
        return;
    }
    object_unparent(OBJECT(&nv->coherent_mem));
    munmap(nv->coherent_map, nv->coherent_size);
    nv->coherent_map = NULL;
}

/*
 * The region's size is only known once vfio-pci has realized, after any
 * hotplug handler's pre_plug, so the device claims its place in the
 * machine's device memory here, through the memory-device helpers.
 */
static bool vfio_pci_nvgrace_plug(VFIOPCINvgrace *nv, Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    MemoryDeviceState *md = MEMORY_DEVICE(nv);
    uint64_t user_memaddr = nv->memaddr;
    uint64_t total, need;
    Error *local_err = NULL;

    if (!ms->device_memory) {
        error_setg(errp, "the machine has no device memory for the GPU's "
                   "coherent memory; start QEMU with -m SIZE,maxmem=MAXSIZE "
                   "where MAXSIZE is at least SIZE + %" PRIu64 "M",
                   DIV_ROUND_UP(nv->coherent_size, MiB));
        return false;
    }

    total = memory_region_size(&ms->device_memory->mr);
    need = ms->device_memory->used_region_size +
           ROUND_UP(nv->coherent_size, nv->coherent_mem.align);
    if (need > total) {
        error_setg(errp, "0x%" PRIx64 " bytes of coherent memory do not fit "
                   "in the machine's device memory (0x%" PRIx64 " of 0x%"
                   PRIx64 " bytes free); raise maxmem to at least %" PRIu64
                   "M", nv->coherent_size,
                   total - ms->device_memory->used_region_size, total,
                   DIV_ROUND_UP(ms->maxram_size + need - total, MiB));
        return false;
    }

    memory_device_pre_plug(md, ms, &local_err);
    if (local_err) {
        if (user_memaddr) {
            error_propagate_prepend(errp, local_err, "'" NVGRACE_MEMADDR_PROP
                                    "' 0x%" PRIx64 ": ", user_memaddr);
        } else {
            error_propagate(errp, local_err);
        }
        return false;
    }
    memory_device_plug(md, ms);
    nv->plugged = true;
    trace_vfio_pci_nvgrace_plug(nv->parent_obj.vbasedev.name, nv->memaddr,
                                nv->coherent_size);
    return true;
}

static void vfio_pci_nvgrace_unplug(VFIOPCINvgrace *nv)
{
    if (!nv->plugged) {
        return;
    }
    memory_device_unplug(MEMORY_DEVICE(nv), MACHINE(qdev_get_machine()));
    nv->plugged = false;
}

static void vfio_pci_nvgrace_cleanup(VFIOPCINvgrace *nv)
{
    migrate_del_blocker(&nv->migration_blocker);
    vfio_pci_nvgrace_unplug(nv);
    vfio_pci_nvgrace_unmap_coherent_mem(nv);
}

static void vfio_pci_nvgrace_realize(PCIDevice *pdev, Error **errp)
{
    ERRP_GUARD();
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(pdev);
    VFIOPCINvgraceClass *nvc = VFIO_PCI_NVGRACE_GET_CLASS(nv);
    VFIODevice *vbasedev = &nv->parent_obj.vbasedev;

    nvc->parent_realize(pdev, errp);
    if (*errp) {
        return;
    }

    if (!vfio_pci_nvgrace_map_coherent_mem(nv, errp) ||
        !vfio_pci_nvgrace_plug(nv, errp)) {
        goto fail;
    }

    error_setg(&nv->migration_blocker, "%s: migration of the GPU's coherent "
               "memory is not supported", TYPE_VFIO_PCI_NVGRACE);
    if (migrate_add_blocker(&nv->migration_blocker, errp) < 0) {
        goto fail;
    }
    return;

fail:
    error_prepend(errp, VFIO_MSG_PREFIX, vbasedev->name);
    vfio_pci_nvgrace_cleanup(nv);
    nvc->parent_exit(pdev);
}

static void vfio_pci_nvgrace_exit(PCIDevice *pdev)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(pdev);

    vfio_pci_nvgrace_cleanup(nv);
    VFIO_PCI_NVGRACE_GET_CLASS(nv)->parent_exit(pdev);
}

static uint64_t vfio_pci_nvgrace_md_get_addr(const MemoryDeviceState *md)
{
    return VFIO_PCI_NVGRACE(md)->memaddr;
}

static void vfio_pci_nvgrace_md_set_addr(MemoryDeviceState *md, uint64_t addr,
                                         Error **errp)
{
    object_property_set_uint(OBJECT(md), NVGRACE_MEMADDR_PROP, addr, errp);
}

static MemoryRegion *vfio_pci_nvgrace_md_get_memory_region(
    MemoryDeviceState *md, Error **errp)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(md);

    if (!nv->coherent_map) {
        error_setg(errp, "coherent memory is not mapped");
        return NULL;
    }
    return &nv->coherent_mem;
}

static uint64_t vfio_pci_nvgrace_md_get_plugged_size(
    const MemoryDeviceState *md, Error **errp)
{
    return VFIO_PCI_NVGRACE(md)->coherent_size;
}

static void vfio_pci_nvgrace_md_fill_device_info(const MemoryDeviceState *md,
                                                 MemoryDeviceInfo *info)
{
    VfioPciNvgraceDeviceInfo *vi = g_new0(VfioPciNvgraceDeviceInfo, 1);
    const VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(md);
    const DeviceState *dev = DEVICE(md);

    vi->id = g_strdup(dev->id);
    vi->host = g_strdup(nv->parent_obj.vbasedev.name);
    vi->memaddr = nv->memaddr;
    vi->size = nv->coherent_size;

    info->u.vfio_pci_nvgrace.data = vi;
    info->type = MEMORY_DEVICE_INFO_KIND_VFIO_PCI_NVGRACE;
}

static void vfio_pci_nvgrace_set_memaddr(Object *obj, Visitor *v,
                                         const char *name, void *opaque,
                                         Error **errp)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(obj);

    /* Settable before realize, and by the memory-device placement. */
    if (nv->plugged) {
        error_setg(errp, "'%s' cannot be changed once the device is plugged",
                   name);
        return;
    }
    visit_type_uint64(v, name, &nv->memaddr, errp);
}

static void vfio_pci_nvgrace_get_memaddr(Object *obj, Visitor *v,
                                         const char *name, void *opaque,
                                         Error **errp)
{
    visit_type_uint64(v, name, &VFIO_PCI_NVGRACE(obj)->memaddr, errp);
}

static void vfio_pci_nvgrace_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pdc = PCI_DEVICE_CLASS(klass);
    VFIOPCINvgraceClass *nvc = VFIO_PCI_NVGRACE_CLASS(klass);
    MemoryDeviceClass *mdc = MEMORY_DEVICE_CLASS(klass);

    dc->desc = "VFIO NVIDIA Grace GPU with coherent memory as guest RAM";
    /* The guest can only take this memory at boot. */
    dc->hotpluggable = false;

    nvc->parent_realize = pdc->realize;
    nvc->parent_exit = pdc->exit;
    pdc->realize = vfio_pci_nvgrace_realize;
    pdc->exit = vfio_pci_nvgrace_exit;

    object_class_property_add(klass, NVGRACE_MEMADDR_PROP, "uint64",
                              vfio_pci_nvgrace_get_memaddr,
                              vfio_pci_nvgrace_set_memaddr, NULL, NULL);
    object_class_property_set_description(klass, NVGRACE_MEMADDR_PROP,
        "Guest physical address of the coherent memory in device memory "
        "(default: chosen by the machine)");

    mdc->get_addr = vfio_pci_nvgrace_md_get_addr;
    mdc->set_addr = vfio_pci_nvgrace_md_set_addr;
    mdc->get_plugged_size = vfio_pci_nvgrace_md_get_plugged_size;
    mdc->get_memory_region = vfio_pci_nvgrace_md_get_memory_region;
    mdc->fill_device_info = vfio_pci_nvgrace_md_fill_device_info;
}

static const TypeInfo vfio_pci_nvgrace_info = {
    .name = TYPE_VFIO_PCI_NVGRACE,
    .parent = TYPE_VFIO_PCI,
    .instance_size = sizeof(VFIOPCINvgrace),
    .class_size = sizeof(VFIOPCINvgraceClass),
    .class_init = vfio_pci_nvgrace_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_MEMORY_DEVICE },
        { }
    },
};

static void vfio_pci_nvgrace_register_types(void)
{
    type_register_static(&vfio_pci_nvgrace_info);
}

type_init(vfio_pci_nvgrace_register_types)
