/*
 * Emulated GH200/GB200 host: /dev/iommu and the vfio device cdev
 * (/dev/vfio/devices/vfioN), following Linux 7.3's iommufd and
 * vfio_iommufd.c, as far as QEMU's iommufd backend and vfio-probe use them.
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vfio-uapi.h"

#include "nvgrace-host.h"

#define EMU_IOMMUFD_OBJS    64

enum emu_obj_kind {
    EMU_OBJ_FREE,
    EMU_OBJ_IOAS,
    EMU_OBJ_HWPT,       /* a paging domain on an IOAS */
    EMU_OBJ_DEVICE,     /* a bound device's id */
};

struct emu_obj {
    enum emu_obj_kind kind;
    struct emu_container *ioas;     /* IOAS, and the HWPT's */
    uint32_t parent;                /* a HWPT's IOAS */
    int users;                      /* HWPTs on an IOAS, devices on a HWPT */
};

/*
 * One iommufd context: its objects are indexed by id - 1.  Held by its
 * file and by each device bound to it.
 */
struct emu_iommufd {
    int refs;
    struct emu_obj obj[EMU_IOMMUFD_OBJS];
};

static struct emu_obj *obj_get(struct emu_iommufd *ictx, uint32_t id,
                               enum emu_obj_kind kind)
{
    if (!id || id > EMU_IOMMUFD_OBJS || ictx->obj[id - 1].kind != kind) {
        return NULL;
    }
    return &ictx->obj[id - 1];
}

/* A new object's id, or 0 when the table is full. */
static uint32_t obj_new(struct emu_iommufd *ictx, enum emu_obj_kind kind,
                        struct emu_container *ioas, uint32_t parent)
{
    uint32_t i;

    for (i = 0; i < EMU_IOMMUFD_OBJS; i++) {
        if (ictx->obj[i].kind == EMU_OBJ_FREE) {
            ictx->obj[i] = (struct emu_obj) {
                .kind = kind, .ioas = ioas, .parent = parent,
            };
            return i + 1;
        }
    }
    return 0;
}

int emu_iommufd_new(void)
{
    struct emu_iommufd *ictx = calloc(1, sizeof(*ictx));
    int fd;

    if (!ictx) {
        return -ENOMEM;
    }
    ictx->refs = 1;
    fd = emu_new_file(EMU_FILE_IOMMUFD, NULL, NULL);
    if (fd < 0) {
        free(ictx);
        return fd;
    }
    emu_file_get(fd)->ictx = ictx;
    return fd;
}

void emu_iommufd_put(struct emu_iommufd *ictx)
{
    unsigned i;

    if (--ictx->refs) {
        return;
    }
    for (i = 0; i < EMU_IOMMUFD_OBJS; i++) {
        if (ictx->obj[i].kind == EMU_OBJ_IOAS) {
            emu_container_put(ictx->obj[i].ioas);
        }
    }
    free(ictx);
}

static int ioas_alloc(struct emu_iommufd *ictx, struct iommu_ioas_alloc *cmd)
{
    struct emu_container *ioas;

    if (cmd->size < sizeof(*cmd) || cmd->flags) {
        return -EOPNOTSUPP;
    }
    ioas = emu_container_new(true);
    if (!ioas) {
        return -ENOMEM;
    }
    cmd->out_ioas_id = obj_new(ictx, EMU_OBJ_IOAS, ioas, 0);
    if (!cmd->out_ioas_id) {
        emu_container_put(ioas);
        return -ENOSPC;
    }
    return 0;
}

/* An object in use (an IOAS with domains, a domain with devices): EBUSY. */
static int obj_destroy(struct emu_iommufd *ictx, struct iommu_destroy *cmd)
{
    struct emu_obj *o;

    if (cmd->size < sizeof(*cmd) || !cmd->id ||
        cmd->id > EMU_IOMMUFD_OBJS) {
        return -ENOENT;
    }
    o = &ictx->obj[cmd->id - 1];
    switch (o->kind) {
    case EMU_OBJ_IOAS:
        if (o->users || o->ioas->groups) {
            return -EBUSY;
        }
        emu_container_put(o->ioas);
        break;
    case EMU_OBJ_HWPT:
        if (o->users) {
            return -EBUSY;
        }
        ictx->obj[o->parent - 1].users--;
        break;
    default:
        return -ENOENT;
    }
    o->kind = EMU_OBJ_FREE;
    return 0;
}

