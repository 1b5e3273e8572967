/*
 * vfio-pci-nvgrace: an NVIDIA Grace GPU's cache-coherent memory as guest RAM
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * On Grace Hopper and Grace Blackwell the CPU reaches the GPU's memory
 * cache-coherently over NVLink-C2C; on the host it is system memory.
 * vfio-pci-coherent maps it into the guest as RAM of the GPU's NUMA
 * nodes.  This subclass adds what is NVIDIA's: one node per MIG instance
 * by default, the _DSD properties of bare-metal Grace firmware that
 * NVIDIA's driver reads, and today's nvgrace-gpu driver, which shows the
 * memory as a fake BAR4 instead of the coherent-memory region.
 *
 * With bar=4 the guest finds the memory in BAR4 and the _DSD gives no
 * base-pa: the layout NVIDIA's driver takes in a VM on GH200, where it
 * then maps its reserved memory at BAR2 (resmem) instead of at 0.
 */

#include "qemu/osdep.h"
#include <linux/vfio.h>

#include "hw/acpi/acpi_aml_interface.h"
#include "hw/acpi/aml-build.h"
#include "hw/core/qdev-prop-internal.h"
#include "hw/qdev-properties.h"
#include "qapi/error.h"
#include "qapi/qapi-types-machine.h"
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "hw/vfio/nvgrace.h"
#include "nvgrace-region.h"
#include "pci-coherent.h"
#include "trace.h"

OBJECT_DECLARE_SIMPLE_TYPE(VFIOPCINvgrace, VFIO_PCI_NVGRACE)

struct VFIOPCINvgrace {
    VFIOPCICoherent parent_obj;

    int memory_source;          /* VfioPciCoherentMemorySource, requested */
};

static void vfio_pci_nvgrace_set_source(VFIOPCINvgrace *nv, int source)
{
    nv->parent_obj.source = source;
    trace_vfio_pci_nvgrace_memory_source(
        VFIO_PCI_DEVICE(nv)->vbasedev.name,
        VfioPciCoherentMemorySource_str(source));
}

/*
 * The GPUs whose memory nvgrace-gpu shows as BAR4: its device table (Linux
 * drivers/vfio/pci/nvgrace-gpu/main.c).  Any other device's BAR4 is a BAR,
 * whatever its shape, even where driver_override binds it to that driver.
 */
static const uint16_t vfio_pci_nvgrace_gpu_ids[] = {
    0x2342, 0x2345, 0x2348,     /* GH200 */
    0x2941,                     /* GB200 */
    0x31c2,                     /* GB300 */
};

static bool vfio_pci_nvgrace_check_gpu(VFIOPCIDevice *vdev, Error **errp)
{
    VFIODevice *vbasedev = &vdev->vbasedev;
    uint16_t ids[2], vendor, device;
    size_t i;
    int ret;

    /* The host's ids: x-pci-vendor-id and the like change only the guest's */
    ret = vbasedev->io_ops->region_read(vbasedev, VFIO_PCI_CONFIG_REGION_INDEX,
                                        PCI_VENDOR_ID, sizeof(ids), ids);
    if (ret != sizeof(ids)) {
        error_setg_errno(errp, ret < 0 ? -ret : EIO,
                         "cannot read the device's PCI ids");
        return false;
    }
    vendor = le16_to_cpu(ids[0]);
    device = le16_to_cpu(ids[1]);
    for (i = 0; i < ARRAY_SIZE(vfio_pci_nvgrace_gpu_ids); i++) {
        if (vendor == PCI_VENDOR_ID_NVIDIA &&
            device == vfio_pci_nvgrace_gpu_ids[i]) {
            return true;
        }
    }
    error_setg(errp, "%04x:%04x is not a GPU whose memory nvgrace-gpu shows "
               "as BAR%d", vendor, device, VFIO_PCI_NVGRACE_MEMORY_BAR);
    return false;
}

