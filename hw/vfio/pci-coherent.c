/*
 * vfio-pci-coherent: a VFIO PCI device's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Some devices have memory that the CPU reaches cache-coherently, as
 * system memory: an NVIDIA Grace GPU's over NVLink-C2C, a CXL type-2
 * device's.  Their VFIO driver offers it as a device-specific region of
 * type VFIO_REGION_TYPE_MEM, subtype VFIO_REGION_SUBTYPE_MEM_COHERENT.
 * This vfio-pci device maps that memory into the guest as ordinary RAM
 * (not a BAR) of memory-only NUMA nodes of the device's own: placed by the
 * memory-device framework in the machine's device-memory area, directly
 * over the host mapping, and plugged by the machine's hotplug handler,
 * which describes it to the guest.  It serves any device whose host offers
 * the region; a subclass names a device that needs more, chooses its
 * default number of nodes and may find the memory elsewhere (its
 * probe_regions).
 *
 * With 'bar' the guest finds the same RAM in a BAR instead, for a guest
 * driver that takes the memory from a BAR: the guest's firmware places
 * it, and the device is an empty memory device.
 */

#include "qemu/osdep.h"
#include <linux/vfio.h>

#include "hw/acpi/pci.h"
#include "hw/boards.h"
#include "hw/hotplug.h"
#include "hw/core/qdev-prop-internal.h"
#include "hw/mem/memory-device.h"
#include "hw/qdev-properties.h"
#include "migration/blocker.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qapi/qapi-types-machine.h"
#include "qapi/visitor.h"
#include "qemu/error-report.h"
#include "qemu/host-utils.h"
#include "qemu/range.h"
#include "qemu/units.h"
#include "system/kvm.h"
#include "system/numa.h"
#include "system/ramblock.h"
#include "pci-coherent.h"
#include "vfio-helpers.h"
#include "vfio-region.h"
#include "trace.h"

#define VFIO_PCI_COHERENT_NODE_UNSET UINT32_MAX
#define VFIO_PCI_COHERENT_BAR_UNSET -1

/*
 * Where the memory starts, in the host's address space and the guest's: on
 * its size rounded up to a power of two, at most 1 GiB, so that both map it
 * with huge pages.  Rounded up, not down: a size need not be a power of two
 * (Grace Blackwell's is not), and the largest one dividing it can be
 * 64 KiB, below the PMD size of a 64 KiB-page host.
 */
#define VFIO_PCI_COHERENT_MAX_ALIGN (1 * GiB)

/*
 * In the guest also at least on the largest memory block of an arm64 guest
 * (512 MiB, with 64 KiB pages): a driver adds the memory by whole blocks.
 */
#define VFIO_PCI_COHERENT_PLACEMENT_ALIGN (512 * MiB)

/*
 * The machine must describe the memory to the guest (SRAT, DT) and plug it
 * through its hotplug handler.
 */
static bool vfio_pci_coherent_check_machine(VFIOPCICoherent *cd, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(qdev_get_machine());

    if (!mc->vfio_coherent_mem_supported ||
        !qdev_get_machine_hotplug_handler(DEVICE(cd))) {
        error_setg(errp, "%s needs a machine that describes its coherent "
                   "memory to the guest; machine '%s' does not",
                   object_get_typename(OBJECT(cd)), mc->name);
        error_append_hint(errp, "Arm's 'virt' machine does.\n");
        return false;
    }
    return true;
}

static uint64_t vfio_pci_coherent_align(const VFIOPCICoherent *cd)
{
    return MIN(pow2ceil(cd->mem_size), VFIO_PCI_COHERENT_MAX_ALIGN);
}

static uint64_t vfio_pci_coherent_placement_align(const VFIOPCICoherent *cd)
{
    return MAX(vfio_pci_coherent_align(cd), VFIO_PCI_COHERENT_PLACEMENT_ALIGN);
}

static int vfio_pci_coherent_find_node_owner(Object *obj, void *opaque)
{
    VFIOPCICoherent **cd = opaque;
    VFIOPCICoherent *other;

    if (obj == OBJECT(*cd) ||
        !object_dynamic_cast(obj, TYPE_VFIO_PCI_COHERENT)) {
        return 0;
    }
    other = VFIO_PCI_COHERENT(obj);
    /* Realized: plugged, or (with 'bar') holding its nodes without. */
    if (DEVICE(other)->realized &&
        ranges_overlap((*cd)->node, (*cd)->node_count, other->node,
                       other->node_count)) {
        *cd = other;
        return 1;
    }
    return 0;
}

static bool vfio_pci_coherent_node_has_cpus(MachineState *ms, uint32_t node)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const CPUArchIdList *cpus = mc->possible_cpu_arch_ids(ms);
    int i;

    for (i = 0; i < cpus->len; i++) {
        if (cpus->cpus[i].props.has_node_id &&
            cpus->cpus[i].props.node_id == node) {
            return true;
        }
    }
    return false;
}