static int ioas_iova_ranges(struct emu_iommufd *ictx,
                            struct iommu_ioas_iova_ranges *cmd)
{
    struct iommu_iova_range range = {
        .start = 0, .last = (1ULL << EMU_IOVA_BITS) - 1,
    };

    if (cmd->size < sizeof(*cmd) || cmd->__reserved) {
        return -EOPNOTSUPP;
    }
    if (!obj_get(ictx, cmd->ioas_id, EMU_OBJ_IOAS)) {
        return -ENOENT;
    }
    cmd->out_iova_alignment = EMU_PAGE_SIZE;
    if (cmd->num_iovas < 1) {
        cmd->num_iovas = 1;
        return -EMSGSIZE;
    }
    cmd->num_iovas = 1;
    memcpy((void *)(uintptr_t)cmd->allowed_iovas, &range, sizeof(range));
    return 0;
}

static bool map_flags_valid(uint32_t flags)
{
    return !(flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
                       IOMMU_IOAS_MAP_READABLE)) &&
           (flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE));
}

/*
 * IOMMU_IOAS_MAP pins the pages at user_va with get_user_pages: the GPU
 * memory, VM_PFNMAP on Linux, fails with EFAULT.  The model maps only at
 * the IOVA it is given (QEMU always gives one).
 */
static int ioas_map(struct emu_iommufd *ictx, struct iommu_ioas_map *cmd)
{
    struct emu_obj *o = obj_get(ictx, cmd->ioas_id, EMU_OBJ_IOAS);
    int64_t mem_off;
    bool gated;

    if (cmd->size < sizeof(*cmd) || cmd->__reserved ||
        !map_flags_valid(cmd->flags)) {
        return -EOPNOTSUPP;
    }
    if (!o) {
        return -ENOENT;
    }
    if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA) ||
        cmd->user_va & (EMU_PAGE_SIZE - 1)) {
        return -EINVAL;
    }
    if (emu_dma_coherent_owner(cmd->user_va, cmd->length, &mem_off,
                               &gated)) {
        return -EFAULT;
    }
    return emu_dma_add(o->ioas, &(struct emu_dma) {
        .iova = cmd->iova, .size = cmd->length, .vaddr = cmd->user_va,
    }, 0);
}

/*
 * IOMMU_IOAS_MAP_FILE: a memfd, or a dma-buf that vfio exported.  A
 * dma-buf that is revoked cannot be mapped (ENODEV from
 * vfio_pci_dma_buf_iommufd_map()); one of several ranges neither.
 */
static int ioas_map_file(struct emu_iommufd *ictx,
                         struct iommu_ioas_map_file *cmd)
{
    struct emu_obj *o = obj_get(ictx, cmd->ioas_id, EMU_OBJ_IOAS);
    struct emu_file *buf = emu_file_get(cmd->fd);
    struct emu_dma map = { .iova = cmd->iova, .size = cmd->length };
    uint64_t end;

    if (cmd->size < sizeof(*cmd) || !map_flags_valid(cmd->flags)) {
        return -EOPNOTSUPP;
    }
    if (!o) {
        return -ENOENT;
    }
    if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA)) {
        return -EINVAL;
    }
    if (buf && buf->kind != EMU_FILE_DMABUF) {
        return -EINVAL;
    }
    if (buf) {
        if (buf->nr_ranges != 1 ||
            __builtin_add_overflow(cmd->start, cmd->length, &end) ||
            end > buf->length) {
            return -EINVAL;
        }
        if (emu_dmabuf_revoked(buf->gpu, buf->region)) {
            return -ENODEV;
        }
        map.exporter = buf->gpu;
        map.region = buf->region;
        if (emu_region_is_usemem(buf->gpu, buf->region)) {
            map.coherent = buf->gpu;
        }
        return emu_dma_add(o->ioas, &map, buf->offset + cmd->start);
    }
    return emu_dma_add(o->ioas, &map, 0);
}