/*
 * Linux's nvgrace-gpu (6.9+) shows the memory as a fake BAR4: a power of
 * two, whose one sparse-mmap area is the memory that exists.  Take that
 * area; the guest does not get the BAR.
 */
static bool vfio_pci_nvgrace_probe_bar(VFIOPCINvgrace *nv, Error **errp)
{
    VFIOPCIDevice *vdev = VFIO_PCI_DEVICE(nv);
    struct vfio_region_info *info;
    uint64_t size;

    if (!vfio_pci_nvgrace_check_gpu(vdev, errp)) {
        return false;
    }
    if (vfio_device_get_region_info(&vdev->vbasedev,
                                    VFIO_PCI_NVGRACE_MEMORY_BAR, &info) ||
        !info->size) {
        error_setg(errp, "host offers no BAR%d", VFIO_PCI_NVGRACE_MEMORY_BAR);
        return false;
    }
    if (!vfio_nvgrace_bar_memory_size(info, &size, errp)) {
        return false;
    }
    vfio_pci_coherent_set_memory(&nv->parent_obj, info, size);
    vfio_pci_nvgrace_set_source(nv, VFIO_PCI_COHERENT_MEMORY_SOURCE_BAR);
    vfio_pci_hide_bar(vdev, VFIO_PCI_NVGRACE_MEMORY_BAR);
    return true;
}

/*
 * Where the host offers the GPU memory, decided here only, once vfio-pci
 * knows the device's regions and before it sets up the BARs: the
 * coherent-memory region when there is one (it is exact), else the fake
 * BAR of today's nvgrace-gpu driver; 'memory-source' can insist on one.
 */
static bool vfio_pci_nvgrace_probe_regions(VFIOPCIDevice *vdev, Error **errp)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(vdev);
    Error *bar_err = NULL;

    if (nv->memory_source != VFIO_PCI_COHERENT_MEMORY_SOURCE_BAR &&
        vfio_pci_coherent_find_region(&nv->parent_obj)) {
        vfio_pci_nvgrace_set_source(nv,
                                    VFIO_PCI_COHERENT_MEMORY_SOURCE_REGION);
        /*
         * nvgrace-gpu offers the same memory as BAR4 as well: the guest
         * has it as RAM, not again as a BAR, and QEMU does not map it
         * twice (a memory error would be reported for both mappings).
         */
        vfio_pci_hide_bar(vdev, VFIO_PCI_NVGRACE_MEMORY_BAR);
        return true;
    }
    if (nv->memory_source != VFIO_PCI_COHERENT_MEMORY_SOURCE_REGION) {
        if (vfio_pci_nvgrace_probe_bar(nv, &bar_err)) {
            return true;
        }
        if (nv->memory_source == VFIO_PCI_COHERENT_MEMORY_SOURCE_BAR) {
            error_propagate_prepend(errp, bar_err, "'"
                                    VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE
                                    "=bar': ");
            return false;
        }
    }
    error_setg(errp, "host offers no coherent-memory region (device-specific "
               "region type 0x%x subtype %u)%s%s",
               VFIO_REGION_TYPE_MEM, VFIO_REGION_SUBTYPE_MEM_COHERENT,
               bar_err ? " and " : "",
               bar_err ? error_get_pretty(bar_err) : "");
    error_append_hint(errp, "Is the GPU bound to a VFIO driver that exposes "
                      "its coherent memory (nvgrace-gpu)?  The trace event "
                      "vfio_device_get_region_info_type lists the regions "
                      "the host offers.\n");
    error_free(bar_err);
    return false;
}

/*
 * On the BAR, Linux 6.19+ maps the memory only while the GPU's memory
 * decode is on and it is in D0, and unmaps it when either changes: the
 * guest's RAM must not depend on the guest's (or vfio-pci's own reset's)
 * COMMAND and power-state writes.  Hold both on the host; the guest keeps
 * its own view of them.
 */