/*
 * The nodes are the device's alone and memory-only: the memory belongs to
 * the first, and the device's driver in the guest may give the others to
 * parts of the device (a GPU's MIG instances).
 */
static bool vfio_pci_coherent_check_nodes(VFIOPCICoherent *cd, Error **errp)
{
    ERRP_GUARD();
    MachineState *ms = MACHINE(qdev_get_machine());
    NumaState *numa = ms->numa_state;
    VFIOPCICoherent *owner = cd;
    bool has_cpus;
    uint32_t n;

    if (cd->node == VFIO_PCI_COHERENT_NODE_UNSET) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE "' is not set");
        error_append_hint(errp, "Declare the device's memory-only NUMA nodes "
                          "with -numa node,nodeid=N and set "
                          VFIO_PCI_COHERENT_PROP_NODE "=N.\n");
        return false;
    }
    /* 0, the default: as many as this kind of device has */
    if (!cd->node_count) {
        cd->node_count = VFIO_PCI_COHERENT_GET_CLASS(cd)->default_node_count;
    }
    if (cd->node >= MAX_NODES || cd->node_count > MAX_NODES - cd->node) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE "' %u with '"
                   VFIO_PCI_COHERENT_PROP_NODE_COUNT "' %u goes past the last "
                   "possible NUMA node, %d", cd->node, cd->node_count,
                   MAX_NODES - 1);
        return false;
    }
    for (n = cd->node; n < cd->node + cd->node_count; n++) {
        if (n >= numa->num_nodes || !numa->nodes[n].present) {
            error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE "' %u with '"
                       VFIO_PCI_COHERENT_PROP_NODE_COUNT "' %u: NUMA node %u "
                       "is not declared", cd->node, cd->node_count, n);
            error_append_hint(errp, "Add -numa node,nodeid=%u.\n", n);
            return false;
        }
        has_cpus = vfio_pci_coherent_node_has_cpus(ms, n);
        if (has_cpus || numa->nodes[n].node_mem) {
            error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE "' %u with '"
                       VFIO_PCI_COHERENT_PROP_NODE_COUNT "' %u: NUMA node %u "
                       "has %s; the device's nodes must be memory-only",
                       cd->node, cd->node_count, n,
                       has_cpus ? "CPUs" : "memory");
            error_append_hint(errp, "Declare them without cpus= and "
                              "memdev=.\n");
            return false;
        }
    }
    if (object_child_foreach_recursive(qdev_get_machine(),
                                       vfio_pci_coherent_find_node_owner,
                                       &owner)) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE "' %u with '"
                   VFIO_PCI_COHERENT_PROP_NODE_COUNT "' %u: NUMA nodes %u-%u "
                   "belong to %s '%s'",
                   cd->node, cd->node_count, owner->node,
                   owner->node + owner->node_count - 1,
                   object_get_typename(OBJECT(owner)),
                   owner->parent_obj.vbasedev.name);
        error_append_hint(errp, "Give each device NUMA nodes of its own.\n");
        return false;
    }
    return true;
}

/*
 * The device's nodes come from 'node' and 'node-count', or from the
 * acpi-generic-initiator objects that name the device, as libvirt's
 * <acpi nodeset=.../> and KubeVirt declare them; never from both, since
 * whoever declares a node builds its Generic Initiator entry.
 */
static bool vfio_pci_coherent_take_generic_initiators(VFIOPCICoherent *cd,
                                                      Error **errp)
{
    ERRP_GUARD();
    g_autoptr(GArray) nodes = acpi_generic_initiator_nodes(OBJECT(cd));
    uint32_t first, n;
    guint i;

    if (!nodes->len) {
        return true;
    }
    if (cd->node != VFIO_PCI_COHERENT_NODE_UNSET) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE "' is set, and %u "
                   "%s objects name this device too", nodes->len,
                   TYPE_ACPI_GENERIC_INITIATOR);
        error_append_hint(errp, "Declare the device's NUMA nodes one way: "
                          "with " VFIO_PCI_COHERENT_PROP_NODE "= and "
                          VFIO_PCI_COHERENT_PROP_NODE_COUNT "=, or with the "
                          "objects alone.\n");
        return false;
    }
    first = g_array_index(nodes, uint32_t, 0);
    for (i = 1; i < nodes->len; i++) {
        n = g_array_index(nodes, uint32_t, i);
        if (n != first + i) {
            error_setg(errp, "the %s objects that name this device %s NUMA "
                       "node %u; the device's nodes are one range, each named "
                       "once", TYPE_ACPI_GENERIC_INITIATOR,
                       n < first + i ? "name twice" : "skip",
                       n < first + i ? n : first + i);
            return false;
        }
    }
    if (cd->node_count && cd->node_count != nodes->len) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_NODE_COUNT "' %u does not "
                   "match the %u %s objects that name this device",
                   cd->node_count, nodes->len, TYPE_ACPI_GENERIC_INITIATOR);
        return false;
    }
    cd->node = first;
    cd->node_count = nodes->len;
    return true;
}