static int ioas_unmap(struct emu_iommufd *ictx, struct iommu_ioas_unmap *cmd)
{
    struct emu_obj *o = obj_get(ictx, cmd->ioas_id, EMU_OBJ_IOAS);
    uint64_t start = cmd->iova, end, unmapped;
    int ret;

    if (cmd->size < sizeof(*cmd)) {
        return -EOPNOTSUPP;
    }
    if (!o) {
        return -ENOENT;
    }
    if (!cmd->iova && cmd->length == UINT64_MAX) {
        end = UINT64_MAX;
    } else if (__builtin_add_overflow(start, cmd->length, &end)) {
        return -EOVERFLOW;
    }
    /* iommufd: a range that splits a mapping, or none in it, is ENOENT */
    ret = emu_dma_remove(o->ioas, start, end, &unmapped);
    if (ret || (!unmapped && end != UINT64_MAX)) {
        return -ENOENT;
    }
    cmd->length = unmapped;
    return 0;
}

/* A paging domain for the device, on an IOAS; no dirty tracking. */
static int hwpt_alloc(struct emu_iommufd *ictx, struct iommu_hwpt_alloc *cmd)
{
    struct emu_obj *ioas = obj_get(ictx, cmd->pt_id, EMU_OBJ_IOAS);

    if (cmd->size < offsetof(struct iommu_hwpt_alloc, __reserved) ||
        cmd->data_type != IOMMU_HWPT_DATA_NONE) {
        return -EOPNOTSUPP;
    }
    if (cmd->flags & ~IOMMU_HWPT_ALLOC_NEST_PARENT) {
        return -EOPNOTSUPP;
    }
    if (!obj_get(ictx, cmd->dev_id, EMU_OBJ_DEVICE) || !ioas) {
        return -ENOENT;
    }
    cmd->out_hwpt_id = obj_new(ictx, EMU_OBJ_HWPT, ioas->ioas,
                               cmd->pt_id);
    if (!cmd->out_hwpt_id) {
        return -ENOSPC;
    }
    ioas->users++;
    return 0;
}

/*
 * IOMMU_IOAS_CHANGE_PROCESS moves the pinned pages' accounting to the
 * caller (live update); only memfd mappings can move: a mapping by address
 * or of a dma-buf fails it (EINVAL).  Accounting is not modelled.
 */
static int ioas_change_process(struct emu_iommufd *ictx,
                               struct iommu_ioas_change_process *cmd)
{
    unsigned i;
    size_t d;

    if (cmd->size < sizeof(*cmd) || cmd->__reserved) {
        return -EOPNOTSUPP;
    }
    for (i = 0; i < EMU_IOMMUFD_OBJS; i++) {
        const struct emu_container *ioas = ictx->obj[i].ioas;

        for (d = 0; ictx->obj[i].kind == EMU_OBJ_IOAS && d < ioas->nr_dma;
             d++) {
            if (ioas->dma[d].vaddr || ioas->dma[d].exporter) {
                return -EINVAL;
            }
        }
    }
    return 0;
}

/* No IOMMU-specific data: the model's IOMMU has no driver of its own. */
static int get_hw_info(struct emu_iommufd *ictx, struct iommu_hw_info *cmd)
{
    if (cmd->size < offsetof(struct iommu_hw_info, out_capabilities) +
                    sizeof(cmd->out_capabilities)) {
        return -EINVAL;
    }
    if (!obj_get(ictx, cmd->dev_id, EMU_OBJ_DEVICE)) {
        return -ENOENT;
    }
    cmd->data_len = 0;
    cmd->out_data_type = IOMMU_HW_INFO_TYPE_NONE;
    cmd->out_capabilities = 0;
    cmd->out_max_pasid_log2 = 0;
    return 0;
}

int emu_iommufd_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
    switch (req) {
    case IOMMU_IOAS_ALLOC:
        return ioas_alloc(f->ictx, arg);
    case IOMMU_DESTROY:
        return obj_destroy(f->ictx, arg);
    case IOMMU_IOAS_IOVA_RANGES:
        return ioas_iova_ranges(f->ictx, arg);
    case IOMMU_IOAS_MAP:
        return ioas_map(f->ictx, arg);
    case IOMMU_IOAS_MAP_FILE:
        return ioas_map_file(f->ictx, arg);
    case IOMMU_IOAS_UNMAP:
        return ioas_unmap(f->ictx, arg);
    case IOMMU_HWPT_ALLOC:
        return hwpt_alloc(f->ictx, arg);
    case IOMMU_GET_HW_INFO:
        return get_hw_info(f->ictx, arg);
    case IOMMU_IOAS_CHANGE_PROCESS:
        return ioas_change_process(f->ictx, arg);
    default:
        /* No vIOMMU objects, no dirty tracking, no fault queues. */
        return -ENOTTY;
    }
}