static bool vfio_pci_nvgrace_hold_decode(VFIOPCINvgrace *nv, Error **errp)
{
    VFIOPCIDevice *vdev = VFIO_PCI_DEVICE(nv);
    PCIDevice *pdev = PCI_DEVICE(nv);

    if (nv->parent_obj.source != VFIO_PCI_COHERENT_MEMORY_SOURCE_BAR) {
        return true;
    }
    if (!vfio_pci_hold_host_config(vdev, PCI_COMMAND, PCI_COMMAND_MEMORY,
                                   PCI_COMMAND_MEMORY, 2, errp)) {
        return false;
    }
    return !pdev->pm_cap ||
           vfio_pci_hold_host_config(vdev, pdev->pm_cap + PCI_PM_CTRL,
                                     PCI_PM_CTRL_STATE_MASK, 0, 2, errp);
}

/* The device ids NVIDIA's driver takes for a self-hosted Hopper (GH200). */
#define VFIO_PCI_NVGRACE_HOPPER_FIRST_ID 0x2340
#define VFIO_PCI_NVGRACE_HOPPER_LAST_ID 0x237f

/*
 * NVIDIA's driver on a self-hosted Hopper in a VM maps the memory its
 * resource manager keeps at rsvd_mem_pa, which it sets (to BAR2) only
 * without base-pa: with the memory in device memory that is guest
 * physical 0.
 */
static void vfio_pci_nvgrace_check_hopper_layout(VFIOPCINvgrace *nv)
{
    VFIOPCICoherent *cd = &nv->parent_obj;
    uint32_t id = cd->parent_obj.device_id;

    if (id < VFIO_PCI_NVGRACE_HOPPER_FIRST_ID ||
        id > VFIO_PCI_NVGRACE_HOPPER_LAST_ID || cd->bar >= 0 ||
        cd->online != VFIO_PCI_COHERENT_ONLINE_DRIVER_MANAGED) {
        return;
    }
    warn_report("%s %s: on GH200 NVIDIA's guest driver maps the memory it "
                "keeps at guest physical 0 unless the GPU memory is BAR4: "
                "set " VFIO_PCI_COHERENT_PROP_BAR "=%d for that driver",
                TYPE_VFIO_PCI_NVGRACE, cd->parent_obj.vbasedev.name,
                VFIO_PCI_NVGRACE_MEMORY_BAR);
}

static bool vfio_pci_nvgrace_prepare_memory(VFIOPCICoherent *cd,
                                            Error **errp)
{
    VFIOPCINvgrace *nv = VFIO_PCI_NVGRACE(cd);
    PCIDevice *pdev = PCI_DEVICE(nv);

    if (cd->bar >= 0 && cd->bar != VFIO_PCI_NVGRACE_MEMORY_BAR) {
        error_setg(errp, "'" VFIO_PCI_COHERENT_PROP_BAR "' %d: NVIDIA's "
                   "driver takes the GPU memory from BAR%d only", cd->bar,
                   VFIO_PCI_NVGRACE_MEMORY_BAR);
        return false;
    }
    if (!vfio_pci_nvgrace_hold_decode(nv, errp)) {
        return false;
    }
    vfio_pci_nvgrace_check_hopper_layout(nv);
    if (pdev->devfn) {
        warn_report("%s %s at %02x.%x: NVIDIA's guest driver reads the "
                    "Generic Initiator entries only for a GPU at device 0 "
                    "function 0 (behind a pcie-root-port); here it falls "
                    "back to _DSD nvidia,gpu-mem-pxm-start/count",
                    TYPE_VFIO_PCI_NVGRACE, cd->parent_obj.vbasedev.name,
                    PCI_SLOT(pdev->devfn), PCI_FUNC(pdev->devfn));
    }
    return true;
}

/*
 * Guest ABI: the device properties (_DSD, UUID daffd814-...) that bare-metal
 * Grace firmware puts on the GPU's PCI device node and that NVIDIA's driver
 * reads to find the memory and its NUMA nodes.
 */