void vfio_pci_coherent_set_memory(VFIOPCICoherent *cd,
                                  struct vfio_region_info *info,
                                  uint64_t size)
{
    cd->mem_index = info->index;
    cd->mem_offset = info->offset;
    cd->mem_flags = info->flags;
    cd->mem_size = size;
    trace_vfio_pci_coherent_memory(cd->parent_obj.vbasedev.name, info->index,
                                   size, info->offset, info->flags);
}

bool vfio_pci_coherent_find_region(VFIOPCICoherent *cd)
{
    struct vfio_region_info *info;

    /* The info is cached by vfio: it must not be freed here. */
    if (vfio_device_get_region_info_type(&cd->parent_obj.vbasedev,
                                         VFIO_REGION_TYPE_MEM,
                                         VFIO_REGION_SUBTYPE_MEM_COHERENT,
                                         &info)) {
        return false;
    }
    vfio_pci_coherent_set_memory(cd, info, info->size);
    cd->source = VFIO_PCI_COHERENT_MEMORY_SOURCE_REGION;
    return true;
}

static bool vfio_pci_coherent_probe_regions(VFIOPCIDevice *vdev, Error **errp)
{
    if (vfio_pci_coherent_find_region(VFIO_PCI_COHERENT(vdev))) {
        return true;
    }
    error_setg(errp, "host offers no coherent-memory region (device-specific "
               "region type 0x%x subtype %u)", VFIO_REGION_TYPE_MEM,
               VFIO_REGION_SUBTYPE_MEM_COHERENT);
    error_append_hint(errp, "The trace event "
                      "vfio_device_get_region_info_type lists the regions "
                      "the host offers.\n");
    return false;
}

/*
 * KVM on arm64 maps a PFNMAP VMA cacheable at stage 2 only with FEAT_S2FWB
 * (Linux 6.17+ says so with this capability); else the guest would get
 * Device memory, where atomics and unaligned accesses fault.
 */
static bool vfio_pci_coherent_check_kvm(Error **errp)
{
#ifdef CONFIG_KVM
    if (kvm_enabled() &&
        kvm_vm_check_extension(kvm_state,
                               KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED) <= 0) {
        error_setg(errp, "host KVM cannot map the coherent memory cacheable "
                   "into the guest (KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED is "
                   "missing: it needs FEAT_S2FWB and Linux 6.17 or later on "
                   "the host)");
        return false;
    }
#endif
    return true;
}

/*
 * All of the memory becomes guest RAM, so all of it must be mapped: a
 * sparse-mmap capability may describe it only as one area from offset 0.
 */
static bool vfio_pci_coherent_check_mmap_areas(VFIOPCICoherent *cd,
                                              Error **errp)
{
    struct vfio_region_info *info;
    struct vfio_info_cap_header *hdr;
    struct vfio_region_info_cap_sparse_mmap *sparse;
    int ret;

    ret = vfio_device_get_region_info(&cd->parent_obj.vbasedev,
                                      cd->mem_index, &info);
    if (ret) {
        error_setg_errno(errp, -ret, "cannot get coherent-memory region %u "
                         "info", cd->mem_index);
        return false;
    }
    hdr = vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    if (!hdr) {
        return true;
    }
    sparse = container_of(hdr, struct vfio_region_info_cap_sparse_mmap,
                          header);
    if (!vfio_region_info_cap_fits(info, hdr, sizeof(*sparse) +
                                   sizeof(sparse->areas[0]))) {
        error_setg(errp, "coherent-memory region %u's sparse-mmap capability "
                   "is cut short by the end of the region info",
                   cd->mem_index);
        return false;
    }
    if (sparse->nr_areas != 1 || sparse->areas[0].offset ||
        sparse->areas[0].size < cd->mem_size) {
        error_setg(errp, "coherent-memory region %u can be mmapped only in "
                   "part (its sparse-mmap capability has %u areas, not one "
                   "over all of it)", cd->mem_index, sparse->nr_areas);
        return false;
    }
    return true;
}