/* The IOAS behind @pt_id, an IOAS or a HWPT; the HWPT's object in *hwpt. */
static struct emu_container *pt_ioas(struct emu_iommufd *ictx, uint32_t pt_id,
                                     struct emu_obj **hwpt)
{
    struct emu_obj *o = obj_get(ictx, pt_id, EMU_OBJ_IOAS);

    *hwpt = NULL;
    if (o) {
        return o->ioas;
    }
    *hwpt = obj_get(ictx, pt_id, EMU_OBJ_HWPT);
    return *hwpt ? (*hwpt)->ioas : NULL;
}

static void cdev_detach(struct emu_file *f)
{
    if (!f->container) {
        return;
    }
    if (f->hwpt) {
        f->ictx->obj[f->hwpt - 1].users--;
        f->hwpt = 0;
    }
    emu_container_detach(f->container, f->gpu);
    f->container = NULL;
}

/*
 * A vfio cdev does nothing until it is bound to an iommufd
 * (vfio_device_fops_unl_ioctl(): EINVAL); attaching it to an IOAS or a
 * HWPT replaces what it was attached to.
 */
int emu_cdev_ioctl(struct emu_file *f, unsigned long req, void *arg)
{
    switch (req) {
    case VFIO_DEVICE_BIND_IOMMUFD: {
        struct vfio_device_bind_iommufd *bind = arg;
        struct emu_file *fd_file = emu_file_get(bind->iommufd);

        if (bind->argsz < offsetof(struct vfio_device_bind_iommufd,
                                   out_devid) + sizeof(bind->out_devid) ||
            bind->flags || f->ictx) {
            return -EINVAL;
        }
        if (!fd_file || fd_file->kind != EMU_FILE_IOMMUFD) {
            return -EBADF;
        }
        f->devid = obj_new(fd_file->ictx, EMU_OBJ_DEVICE, NULL, 0);
        if (!f->devid) {
            return -ENOSPC;
        }
        f->ictx = fd_file->ictx;
        f->ictx->refs++;
        bind->out_devid = f->devid;
        return 0;
    }
    case VFIO_DEVICE_ATTACH_IOMMUFD_PT: {
        struct vfio_device_attach_iommufd_pt *attach = arg;
        struct emu_container *ioas;
        struct emu_obj *hwpt;

        if (!f->ictx || attach->argsz < offsetof(
                struct vfio_device_attach_iommufd_pt, pt_id) +
                sizeof(attach->pt_id) || attach->flags) {
            return -EINVAL;
        }
        ioas = pt_ioas(f->ictx, attach->pt_id, &hwpt);
        if (!ioas) {
            return -ENOENT;
        }
        cdev_detach(f);
        emu_container_attach(ioas, f->gpu);
        f->container = ioas;
        if (hwpt) {
            hwpt->users++;
            f->hwpt = attach->pt_id;
        }
        return 0;
    }
    case VFIO_DEVICE_DETACH_IOMMUFD_PT: {
        struct vfio_device_detach_iommufd_pt *detach = arg;

        if (!f->ictx || detach->argsz < offsetof(
                struct vfio_device_detach_iommufd_pt, flags) +
                sizeof(detach->flags) || detach->flags) {
            return -EINVAL;
        }
        cdev_detach(f);
        return 0;
    }
    default:
        return f->ictx ? -EMU_NOT_CDEV_IOCTL : -EINVAL;
    }
}

/* Closing the cdev detaches and unbinds it. */
void emu_cdev_release(struct emu_file *f)
{
    if (!f->ictx) {
        return;
    }
    cdev_detach(f);
    f->ictx->obj[f->devid - 1].kind = EMU_OBJ_FREE;
    emu_iommufd_put(f->ictx);
    f->ictx = NULL;
}