static void vfio_pci_nvgrace_append_dsd_prop(Aml *props, const char *name,
                                             uint64_t value)
{
    Aml *prop = aml_package(2);

    aml_append(prop, aml_string("%s", name));
    aml_append(prop, aml_int(value));
    aml_append(props, prop);
}

static void vfio_pci_nvgrace_build_aml(AcpiDevAmlIf *adev, Aml *scope)
{
    VFIOPCICoherent *cd = VFIO_PCI_COHERENT(adev);
    bool in_bar = cd->bar >= 0;
    Aml *props = aml_package(in_bar ? 2 : 4);
    Aml *dsd = aml_package(2);

    trace_vfio_pci_nvgrace_build_dsd(cd->parent_obj.vbasedev.name,
                                     cd->memaddr, cd->mem_size,
                                     cd->node, cd->node_count);
    /*
     * Without base-pa, in a VM, NVIDIA's driver takes the memory from
     * BAR4 and its reserved memory (GH200's resmem) from BAR2.
     */
    if (!in_bar) {
        vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-base-pa",
                                         cd->memaddr);
        vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-size",
                                         cd->mem_size);
    }
    vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-pxm-start",
                                     cd->node);
    vfio_pci_nvgrace_append_dsd_prop(props, "nvidia,gpu-mem-pxm-count",
                                     cd->node_count);
    aml_append(dsd, aml_touuid("DAFFD814-6EBA-4D8C-8A91-BC9BBF4AA301"));
    aml_append(dsd, props);
    aml_append(scope, aml_name_decl("_DSD", dsd));
}

static const PropertyInfo vfio_pci_nvgrace_prop_memory_source = {
    .type = "VfioPciCoherentMemorySource",
    .enum_table = &VfioPciCoherentMemorySource_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

static const Property vfio_pci_nvgrace_properties[] = {
    DEFINE_PROP_SIGNED(VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE, VFIOPCINvgrace,
                       memory_source, VFIO_PCI_COHERENT_MEMORY_SOURCE_AUTO,
                       vfio_pci_nvgrace_prop_memory_source, int),
};

static void vfio_pci_nvgrace_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VFIOPCIDeviceClass *vc = VFIO_PCI_DEVICE_CLASS(klass);
    VFIOPCICoherentClass *cdc = VFIO_PCI_COHERENT_CLASS(klass);
    AcpiDevAmlIfClass *adevc = ACPI_DEV_AML_IF_CLASS(klass);

    dc->desc = "VFIO NVIDIA Grace GPU with coherent memory as guest RAM";
    cdc->default_node_count = VFIO_PCI_NVGRACE_DEFAULT_NODE_COUNT;
    cdc->prepare_memory = vfio_pci_nvgrace_prepare_memory;
    vc->probe_regions = vfio_pci_nvgrace_probe_regions;

    device_class_set_props(dc, vfio_pci_nvgrace_properties);
    object_class_property_set_description(klass,
        VFIO_PCI_NVGRACE_PROP_MEMORY_SOURCE,
        "Where the host offers the GPU memory: auto (the device-specific "
        "region if there is one, else nvgrace-gpu's BAR4), region or bar");

    adevc->build_dev_aml = vfio_pci_nvgrace_build_aml;
}

static const TypeInfo vfio_pci_nvgrace_info = {
    .name = TYPE_VFIO_PCI_NVGRACE,
    .parent = TYPE_VFIO_PCI_COHERENT,
    .instance_size = sizeof(VFIOPCINvgrace),
    .class_init = vfio_pci_nvgrace_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_ACPI_DEV_AML_IF },
        { }
    },
};

static void vfio_pci_nvgrace_register_types(void)
{
    type_register_static(&vfio_pci_nvgrace_info);
}

type_init(vfio_pci_nvgrace_register_types)