static bool vfio_pci_coherent_map_mem(VFIOPCICoherent *cd, Error **errp)
{
    VFIODevice *vbasedev = &cd->parent_obj.vbasedev;
    g_autofree char *name = NULL;
    int prot = 0;

    if (vbasedev->no_mmap) {
        error_setg(errp, "x-no-mmap is not supported: the coherent memory "
                   "is guest RAM only as a mapping of the host's");
        return false;
    }
    if (!(cd->mem_flags & VFIO_REGION_INFO_FLAG_MMAP)) {
        error_setg(errp, "coherent-memory region %u cannot be mmapped",
                   cd->mem_index);
        return false;
    }
    if (!cd->mem_size ||
        !QEMU_IS_ALIGNED(cd->mem_size, qemu_real_host_page_size())) {
        error_setg(errp, "coherent-memory region size 0x%" PRIx64 " is not "
                   "a non-zero multiple of the host page size (0x%zx)",
                   cd->mem_size, qemu_real_host_page_size());
        return false;
    }
    if (!vfio_pci_coherent_check_mmap_areas(cd, errp) ||
        !vfio_pci_coherent_check_kvm(errp)) {
        return false;
    }

    /*
     * The mapping has no struct pages and no file descriptor to pass on:
     * vhost back ends that pin the guest's buffers or map guest RAM in
     * another process could not reach those in the memory.
     */
    if (ram_block_pinning_disable(true)) {
        error_setg(errp, "a vhost back end in use needs to pin or share all "
                   "of guest RAM, which the coherent memory does not allow");
        error_append_hint(errp, "vhost-user, vhost-vdpa and vhost-scsi back "
                          "ends cannot be used with this device; virtio "
                          "devices that QEMU serves itself and vhost-net "
                          "can.\n");
        return false;
    }
    prot |= cd->mem_flags & VFIO_REGION_INFO_FLAG_READ ? PROT_READ : 0;
    prot |= cd->mem_flags & VFIO_REGION_INFO_FLAG_WRITE ? PROT_WRITE : 0;
    cd->mem_map = vfio_region_mmap_aligned(vbasedev, cd->mem_index,
                                           cd->mem_offset, cd->mem_size,
                                           vfio_pci_coherent_align(cd), prot);
    if (cd->mem_map == MAP_FAILED) {
        cd->mem_map = NULL;
        error_setg_errno(errp, errno, "cannot mmap coherent-memory region %u "
                         "(0x%" PRIx64 " bytes)", cd->mem_index,
                         cd->mem_size);
        ram_block_pinning_disable(false);
        return false;
    }

    /*
     * Plain RAM over the host mapping: the guest accesses it at RAM speed
     * and QEMU's own DMA reaches it directly.  Nothing is touched here, so
     * start-up does not depend on the size.
     */
    name = g_strdup_printf("%s coherent-mem", vbasedev->name);
    memory_region_init_ram_ptr(&cd->mem, OBJECT(cd), name, cd->mem_size,
                               cd->mem_map);
    /* A RAMBlock name unique to this device ("info ramblock"). */
    vmstate_register_ram(&cd->mem, DEVICE(cd));
    /* What memory-device requires: a power of two that divides the size. */
    cd->mem.align = MIN(1ULL << ctz64(cd->mem_size),
                        VFIO_PCI_COHERENT_MAX_ALIGN);
    return true;
}

/*
 * Other devices DMA into the memory like into any guest RAM.  iommufd
 * maps it only through a dma-buf: the mmap is a PFNMAP.  A host that
 * exports none fails the realize only where a container needs one, once
 * the memory is plugged.
 */
static void vfio_pci_coherent_export_dmabuf(VFIOPCICoherent *cd)
{
    vfio_device_export_ram_dmabuf(&cd->parent_obj.vbasedev, &cd->mem,
                                  cd->mem_index, &cd->dmabuf_error);
}

/* Why iommufd cannot map the memory, if that is why. */
static void vfio_pci_coherent_dmabuf_hint(VFIOPCICoherent *cd, Error **errp)
{
    if (!cd->parent_obj.vbasedev.iommufd || !cd->dmabuf_error) {
        return;
    }
    error_append_hint(errp, "iommufd maps it only through a dma-buf, and "
                      "the %s.\n", error_get_pretty(cd->dmabuf_error));
    error_append_hint(errp, "That needs Linux 6.19 or later, and a VFIO "
                      "driver that exports its coherent-memory region; else "
                      "use the legacy VFIO container (no iommufd).\n");
}

static bool vfio_pci_coherent_check_dma(VFIOPCICoherent *cd, Error **errp)
{
    if (vfio_device_ram_dma_mapped(&cd->parent_obj.vbasedev, errp)) {
        return true;
    }
    error_prepend(errp, "other devices cannot DMA into the coherent memory: ");
    vfio_pci_coherent_dmabuf_hint(cd, errp);
    return false;
}

static bool vfio_pci_coherent_in_bar(const VFIOPCICoherent *cd)
{
    return cd->bar != VFIO_PCI_COHERENT_BAR_UNSET;
}

/*
 * A 64-bit BAR takes two slots, so it is 0, 2 or 4, and the host's
 * device must leave both free: a subclass hides a host BAR that holds
 * the same memory (its probe_regions).
 */
static bool vfio_pci_coherent_check_bar(VFIOPCICoherent *cd, Error **errp)
{
    PCIIORegion *regions = PCI_DEVICE(cd)->io_regions;
    int bar = cd->bar;

    if (!vfio_pci_coherent_in_bar(cd)) {
        return true;
    }
    if (bar < 0 || bar > PCI_ROM_SLOT - 2 || bar % 2) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_BAR "' %d is not the "
                   "first slot of a 64-bit BAR (0, 2 or 4)", bar);
        return false;
    }
    if (regions[bar].size || regions[bar + 1].size ||
        (bar && regions[bar - 1].size &&
         regions[bar - 1].type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_BAR "' %d: the host's "
                   "device has a BAR there", bar);
        return false;
    }
    if (cd->memaddr) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_MEMADDR "' is set, but "
                   "with '" VFIO_PCI_COHERENT_PROP_BAR "' the guest's "
                   "firmware places the memory");
        return false;
    }
    if (cd->online == VFIO_PCI_COHERENT_ONLINE_BOOT) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_ONLINE "=boot' needs the "
                   "memory in the guest's memory map, not in a BAR");
        return false;
    }
    return true;
}

