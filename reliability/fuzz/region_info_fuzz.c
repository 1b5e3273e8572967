/*
 * libFuzzer harness for the region-info parsing vfio-pci-nvgrace relies
 * on: the bounded capability-chain walk (hw/vfio/helpers.c), the type
 * capability as vfio_device_get_region_info_type() reads it, and what the
 * device reads from BAR4's info (hw/vfio/nvgrace-region.c).
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The input is a struct vfio_region_info with its capabilities, as a host
 * would return it.  It is copied into a buffer of exactly its size, so
 * that AddressSanitizer sees any read past it, and argsz is clamped to
 * that size, as vfio_device_get_region_info() guarantees (it never keeps
 * a reply that asks for more room than its buffer).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/units.h"
#include "hw/vfio/vfio-device.h"
#include "vfio-helpers.h"
#include "nvgrace-region.h"

#ifdef CONFIG_KVM
/* helpers.c's KVM device code, which the parsing never reaches. */
bool kvm_allowed;
KVMState *kvm_state;
void kvm_close(void)
{
}
int kvm_vm_ioctl(KVMState *s, unsigned long type, ...)
{
    abort();
}
#endif

static void check_cap(struct vfio_region_info *info, uint16_t id)
{
    struct vfio_info_cap_header *hdr = vfio_get_region_info_cap(info, id);

    if (hdr) {
        size_t at = (uint8_t *)hdr - (uint8_t *)info;

        /*
         * The walk hands out only headers inside what the host filled,
         * past the fixed part up to cap_offset.
         */
        assert(at >= endof(struct vfio_region_info, cap_offset) &&
               at + sizeof(*hdr) <= info->argsz);
        assert(hdr->id == id);
    }
}

/* As vfio_device_get_region_info_type() reads a region's type. */
static uint32_t read_type(struct vfio_region_info *info)
{
    struct vfio_info_cap_header *hdr;
    struct vfio_region_info_cap_type *cap;

    hdr = vfio_get_region_info_cap(info, VFIO_REGION_INFO_CAP_TYPE);
    if (!hdr || !vfio_region_info_cap_fits(info, hdr, sizeof(*cap))) {
        return 0;
    }
    cap = container_of(hdr, struct vfio_region_info_cap_type, header);
    return cap->type ^ cap->subtype;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vfio_region_info *info;
    volatile uint32_t type;
    Error *err = NULL;
    uint64_t mem;

    if (size < sizeof(*info) || size > 64 * KiB) {
        return 0;
    }
    info = g_malloc(size);
    memcpy(info, data, size);
    info->argsz = MIN(info->argsz, size);

    check_cap(info, VFIO_REGION_INFO_CAP_TYPE);
    check_cap(info, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
    type = read_type(info);
    (void)type;
    if (vfio_nvgrace_bar_memory_size(info, &mem, &err)) {
        assert(mem && mem <= info->size &&
               QEMU_IS_ALIGNED(mem, qemu_real_host_page_size()));
    } else {
        assert(err);
        error_free(err);
    }
    g_free(info);
    return 0;
}