/* What the host's nvgrace-gpu gives past the memory in its fake BAR4. */
static uint64_t vfio_pci_coherent_bar_tail_read(void *opaque, hwaddr addr,
                                                unsigned size)
{
    return ~0ULL;
}

static void vfio_pci_coherent_bar_tail_write(void *opaque, hwaddr addr,
                                             uint64_t data, unsigned size)
{
}

static const MemoryRegionOps vfio_pci_coherent_bar_tail_ops = {
    .read = vfio_pci_coherent_bar_tail_read,
    .write = vfio_pci_coherent_bar_tail_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid.min_access_size = 1,
    .valid.max_access_size = 8,
};

/*
 * A BAR is a power of two: the memory from its start, and past it reads
 * of all ones.  The RAM stays RAM, not ram_device: the guest reaches it
 * at RAM speed, and QEMU's own DMA (virtio) directly.
 */
static void vfio_pci_coherent_register_bar(VFIOPCICoherent *cd)
{
    const char *name = cd->parent_obj.vbasedev.name;
    uint64_t bar_size = pow2ceil(cd->mem_size);
    g_autofree char *bar_name = g_strdup_printf("%s coherent-mem BAR%d",
                                                name, cd->bar);
    g_autofree char *tail_name = g_strdup_printf("%s coherent-mem BAR%d "
                                                 "tail", name, cd->bar);

    memory_region_init(&cd->bar_mr, OBJECT(cd), bar_name, bar_size);
    memory_region_add_subregion(&cd->bar_mr, 0, &cd->mem);
    if (bar_size > cd->mem_size) {
        memory_region_init_io(&cd->bar_tail, OBJECT(cd),
                              &vfio_pci_coherent_bar_tail_ops, cd, tail_name,
                              bar_size - cd->mem_size);
        memory_region_add_subregion(&cd->bar_mr, cd->mem_size,
                                    &cd->bar_tail);
    }
    pci_register_bar(PCI_DEVICE(cd), cd->bar,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &cd->bar_mr);
    trace_vfio_pci_coherent_bar(name, cd->bar, bar_size, cd->mem_size);
}

/* pci_qdev_unrealize() has taken the BAR out of the guest's view. */
static void vfio_pci_coherent_unregister_bar(VFIOPCICoherent *cd)
{
    if (cd->mem.container != &cd->bar_mr) {
        return;
    }
    memory_region_del_subregion(&cd->bar_mr, &cd->mem);
    if (cd->bar_tail.container) {
        memory_region_del_subregion(&cd->bar_mr, &cd->bar_tail);
    }
}

/*
 * In a BAR, the memory is mapped for DMA only once the guest has placed
 * the BAR: what can be known of it is known here.
 */
static bool vfio_pci_coherent_check_bar_dma(VFIOPCICoherent *cd,
                                            Error **errp)
{
    if (!cd->parent_obj.vbasedev.iommufd || !cd->dmabuf_error) {
        return true;
    }
    error_setg(errp, "other devices cannot DMA into the coherent memory in "
               "BAR%d under iommufd", cd->bar);
    vfio_pci_coherent_dmabuf_hint(cd, errp);
    return false;
}

/*
 * Once unplugged the guest no longer sees the memory, but RCU readers and
 * address_space_map() users may still reach it: the region dies with the
 * device and the mapping goes in instance_finalize (docs/devel/memory.rst,
 * "Region lifecycle").
 */
static void vfio_pci_coherent_release_mem(VFIOPCICoherent *cd)
{
    if (!cd->mem_map) {
        return;
    }
    vfio_device_release_ram_dmabufs(&cd->parent_obj.vbasedev);
    error_free(cd->dmabuf_error);
    cd->dmabuf_error = NULL;
    vmstate_unregister_ram(&cd->mem, DEVICE(cd));
    ram_block_pinning_disable(false);
}

/*
 * What memory_device_pre_plug() and memory_device_plug() do in the pre_plug
 * and plug of other memory devices, both at plug time: the region's size is
 * known only once vfio-pci has realized.
 */
static bool vfio_pci_coherent_plug_memory(VFIOPCICoherent *cd,
                                          MachineState *ms, Error **errp)
{
    ERRP_GUARD();
    MemoryDeviceState *md = MEMORY_DEVICE(cd);
    uint64_t user_memaddr = cd->memaddr;
    uint64_t total, need;
    Error *local_err = NULL;

    if (!ms->device_memory) {
        error_setg(errp, "the machine has no device memory for the "
                   "coherent memory");
        error_append_hint(errp, "Start QEMU with -m SIZE,maxmem=MAXSIZE, "
                          "where MAXSIZE is at least SIZE + %" PRIu64 "M.\n",
                          DIV_ROUND_UP(cd->mem_size, MiB));
        return false;
    }

    /*
     * What memory_device_pre_plug() allows, said with the maxmem that
     * would do: the window itself is larger by 'slots' GiB.
     */
    total = ms->maxram_size - ms->ram_size;
    need = ms->device_memory->used_region_size + cd->mem_size;
    if (need > total) {
        error_setg(errp, "0x%" PRIx64 " bytes of coherent memory do not fit "
                   "in the machine's device memory (0x%" PRIx64 " of 0x%"
                   PRIx64 " bytes free)", cd->mem_size,
                   total - ms->device_memory->used_region_size, total);
        error_append_hint(errp, "Raise maxmem to at least %" PRIu64 "M.\n",
                          DIV_ROUND_UP(ms->ram_size + need, MiB));
        return false;
    }

    memory_device_pre_plug(md, ms, &local_err);
    if (local_err) {
        if (user_memaddr) {
            error_propagate_prepend(errp, local_err,
                                    "'" VFIO_PCI_COHERENT_PROP_MEMADDR "' 0x%"
                                    PRIx64 ": ", user_memaddr);
        } else {
            error_propagate(errp, local_err);
        }
        return false;
    }
    memory_device_plug(md, ms);
    cd->plugged = true;
    trace_vfio_pci_coherent_plug(cd->parent_obj.vbasedev.name, cd->memaddr,
                                 cd->mem_size);
    return true;
}

static void vfio_pci_coherent_unplug(VFIOPCICoherent *cd)
{
    if (!cd->plugged) {
        return;
    }
    memory_device_unplug(MEMORY_DEVICE(cd), MACHINE(qdev_get_machine()));
    cd->plugged = false;
}

void vfio_pci_coherent_pre_plug(DeviceState *dev, MachineState *ms,
                                Error **errp)
{
    HotplugHandler *bus_handler = qdev_get_bus_hotplug_handler(dev);

    if (bus_handler) {
        hotplug_handler_pre_plug(bus_handler, dev, errp);
    }
}

void vfio_pci_coherent_plug(DeviceState *dev, MachineState *ms, Error **errp)
{
    ERRP_GUARD();
    VFIOPCICoherent *cd = VFIO_PCI_COHERENT(dev);
    HotplugHandler *bus_handler = qdev_get_bus_hotplug_handler(dev);

    if (vfio_pci_coherent_in_bar(cd) ||
        (vfio_pci_coherent_plug_memory(cd, ms, errp) &&
         vfio_pci_coherent_check_dma(cd, errp))) {
        if (bus_handler) {
            hotplug_handler_plug(bus_handler, dev, errp);
        }
        if (!*errp) {
            return;
        }
    }
    /* qdev unrealizes the device next. */
    vfio_pci_coherent_unplug(cd);
    error_prepend(errp, VFIO_MSG_PREFIX, cd->parent_obj.vbasedev.name);
}

static void vfio_pci_coherent_cleanup(VFIOPCICoherent *cd)
{
    migrate_del_blocker(&cd->migration_blocker);
    vfio_pci_coherent_unplug(cd);
    vfio_pci_coherent_unregister_bar(cd);
    vfio_pci_coherent_release_mem(cd);
}

/*
 * For the HMAT, which then lists the nodes as initiators (and the first
 * as a target, once the machine's SRAT gives it the memory).  -numa
 * hmat-lb is checked before devices exist, so it can name such a node as
 * its initiator only when acpi-generic-initiator objects declare it.
 */
static void vfio_pci_coherent_claim_nodes(VFIOPCICoherent *cd)
{
    NumaState *numa = MACHINE(qdev_get_machine())->numa_state;
    uint32_t n;

    for (n = cd->node; n < cd->node + cd->node_count; n++) {
        numa->nodes[n].has_gi = true;
    }
}

/*
 * The name vfio-pci's realize will give the device, for the errors raised
 * before it runs: the host address, else what the user named it by.
 */
static char *vfio_pci_coherent_early_name(VFIOPCICoherent *cd)
{
    VFIOPCIDevice *vdev = &cd->parent_obj;
    PCIHostDeviceAddress *host = &vdev->host;

    if (vdev->vbasedev.sysfsdev) {
        return g_path_get_basename(vdev->vbasedev.sysfsdev);
    }
    if (~host->domain || ~host->bus || ~host->slot || ~host->function) {
        return g_strdup_printf("%04x:%02x:%02x.%01x", host->domain,
                               host->bus, host->slot, host->function);
    }
    return g_strdup(DEVICE(cd)->id ?: TYPE_VFIO_PCI_COHERENT);
}

static void vfio_pci_coherent_realize(PCIDevice *pdev, Error **errp)
{
    ERRP_GUARD();
    VFIOPCICoherent *cd = VFIO_PCI_COHERENT(pdev);
    VFIOPCICoherentClass *cdc = VFIO_PCI_COHERENT_GET_CLASS(cd);
    VFIODevice *vbasedev = &cd->parent_obj.vbasedev;

    if (!vfio_pci_coherent_check_machine(cd, errp) ||
        !vfio_pci_coherent_take_generic_initiators(cd, errp) ||
        !vfio_pci_coherent_check_nodes(cd, errp)) {
        g_autofree char *name = vfio_pci_coherent_early_name(cd);

        error_prepend(errp, VFIO_MSG_PREFIX, name);
        return;
    }

    cdc->parent_realize(pdev, errp);
    if (*errp) {
        return;
    }

    if (!vfio_pci_coherent_check_bar(cd, errp) ||
        (cdc->prepare_memory && !cdc->prepare_memory(cd, errp)) ||
        !vfio_pci_coherent_map_mem(cd, errp)) {
        goto fail;
    }
    /* The machine's hotplug handler plugs the memory next, if not a BAR. */
    vfio_pci_coherent_export_dmabuf(cd);
    if (vfio_pci_coherent_in_bar(cd) &&
        !vfio_pci_coherent_check_bar_dma(cd, errp)) {
        goto fail;
    }

    error_setg(&cd->migration_blocker, VFIO_MSG_PREFIX "migration of "
               "coherent device memory is not supported", vbasedev->name);
    if (migrate_add_blocker(&cd->migration_blocker, errp) < 0) {
        goto fail;
    }

    vfio_pci_coherent_claim_nodes(cd);
    /*
     * Last, as nothing may fail after it: the PCI core does not take the
     * BARs of a device whose realize fails out of the guest's view.
     */
    if (vfio_pci_coherent_in_bar(cd)) {
        vfio_pci_coherent_register_bar(cd);
    }
    return;

fail:
    error_prepend(errp, VFIO_MSG_PREFIX, vbasedev->name);
    vfio_pci_coherent_cleanup(cd);
    cdc->parent_exit(pdev);
}

static void vfio_pci_coherent_exit(PCIDevice *pdev)
{
    VFIOPCICoherent *cd = VFIO_PCI_COHERENT(pdev);

    vfio_pci_coherent_cleanup(cd);
    VFIO_PCI_COHERENT_GET_CLASS(cd)->parent_exit(pdev);
}

static uint64_t vfio_pci_coherent_md_get_addr(const MemoryDeviceState *md)
{
    return VFIO_PCI_COHERENT(md)->memaddr;
}

static void vfio_pci_coherent_md_set_addr(MemoryDeviceState *md,
                                          uint64_t addr, Error **errp)
{
    object_property_set_uint(OBJECT(md), VFIO_PCI_COHERENT_PROP_MEMADDR, addr,
                             errp);
}

static MemoryRegion *vfio_pci_coherent_md_get_memory_region(
    MemoryDeviceState *md, Error **errp)
{
    VFIOPCICoherent *cd = VFIO_PCI_COHERENT(md);

    if (!cd->mem_map) {
        error_setg(errp, "coherent memory is not mapped");
        return NULL;
    }
    /* In a BAR it is no memory device's: an empty memory device. */
    return vfio_pci_coherent_in_bar(cd) ? NULL : &cd->mem;
}

static uint64_t vfio_pci_coherent_md_get_plugged_size(
    const MemoryDeviceState *md, Error **errp)
{
    return VFIO_PCI_COHERENT(md)->mem_size;
}

static uint64_t vfio_pci_coherent_md_get_min_alignment(
    const MemoryDeviceState *md)
{
    return vfio_pci_coherent_placement_align(VFIO_PCI_COHERENT(md));
}

static void vfio_pci_coherent_md_fill_device_info(const MemoryDeviceState *md,
                                                  MemoryDeviceInfo *info)
{
    VfioPciCoherentDeviceInfo *vi = g_new0(VfioPciCoherentDeviceInfo, 1);
    const VFIOPCICoherent *cd = VFIO_PCI_COHERENT(md);

    vi->id = g_strdup(DEVICE(md)->id);
    vi->host = g_strdup(cd->parent_obj.vbasedev.name);
    if (vfio_pci_coherent_in_bar(cd)) {
        vi->has_bar = true;
        vi->bar = cd->bar;
        vi->memaddr = pci_get_bar_addr(PCI_DEVICE(md), cd->bar);
        vi->has_memaddr = vi->memaddr != PCI_BAR_UNMAPPED;
    } else {
        vi->has_memaddr = true;
        vi->memaddr = cd->memaddr;
    }
    vi->size = cd->mem_size;
    vi->node = cd->node;
    vi->node_count = cd->node_count;
    vi->online = cd->online;
    vi->memory_source = cd->source;

    info->u.vfio_pci_coherent.data = vi;
    info->type = MEMORY_DEVICE_INFO_KIND_VFIO_PCI_COHERENT;
}

static void vfio_pci_coherent_get_size(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp)
{
    visit_type_uint64(v, name, &VFIO_PCI_COHERENT(obj)->mem_size, errp);
}

static const PropertyInfo vfio_pci_coherent_prop_online = {
    .type = "VfioPciCoherentOnline",
    .enum_table = &VfioPciCoherentOnline_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

static const Property vfio_pci_coherent_properties[] = {
    DEFINE_PROP_UINT64(VFIO_PCI_COHERENT_PROP_MEMADDR, VFIOPCICoherent,
                       memaddr, 0),
    DEFINE_PROP_INT32(VFIO_PCI_COHERENT_PROP_BAR, VFIOPCICoherent, bar,
                      VFIO_PCI_COHERENT_BAR_UNSET),
    DEFINE_PROP_UINT32(VFIO_PCI_COHERENT_PROP_NODE, VFIOPCICoherent, node,
                       VFIO_PCI_COHERENT_NODE_UNSET),
    DEFINE_PROP_UINT32(VFIO_PCI_COHERENT_PROP_NODE_COUNT, VFIOPCICoherent,
                       node_count, 0),
    DEFINE_PROP_SIGNED(VFIO_PCI_COHERENT_PROP_ONLINE, VFIOPCICoherent, online,
                       VFIO_PCI_COHERENT_ONLINE_DRIVER_MANAGED,
                       vfio_pci_coherent_prop_online, int),
};

static void vfio_pci_coherent_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pdc = PCI_DEVICE_CLASS(klass);
    VFIOPCIDeviceClass *vc = VFIO_PCI_DEVICE_CLASS(klass);
    VFIOPCICoherentClass *cdc = VFIO_PCI_COHERENT_CLASS(klass);
    MemoryDeviceClass *mdc = MEMORY_DEVICE_CLASS(klass);

    dc->desc = "VFIO PCI device with cache-coherent memory as guest RAM";
    /* The guest can take such memory only at boot. */
    dc->hotpluggable = false;
    cdc->default_node_count = 1;

    cdc->parent_realize = pdc->realize;
    cdc->parent_exit = pdc->exit;
    pdc->realize = vfio_pci_coherent_realize;
    pdc->exit = vfio_pci_coherent_exit;
    vc->probe_regions = vfio_pci_coherent_probe_regions;

    device_class_set_props(dc, vfio_pci_coherent_properties);
    object_class_property_set_description(klass,
        VFIO_PCI_COHERENT_PROP_MEMADDR,
        "Guest physical address of the coherent memory in device memory "
        "(0: chosen by the machine)");
    object_class_property_set_description(klass, VFIO_PCI_COHERENT_PROP_BAR,
        "Offer the memory to the guest as this 64-bit BAR (0, 2 or 4) "
        "instead of as RAM in device memory (-1, the default)");
    object_class_property_add(klass, VFIO_PCI_COHERENT_PROP_SIZE, "uint64",
                              vfio_pci_coherent_get_size, NULL, NULL, NULL);
    object_class_property_set_description(klass, VFIO_PCI_COHERENT_PROP_SIZE,
        "Size of the coherent memory in bytes, as the host offers it "
        "(read-only)");
    object_class_property_set_description(klass, VFIO_PCI_COHERENT_PROP_NODE,
        "First of the device's memory-only NUMA nodes (required); the "
        "memory belongs to it");
    object_class_property_set_description(klass,
        VFIO_PCI_COHERENT_PROP_NODE_COUNT,
        "Number of NUMA nodes the device owns, from 'node' on (0: the "
        "device type's default, 1 for vfio-pci-coherent)");
    object_class_property_set_description(klass,
        VFIO_PCI_COHERENT_PROP_ONLINE,
        "Who onlines the memory in the guest: driver-managed (the device's "
        "driver, as on bare metal) or boot");

    mdc->get_addr = vfio_pci_coherent_md_get_addr;
    mdc->set_addr = vfio_pci_coherent_md_set_addr;
    mdc->get_plugged_size = vfio_pci_coherent_md_get_plugged_size;
    mdc->get_memory_region = vfio_pci_coherent_md_get_memory_region;
    mdc->get_min_alignment = vfio_pci_coherent_md_get_min_alignment;
    mdc->fill_device_info = vfio_pci_coherent_md_fill_device_info;
}

/* After the region, a child of the device, is gone. */
static void vfio_pci_coherent_instance_finalize(Object *obj)
{
    VFIOPCICoherent *cd = VFIO_PCI_COHERENT(obj);

    if (cd->mem_map) {
        munmap(cd->mem_map, cd->mem_size);
    }
}

static const TypeInfo vfio_pci_coherent_info = {
    .name = TYPE_VFIO_PCI_COHERENT,
    .parent = TYPE_VFIO_PCI,
    .instance_size = sizeof(VFIOPCICoherent),
    .instance_finalize = vfio_pci_coherent_instance_finalize,
    .class_size = sizeof(VFIOPCICoherentClass),
    .class_init = vfio_pci_coherent_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_MEMORY_DEVICE },
        { }
    },
};

static void vfio_pci_coherent_register_types(void)
{
    type_register_static(&vfio_pci_coherent_info);
}

type_init(vfio_pci_coherent_register_types)
