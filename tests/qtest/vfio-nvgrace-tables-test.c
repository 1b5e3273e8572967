/*
 * QTest: how virt describes vfio-pci-nvgrace memory to the guest
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Reads the ACPI tables the way firmware does, through fw_cfg, and the
 * device tree through QMP dumpdtb, decodes them and checks what NVIDIA's
 * guest driver and Linux look for: SRAT Memory Affinity and Generic
 * Initiator entries, the _DSD device properties under the GPU's PCI node,
 * SLIT and HMAT for the GPU nodes, and /memory nodes.  The SRAT, DSDT, SLIT
 * and HMAT of each configuration are also compared with the expected tables
 * in tests/data/acpi/aarch64/virt/ (NVGRACE_REBUILD_EXPECTED=1 rewrites
 * them; the tables in bios-tables-test-allowed-diff.h are not compared,
 * as in bios-tables-test).  Runs on the emulated host (see
 * vfio-nvgrace-host.h).
 */

#include "qemu/osdep.h"
#include <libfdt.h>
#include "qemu/bswap.h"
#include "hw/pci/pci_regs.h"
#include "qemu/units.h"
#include "qobject/qdict.h"
#include "acpi-utils.h"
#include "libqos/fw_cfg.h"
#include "vfio-nvgrace-host.h"

#define EXPECTED_DIR "tests/data/acpi/aarch64/virt"

#define VIRT_FW_CFG_BASE 0x09020000ULL

#define SRAT_MEMORY 1
#define SRAT_GICC 3
#define SRAT_GENERIC_INITIATOR 5
#define SRAT_MEM_ENABLED 1
#define SRAT_MEM_HOTPLUGGABLE 2
#define SRAT_MEM_BOTH (SRAT_MEM_ENABLED | SRAT_MEM_HOTPLUGGABLE)

#define MAX_ENTRIES 64

#define DEVFN(slot, fn) ((slot) << 3 | (fn))

/* ---- Reading the guest's view: fw_cfg files, ACPI tables, the DTB ---- */

/* The contents of fw_cfg file @name, as firmware would read it. */
static GByteArray *fw_cfg_file(QTestState *qts, const char *name)
{
    g_autoptr(QFWCFG) fw_cfg = mmio_fw_cfg_init(qts, VIRT_FW_CFG_BASE);
    GByteArray *data = g_byte_array_new();
    size_t len = qfw_cfg_get_file(fw_cfg, name, NULL, 0);

    g_assert_cmpuint(len, >, 0);
    g_byte_array_set_size(data, len);
    g_assert_cmpuint(qfw_cfg_get_file(fw_cfg, name, data->data, len), ==,
                     len);
    return data;
}

typedef struct AcpiTables {
    GByteArray *blob;           /* etc/acpi/tables */
    GPtrArray *tables;          /* each a GByteArray, checksum filled in */
} AcpiTables;

static GByteArray *acpi_copy_table(GByteArray *blob, uint64_t offset)
{
    GByteArray *table;
    uint32_t len;

    g_assert_cmpuint(offset + 36, <=, blob->len);
    len = ldl_le_p(blob->data + offset + 4);
    g_assert_cmpuint(offset + len, <=, blob->len);
    table = g_byte_array_sized_new(len);
    g_byte_array_append(table, blob->data + offset, len);
    /* Fill in the checksum, as the firmware's loader does. */
    table->data[9] = 0;
    table->data[9] = -acpi_calc_checksum(table->data, len);
    return table;
}

/*
 * Firmware links the tables by patching pointers; unpatched, each pointer
 * is the table's offset in etc/acpi/tables.  Walk RSDP -> XSDT -> tables,
 * and FADT -> DSDT.
 */
static AcpiTables acpi_tables_read(QTestState *qts)
{
    g_autoptr(GByteArray) rsdp = fw_cfg_file(qts, "etc/acpi/rsdp");
    AcpiTables t = {
        .blob = fw_cfg_file(qts, "etc/acpi/tables"),
        .tables = g_ptr_array_new_with_free_func(
                      (GDestroyNotify)g_byte_array_unref),
    };
    g_autoptr(GByteArray) xsdt = NULL;
    uint32_t i;

    g_assert_cmpmem(rsdp->data, 8, "RSD PTR ", 8);
    xsdt = acpi_copy_table(t.blob, ldq_le_p(rsdp->data + 24));
    g_assert_cmpmem(xsdt->data, 4, "XSDT", 4);
    for (i = 36; i + 8 <= xsdt->len; i += 8) {
        GByteArray *table = acpi_copy_table(t.blob,
                                            ldq_le_p(xsdt->data + i));

        g_ptr_array_add(t.tables, table);
        if (!memcmp(table->data, "FACP", 4)) {
            /* X_DSDT */
            g_ptr_array_add(t.tables,
                            acpi_copy_table(t.blob,
                                            ldq_le_p(table->data + 140)));
        }
    }
    return t;
}

static void acpi_tables_free(AcpiTables *t)
{
    g_byte_array_unref(t->blob);
    g_ptr_array_unref(t->tables);
}

static GByteArray *acpi_table(AcpiTables *t, const char *sig)
{
    guint i;

    for (i = 0; i < t->tables->len; i++) {
        GByteArray *table = g_ptr_array_index(t->tables, i);

        if (!memcmp(table->data, sig, 4)) {
            return table;
        }
    }
    return NULL;
}

/*
 * Tables that a patch series is changing, listed by its first patch and
 * cleared by its last, as bios-tables-test does.
 */
static bool table_may_differ(const char *path)
{
    static const char *const allowed_diff[] = {
#include "bios-tables-test-allowed-diff.h"
        NULL
    };
    int i;

    for (i = 0; allowed_diff[i]; i++) {
        if (!strcmp(allowed_diff[i], path)) {
            return true;
        }
    }
    return false;
}

/*
 * The table must be what tests/data/acpi/aarch64/virt/<SIG>.<variant>
 * holds; its iasl disassembly is kept beside this project for review.
 */
static void acpi_table_check_expected(GByteArray *table, const char *variant)
{
    g_autofree char *path = g_strdup_printf(EXPECTED_DIR "/%.4s.%s",
                                            (char *)table->data, variant);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;

    if (g_getenv("NVGRACE_REBUILD_EXPECTED")) {
        g_assert(g_file_set_contents(path, (char *)table->data, table->len,
                                     &err));
        return;
    }
    if (!g_file_get_contents(path, &expected, &len, &err)) {
        g_error("%s: %s (NVGRACE_REBUILD_EXPECTED=1 writes it)", path,
                err->message);
    }
    if (table_may_differ(path)) {
        g_test_message("%s may differ: not compared", path);
        return;
    }
    if (len != table->len || memcmp(expected, table->data, len)) {
        g_autofree char *actual = g_strdup_printf("%s/%.4s.%s.actual",
                                                  g_get_tmp_dir(),
                                                  (char *)table->data,
                                                  variant);

        g_assert(g_file_set_contents(actual, (char *)table->data,
                                     table->len, NULL));
        g_error("%.4s differs from %s: see %s (iasl -d)",
                (char *)table->data, path, actual);
    }
}

/* The device tree QEMU gives the guest. */
static void *dtb_read(QTestState *qts)
{
    g_autofree char *path = g_strdup_printf("%s/vfio-nvgrace-%d.dtb",
                                            g_get_tmp_dir(), getpid());
    g_autoptr(GError) err = NULL;
    gchar *dtb;
    gsize len;

    qtest_qmp_assert_success(qts, "{ 'execute': 'dumpdtb', "
                             "'arguments': { 'filename': %s } }", path);
    g_assert(g_file_get_contents(path, &dtb, &len, &err));
    unlink(path);
    g_assert_cmpint(fdt_check_header(dtb), ==, 0);
    return dtb;
}

/* ---- SRAT ---- */

typedef struct SratMemory {
    uint32_t node;
    uint64_t base;
    uint64_t len;
    uint32_t flags;
} SratMemory;

typedef struct SratInitiator {
    uint32_t node;
    uint16_t segment;
    uint8_t bus;
    uint8_t devfn;
} SratInitiator;

typedef struct Srat {
    int n_mem, n_gi;
    SratMemory mem[MAX_ENTRIES];
    SratInitiator gi[MAX_ENTRIES];
} Srat;

static void srat_decode(GByteArray *table, Srat *srat)
{
    uint32_t off = 48;          /* header, reserved fields */

    memset(srat, 0, sizeof(*srat));
    while (off < table->len) {
        const uint8_t *e = table->data + off;

        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, table->len);
        switch (e[0]) {
        case SRAT_MEMORY:
            g_assert_cmpuint(e[1], ==, 40);
            g_assert_cmpint(srat->n_mem, <, MAX_ENTRIES);
            srat->mem[srat->n_mem++] = (SratMemory) {
                .node = ldl_le_p(e + 2),
                .base = ldq_le_p(e + 8),
                .len = ldq_le_p(e + 16),
                .flags = ldl_le_p(e + 28),
            };
            break;
        case SRAT_GENERIC_INITIATOR:
            g_assert_cmpuint(e[1], ==, 32);
            g_assert_cmpuint(e[3], ==, 1);          /* PCI device handle */
            g_assert_cmpuint(ldl_le_p(e + 24), ==, 1);  /* enabled */
            g_assert_cmpint(srat->n_gi, <, MAX_ENTRIES);
            /*
             * ACPI 6.3 Table 5-80, Device Handle - PCI: the segment in
             * bytes 0-1, the bus in bits 7:0 of byte 2, the device in bits
             * 7:3 and the function in bits 2:0 of byte 3.  NVIDIA's driver
             * reads the bus from byte 2 too (nv_init_coherent_link_info()).
             */
            srat->gi[srat->n_gi++] = (SratInitiator) {
                .node = ldl_le_p(e + 4),
                .segment = lduw_le_p(e + 8),
                .bus = e[10],
                .devfn = e[11],
            };
            break;
        case SRAT_GICC:
            break;
        default:
            g_error("unexpected SRAT entry type %u", e[0]);
        }
        off += e[1];
    }
    g_assert_cmpuint(off, ==, table->len);
}

static void srat_print(Srat *srat)
{
    int i;

    for (i = 0; i < srat->n_mem; i++) {
        g_test_message("SRAT memory node %u 0x%" PRIx64 "+0x%" PRIx64
                       " flags %u", srat->mem[i].node, srat->mem[i].base,
                       srat->mem[i].len, srat->mem[i].flags);
    }
    for (i = 0; i < srat->n_gi; i++) {
        g_test_message("SRAT generic initiator node %u %04x:%02x:%02x.%x",
                       srat->gi[i].node, srat->gi[i].segment, srat->gi[i].bus,
                       srat->gi[i].devfn >> 3, srat->gi[i].devfn & 7);
    }
}

/* The memory entries, sorted by address, tile the given ranges exactly. */
static void srat_assert_memory(Srat *srat, const SratMemory *expected, int n)
{
    SratMemory sorted[MAX_ENTRIES];
    int i, j;

    memcpy(sorted, srat->mem, sizeof(sorted));
    for (i = 1; i < srat->n_mem; i++) {
        for (j = i; j > 0 && sorted[j - 1].base > sorted[j].base; j--) {
            SratMemory tmp = sorted[j];

            sorted[j] = sorted[j - 1];
            sorted[j - 1] = tmp;
        }
    }
    srat_print(srat);
    g_assert_cmpint(srat->n_mem, ==, n);
    for (i = 0; i < n; i++) {
        g_assert_cmphex(sorted[i].base, ==, expected[i].base);
        g_assert_cmphex(sorted[i].len, ==, expected[i].len);
        g_assert_cmpuint(sorted[i].node, ==, expected[i].node);
        g_assert_cmpuint(sorted[i].flags, ==, expected[i].flags);
        /* No two entries overlap. */
        if (i) {
            g_assert_cmphex(sorted[i - 1].base + sorted[i - 1].len, <=,
                            sorted[i].base);
        }
    }
}

/* Exactly one Generic Initiator per node first..first+count-1 for it. */
static void srat_assert_initiators(Srat *srat, uint32_t first, uint32_t count,
                                   uint8_t bus, uint8_t devfn)
{
    uint32_t node;
    int i, found;

    for (node = first; node < first + count; node++) {
        found = 0;
        for (i = 0; i < srat->n_gi; i++) {
            if (srat->gi[i].node == node) {
                g_assert_cmpuint(srat->gi[i].segment, ==, 0);
                g_assert_cmpuint(srat->gi[i].bus, ==, bus);
                g_assert_cmpuint(srat->gi[i].devfn, ==, devfn);
                found++;
            }
        }
        g_assert_cmpint(found, ==, 1);
    }
}

/* ---- DSDT: the _DSD device properties under each GPU's PCI node ---- */

/* Guest ABI: what bare-metal Grace firmware puts there. */
static const uint8_t dsd_device_properties_uuid[16] = {
    /* daffd814-6eba-4d8c-8a91-bc9bbf4aa301, in ToUUID byte order */
    0x14, 0xd8, 0xff, 0xda, 0xba, 0x6e, 0x8c, 0x4d,
    0x8a, 0x91, 0xbc, 0x9b, 0xbf, 0x4a, 0xa3, 0x01,
};

typedef struct GpuDsd {
    char path[32];              /* the Device() nesting, e.g. "S18.S00" */
    uint64_t base_pa, size, pxm_start, pxm_count;
    uint32_t n_props;
} GpuDsd;

static uint32_t aml_pkg_length(const uint8_t *p, uint32_t *len)
{
    uint32_t bytes = p[0] >> 6, i;

    if (!bytes) {
        *len = p[0] & 0x3f;
        return 1;
    }
    *len = p[0] & 0x0f;
    for (i = 1; i <= bytes; i++) {
        *len |= p[i] << (4 + 8 * (i - 1));
    }
    return bytes + 1;
}

static uint64_t aml_integer(const uint8_t **pp)
{
    const uint8_t *p = *pp;

    switch (p[0]) {
    case 0x00:
        *pp += 1;
        return 0;
    case 0x01:
        *pp += 1;
        return 1;
    case 0x0a:
        *pp += 2;
        return p[1];
    case 0x0b:
        *pp += 3;
        return lduw_le_p(p + 1);
    case 0x0c:
        *pp += 5;
        return (uint32_t)ldl_le_p(p + 1);
    case 0x0e:
        *pp += 9;
        return ldq_le_p(p + 1);
    }
    g_error("AML integer expected, found opcode 0x%02x", p[0]);
}

/* Name(_DSD, Package() { ToUUID(...), Package() { Package() {k, v}... } }) */
static void aml_decode_dsd(const uint8_t *p, GpuDsd *dsd)
{
    uint32_t len, n, i;

    g_assert_cmpuint(*p++, ==, 0x12);               /* PackageOp */
    p += aml_pkg_length(p, &len);
    g_assert_cmpuint(*p++, ==, 2);
    g_assert_cmpuint(*p++, ==, 0x11);               /* BufferOp */
    p += aml_pkg_length(p, &len);
    g_assert_cmpuint(aml_integer(&p), ==, 16);
    g_assert_cmpmem(p, 16, dsd_device_properties_uuid, 16);
    p += 16;
    g_assert_cmpuint(*p++, ==, 0x12);
    p += aml_pkg_length(p, &len);
    n = *p++;
    dsd->n_props = n;
    for (i = 0; i < n; i++) {
        const char *key;
        uint64_t value;

        g_assert_cmpuint(*p++, ==, 0x12);
        p += aml_pkg_length(p, &len);
        g_assert_cmpuint(*p++, ==, 2);
        g_assert_cmpuint(*p++, ==, 0x0d);           /* StringPrefix */
        key = (const char *)p;
        p += strlen(key) + 1;
        value = aml_integer(&p);
        if (!strcmp(key, "nvidia,gpu-mem-base-pa")) {
            dsd->base_pa = value;
        } else if (!strcmp(key, "nvidia,gpu-mem-size")) {
            dsd->size = value;
        } else if (!strcmp(key, "nvidia,gpu-mem-pxm-start")) {
            dsd->pxm_start = value;
        } else if (!strcmp(key, "nvidia,gpu-mem-pxm-count")) {
            dsd->pxm_count = value;
        } else {
            g_error("unexpected _DSD property %s", key);
        }
    }
}

/*
 * A NameString (ACPI 6.5 20.2.2): prefixes, then a NullName, a NameSeg, or
 * two or more of them.  Its length; @seg gets the last NameSeg.
 */
static uint32_t aml_name_string(const uint8_t *p, char seg[5])
{
    uint32_t n = 0, segs, i;

    while (p[n] == '\\' || p[n] == '^') {
        n++;
    }
    switch (p[n]) {
    case 0x00:                                      /* NullName */
        segs = 0;
        n++;
        break;
    case 0x2e:                                      /* DualNamePrefix */
        segs = 2;
        n++;
        break;
    case 0x2f:                                      /* MultiNamePrefix */
        segs = p[n + 1];
        n += 2;
        break;
    default:
        segs = 1;
    }
    for (i = 0; i < 4 * segs; i++) {
        g_assert_true(g_ascii_isupper(p[n + i]) || g_ascii_isdigit(p[n + i]) ||
                      p[n + i] == '_');
    }
    memset(seg, 0, 5);
    if (segs) {
        memcpy(seg, p + n + 4 * (segs - 1), 4);
    }
    return n + 4 * segs;
}

/* A DataRefObject: a constant, a string, a buffer or a package. */
static uint32_t aml_data_object_len(const uint8_t *p)
{
    uint32_t len;

    switch (p[0]) {
    case 0x00:                                      /* ZeroOp */
    case 0x01:                                      /* OneOp */
    case 0xff:                                      /* OnesOp */
        return 1;
    case 0x0a:
        return 2;
    case 0x0b:
        return 3;
    case 0x0c:
        return 5;
    case 0x0e:
        return 9;
    case 0x0d:                                      /* StringPrefix */
        return strlen((const char *)p + 1) + 2;
    case 0x11:                                      /* BufferOp */
    case 0x12:                                      /* PackageOp */
    case 0x13:                                      /* VarPackageOp */
        aml_pkg_length(p + 1, &len);
        return 1 + len;
    }
    g_error("AML data object expected, found opcode 0x%02x", p[0]);
}

typedef struct DsdScan {
    GpuDsd *dsds;
    int n, max;
} DsdScan;

/*
 * Walk the objects of a TermList, descending into Scope() and Device(),
 * and decode every Name(_DSD).  @path is the enclosing Device() names.
 * An opcode QEMU's DSDT does not use at this level is an error, never
 * skipped.
 */
static void aml_find_dsds(const uint8_t *p, const uint8_t *end,
                          const char *path, DsdScan *scan)
{
    while (p < end) {
        g_autofree char *inner = NULL;
        const uint8_t *body;
        uint32_t len, n;
        char seg[5];

        switch (p[0] == 0x5b ? 0x5b00 | p[1] : p[0]) {
        case 0x08:                                  /* NameOp */
            n = 1 + aml_name_string(p + 1, seg);
            if (!strcmp(seg, "_DSD")) {
                GpuDsd *dsd = &scan->dsds[scan->n];

                g_assert_cmpint(scan->n, <, scan->max);
                memset(dsd, 0, sizeof(*dsd));
                g_strlcpy(dsd->path, path, sizeof(dsd->path));
                aml_decode_dsd(p + n, dsd);
                g_test_message("DSDT %s._DSD: base-pa 0x%" PRIx64 " size 0x%"
                               PRIx64 " pxm-start %" PRIu64 " pxm-count %"
                               PRIu64, dsd->path, dsd->base_pa, dsd->size,
                               dsd->pxm_start, dsd->pxm_count);
                scan->n++;
            }
            p += n + aml_data_object_len(p + n);
            break;
        case 0x10:                                  /* ScopeOp */
            n = 1 + aml_pkg_length(p + 1, &len);
            n += aml_name_string(p + n, seg);
            aml_find_dsds(p + n, p + 1 + len, path, scan);
            p += 1 + len;
            break;
        case 0x5b82:                                /* DeviceOp */
            n = 2 + aml_pkg_length(p + 2, &len);
            body = p + n + aml_name_string(p + n, seg);
            /* As ASL writes it: S10_ is S10. */
            g_strdelimit(seg, "_", 0);
            inner = *path ? g_strdup_printf("%s.%s", path, seg) :
                            g_strdup(seg);
            aml_find_dsds(body, p + 2 + len, inner, scan);
            p += 2 + len;
            break;
        case 0x14:                                  /* MethodOp */
        case 0xa0:                                  /* IfOp */
        case 0xa1:                                  /* ElseOp */
            aml_pkg_length(p + 1, &len);
            p += 1 + len;
            break;
        case 0x5b81:                                /* FieldOp */
        case 0x5b86:                                /* IndexFieldOp */
            aml_pkg_length(p + 2, &len);
            p += 2 + len;
            break;
        case 0x5b80:                                /* OpRegionOp */
            p += 2 + aml_name_string(p + 2, seg) + 1;
            p += aml_data_object_len(p);            /* RegionOffset */
            p += aml_data_object_len(p);            /* RegionLen */
            break;
        case 0x5b01:                                /* MutexOp */
            p += 2 + aml_name_string(p + 2, seg) + 1;
            break;
        default:
            g_error("unexpected AML opcode 0x%02x 0x%02x in an object list",
                    p[0], p[1]);
        }
        g_assert(p <= end);
    }
}

/* Every Name(_DSD) in the DSDT, with the Device() path that encloses it. */
static int dsdt_find_gpu_dsds(GByteArray *dsdt, GpuDsd *dsds, int max)
{
    DsdScan scan = { .dsds = dsds, .max = max };

    aml_find_dsds(dsdt->data + 36, dsdt->data + dsdt->len, "", &scan);
    return scan.n;
}

/* The _DSD of a GPU: where it is and what it says. */
static void assert_gpu_dsd(const GpuDsd *dsd, const char *path, uint64_t base,
                           uint64_t size, uint64_t pxm_start)
{
    g_assert_cmpstr(dsd->path, ==, path);
    g_assert_cmphex(dsd->base_pa, ==, base);
    g_assert_cmphex(dsd->size, ==, size);
    g_assert_cmpuint(dsd->pxm_start, ==, pxm_start);
    g_assert_cmpuint(dsd->pxm_count, ==, 8);
    g_assert_cmpuint(dsd->n_props, ==, base ? 4 : 2);
}

/* ---- The configurations ---- */

#define GPU_SIZE (1 * GiB)
#define GPU2_SIZE (2 * GiB)
#define GPU_BASE VIRT_DEVICE_MEMORY_BASE(1 * GiB)

static char *dtb_memory_path(uint64_t base)
{
    return g_strdup_printf("/memory@%" PRIx64, base);
}

/* /memory@base with reg <base size> and numa-node-id, or no such node. */
static void dtb_assert_memory(void *dtb, uint64_t base, uint64_t size,
                              int node)
{
    g_autofree char *path = dtb_memory_path(base);
    int off = fdt_path_offset(dtb, path);
    const fdt32_t *reg, *id;
    int len;

    if (node < 0) {
        g_assert_cmpint(off, <, 0);
        return;
    }
    g_assert_cmpint(off, >=, 0);
    g_assert_cmpstr(fdt_getprop(dtb, off, "device_type", NULL), ==,
                    "memory");
    reg = fdt_getprop(dtb, off, "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmphex(((uint64_t)fdt32_to_cpu(reg[0]) << 32) |
                    fdt32_to_cpu(reg[1]), ==, base);
    g_assert_cmphex(((uint64_t)fdt32_to_cpu(reg[2]) << 32) |
                    fdt32_to_cpu(reg[3]), ==, size);
    id = fdt_getprop(dtb, off, "numa-node-id", &len);
    g_assert_cmpint(len, ==, 4);
    g_assert_cmpuint(fdt32_to_cpu(*id), ==, node);
}

/*
 * The tables of one GPU at 02.0 on nodes 1-8: SRAT's memory entries are
 * @memory exactly, with one Generic Initiator per node, and the DSDT has
 * one _DSD, under S10, with @base and @size (both 0: neither property).
 */
static void assert_one_gpu_tables(AcpiTables *t, Srat *srat,
                                  const SratMemory *memory, int n,
                                  uint64_t base, uint64_t size)
{
    GpuDsd dsd[4];

    srat_decode(acpi_table(t, "SRAT"), srat);
    srat_assert_memory(srat, memory, n);
    g_assert_cmpint(srat->n_gi, ==, 8);
    srat_assert_initiators(srat, 1, 8, 0, DEVFN(2, 0));
    g_assert_cmpint(dsdt_find_gpu_dsds(acpi_table(t, "DSDT"), dsd, 4), ==,
                    1);
    assert_gpu_dsd(&dsd[0], "S10", base, size, 1);
}

/*
 * One GPU on pcie.0 at 02.0, 1 GiB, nodes 1-8, with the policy given.
 * The window of device memory is 3 GiB: the GPU, then 2 GiB hotpluggable
 * on node 0: the last node, 8, is the GPU's, and bare metal gives a MIG
 * node no hot-pluggable memory.
 */
static void test_one_gpu(const char *online, const char *variant,
                         const char *host)
{
    bool boot = !strcmp(online, "boot");
    g_autofree char *args = g_strdup_printf(
        ONE_GPU_MACHINE "-m 1G,maxmem=4G "
        GPU_DEVICE ",addr=02.0,online=%s", online);
    const SratMemory memory[] = {
        { 0, VIRT_RAM_BASE, 1 * GiB, SRAT_MEM_ENABLED },
        { 1, GPU_BASE, GPU_SIZE, boot ? SRAT_MEM_ENABLED : SRAT_MEM_BOTH },
        { 0, GPU_BASE + GPU_SIZE, 2 * GiB, SRAT_MEM_BOTH },
    };
    g_autofree void *dtb = NULL;
    AcpiTables t;
    GpuHost h;
    QTestState *qts;
    Srat srat;

    if (!host_init(&h, host)) {
        return;
    }
    qts = host_qtest_start(&h, args);

    t = acpi_tables_read(qts);
    assert_one_gpu_tables(&t, &srat, memory, ARRAY_SIZE(memory), GPU_BASE,
                          GPU_SIZE);
    acpi_table_check_expected(acpi_table(&t, "SRAT"), variant);
    /* The policy does not change the DSDT. */
    acpi_table_check_expected(acpi_table(&t, "DSDT"), "nvgrace");
    acpi_tables_free(&t);

    /* Only memory that Linux onlines at boot is in the device tree. */
    dtb = dtb_read(qts);
    dtb_assert_memory(dtb, VIRT_RAM_BASE, 1 * GiB, 0);
    dtb_assert_memory(dtb, GPU_BASE, GPU_SIZE, boot ? 1 : -1);

    qtest_quit(qts);
    host_cleanup(&h);
}

static void test_one_gpu_driver_managed(void)
{
    test_one_gpu("driver-managed", "nvgrace", "mem=1G");
}

static void test_one_gpu_boot(void)
{
    test_one_gpu("boot", "nvgrace-boot", "mem=1G");
}

/*
 * On a host with today's upstream nvgrace-gpu driver the guest must see
 * the same tables: GH200's 2 GiB are 1 GiB of usemem (BAR4) and 1 GiB of
 * resmem (BAR2, which stays a BAR); GB200 has only usemem.
 */
static void test_one_gpu_upstream_bar_gh200(void)
{
    test_one_gpu("driver-managed", "nvgrace", "abi=bar,mem=2G");
}

/*
 * The same GPU with nvgrace-gpu's proposed coherent-memory region beside
 * its BARs: the region is usemem, 1 GiB, and the guest sees the same.
 */
static void test_one_gpu_series_gh200(void)
{
    test_one_gpu("driver-managed", "nvgrace", "abi=both,mem=2G");
}

static void test_one_gpu_upstream_bar_gb200(void)
{
    test_one_gpu("boot", "nvgrace-boot", "abi=bar,model=gb200,mem=1G");
}

/*
 * bar=4 on GH200: the memory is in BAR4, where the guest's firmware puts
 * it, so SRAT gives its nodes (Generic Initiators) and no range, and the
 * _DSD has no base-pa or size, which sends NVIDIA's driver to BAR4 and, for
 * its reserved memory, BAR2.  Such a GPU needs no device memory (@maxmem
 * false); with it, the window is all hotpluggable on node 0.
 */
static void test_one_gpu_bar4_gh200(const void *opaque)
{
    const bool maxmem = *(const bool *)opaque;
    const SratMemory memory[] = {
        { 0, VIRT_RAM_BASE, 1 * GiB, SRAT_MEM_ENABLED },
        { 0, GPU_BASE, 3 * GiB, SRAT_MEM_BOTH },
    };
    g_autofree void *dtb = NULL;
    AcpiTables t;
    GpuHost h;
    QTestState *qts;
    Srat srat;

    if (!host_init(&h, "abi=bar,mem=2G")) {
        return;
    }
    qts = host_qtest_start(&h, maxmem ?
                           ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           GPU_DEVICE ",addr=02.0,bar=4" :
                           ONE_GPU_MACHINE "-m 1G " GPU_DEVICE
                           ",addr=02.0,bar=4");
    t = acpi_tables_read(qts);
    assert_one_gpu_tables(&t, &srat, memory, maxmem ? 2 : 1, 0, 0);
    acpi_tables_free(&t);

    dtb = dtb_read(qts);
    dtb_assert_memory(dtb, VIRT_RAM_BASE, 1 * GiB, 0);
    dtb_assert_memory(dtb, GPU_BASE, GPU_SIZE, -1);
    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * vfio-pci-coherent itself on node 1 of two: the same SRAT entries as a
 * GPU's, with one Generic Initiator, and no _DSD, which is NVIDIA's.
 */
static void test_coherent_device(void)
{
    const SratMemory memory[] = {
        { 0, VIRT_RAM_BASE, 1 * GiB, SRAT_MEM_ENABLED },
        { 1, GPU_BASE, GPU_SIZE, SRAT_MEM_BOTH },
        { 0, GPU_BASE + GPU_SIZE, 2 * GiB, SRAT_MEM_BOTH },
    };
    GpuDsd dsd[4];
    AcpiTables t;
    GpuHost h;
    QTestState *qts;
    Srat srat;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, CPU_NODE "-numa node,nodeid=1 "
                           "-m 1G,maxmem=4G -device vfio-pci-coherent,host="
                           GPU_HOST ",node=1,addr=02.0");
    t = acpi_tables_read(qts);
    srat_decode(acpi_table(&t, "SRAT"), &srat);
    srat_assert_memory(&srat, memory, ARRAY_SIZE(memory));
    g_assert_cmpint(srat.n_gi, ==, 1);
    srat_assert_initiators(&srat, 1, 1, 0, DEVFN(2, 0));
    g_assert_cmpint(dsdt_find_gpu_dsds(acpi_table(&t, "DSDT"), dsd, 4), ==,
                    0);
    acpi_tables_free(&t);
    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * The GPU's nodes declared as libvirt and KubeVirt do: no 'node', an
 * acpi-generic-initiator object per node, given out of order.  The guest
 * sees what node=1 gives: one Generic Initiator per node, none twice, and
 * in node order, the order in which Linux numbers proximity domains.
 */
static void test_nodes_from_generic_initiators(void)
{
    static const int order[] = { 5, 1, 8, 3, 2, 7, 4, 6 };
    const SratMemory memory[] = {
        { 0, VIRT_RAM_BASE, 1 * GiB, SRAT_MEM_ENABLED },
        { 1, GPU_BASE, GPU_SIZE, SRAT_MEM_BOTH },
        { 0, GPU_BASE + GPU_SIZE, 2 * GiB, SRAT_MEM_BOTH },
    };
    g_autoptr(GString) args = g_string_new(ONE_GPU_MACHINE
                                           "-m 1G,maxmem=4G ");
    GpuHost h;
    QTestState *qts;
    AcpiTables t;
    Srat srat;
    int i;

    for (i = 0; i < ARRAY_SIZE(order); i++) {
        g_string_append_printf(args, "-object acpi-generic-initiator,"
                               "id=gi%d,pci-dev=gpu0,node=%d ", order[i],
                               order[i]);
    }
    g_string_append(args, "-device vfio-pci-nvgrace,host=" GPU_HOST
                    ",id=gpu0,addr=02.0");
    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, args->str);

    t = acpi_tables_read(qts);
    assert_one_gpu_tables(&t, &srat, memory, ARRAY_SIZE(memory), GPU_BASE,
                          GPU_SIZE);
    for (i = 0; i < srat.n_gi; i++) {
        g_assert_cmpuint(srat.gi[i].node, ==, i + 1);
    }
    acpi_tables_free(&t);

    qtest_quit(qts);
    host_cleanup(&h);
}

/* Bus number of the bus behind the root port, as firmware assigns it. */
#define ROOT_PORT_BUS 5

/*
 * Enumerate like firmware before it reads the tables: give the root port
 * at @devfn on pcie.0 its secondary bus number.  ECAM is at the first
 * address of virt's PCIe host bridge in the device tree.
 */
/*
 * One GPU's nodes from acpi-generic-initiator objects, another's from
 * node=: all Generic Initiators come in node order, whichever way they
 * were declared and wherever the devices' memory is.
 */
static void test_generic_initiators_mixed(void)
{
    g_autoptr(GString) args = g_string_new(TWO_GPU_MACHINE
                                           "-m 1G,maxmem=8G ");
    GpuHost h;
    QTestState *qts;
    AcpiTables t;
    Srat srat;
    int i;

    for (i = 9; i <= 16; i++) {
        g_string_append_printf(args, "-object acpi-generic-initiator,"
                               "id=gi%d,pci-dev=gpu0,node=%d ", i, i);
    }
    g_string_append(args, "-device vfio-pci-nvgrace,host=" GPU_HOST
                    ",id=gpu0,addr=02.0 -device vfio-pci-nvgrace,host="
                    GPU2_HOST ",id=gpu1,addr=03.0,node=1");
    if (!host_init(&h, "mem=1G;host=" GPU2_HOST ",mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, args->str);
    t = acpi_tables_read(qts);
    srat_decode(acpi_table(&t, "SRAT"), &srat);
    srat_print(&srat);
    g_assert_cmpint(srat.n_gi, ==, 16);
    for (i = 0; i < srat.n_gi; i++) {
        g_assert_cmpuint(srat.gi[i].node, ==, i + 1);
        g_assert_cmpuint(srat.gi[i].devfn, ==,
                         i < 8 ? DEVFN(3, 0) : DEVFN(2, 0));
    }
    acpi_tables_free(&t);
    qtest_quit(qts);
    host_cleanup(&h);
}

static void pcie_root_port_set_bus(QTestState *qts, void *dtb, int devfn,
                                   uint8_t bus)
{
    int off = fdt_node_offset_by_compatible(dtb, -1,
                                            "pci-host-ecam-generic");
    const fdt32_t *reg = fdt_getprop(dtb, off, "reg", NULL);
    uint64_t ecam = ((uint64_t)fdt32_to_cpu(reg[0]) << 32) |
                    fdt32_to_cpu(reg[1]);
    uint64_t cfg = ecam + (devfn << 12);

    g_assert_cmpint(off, >=, 0);
    qtest_writeb(qts, cfg + PCI_SECONDARY_BUS, bus);
    qtest_writeb(qts, cfg + PCI_SUBORDINATE_BUS, bus);
}

/*
 * Two GPUs with their own nodes and policies: GPU 1 on pcie.0 at 02.0,
 * driver-managed, nodes 1-8; GPU 2 behind a pcie-root-port at 03.0, so at
 * devfn 0 of its bus (the topology the NVIDIA driver needs to match
 * Generic Initiators), online at boot, nodes 9-16, placed with a 1 GiB gap
 * after GPU 1 so that the hotplug window is split in three.
 */
static void test_two_gpus(void)
{
    const uint64_t gpu2_base = GPU_BASE + GPU_SIZE + 1 * GiB;
    g_autofree char *args = g_strdup_printf(
        TWO_GPU_MACHINE "-m 1G,maxmem=8G "
        GPU_DEVICE ",addr=02.0,id=gpu0 "
        "-device pcie-root-port,id=rp0,chassis=1,addr=03.0 "
        "-device vfio-pci-nvgrace,host=" GPU2_HOST ",id=gpu1,bus=rp0,"
        "node=9,online=boot,memaddr=0x%" PRIx64, gpu2_base);
    const SratMemory memory[] = {
        { 0, VIRT_RAM_BASE, 1 * GiB, SRAT_MEM_ENABLED },
        { 1, GPU_BASE, GPU_SIZE, SRAT_MEM_BOTH },
        { 0, GPU_BASE + GPU_SIZE, 1 * GiB, SRAT_MEM_BOTH },
        { 9, gpu2_base, GPU2_SIZE, SRAT_MEM_ENABLED },
        { 0, gpu2_base + GPU2_SIZE, 3 * GiB, SRAT_MEM_BOTH },
    };
    g_autofree void *dtb = NULL;
    AcpiTables t;
    GpuDsd dsd[4];
    GpuHost h;
    QTestState *qts;
    Srat srat;

    if (!host_init(&h, "mem=1G;host=" GPU2_HOST ",mem=2G")) {
        return;
    }
    qts = host_qtest_start(&h, args);
    dtb = dtb_read(qts);
    pcie_root_port_set_bus(qts, dtb, DEVFN(3, 0), ROOT_PORT_BUS);

    t = acpi_tables_read(qts);
    srat_decode(acpi_table(&t, "SRAT"), &srat);
    srat_assert_memory(&srat, memory, ARRAY_SIZE(memory));
    g_assert_cmpint(srat.n_gi, ==, 16);
    srat_assert_initiators(&srat, 1, 8, 0, DEVFN(2, 0));
    srat_assert_initiators(&srat, 9, 8, ROOT_PORT_BUS, DEVFN(0, 0));

    /* GPU 2's _DSD is under its root port. */
    g_assert_cmpint(dsdt_find_gpu_dsds(acpi_table(&t, "DSDT"), dsd, 4), ==,
                    2);
    assert_gpu_dsd(&dsd[0], "S10", GPU_BASE, GPU_SIZE, 1);
    assert_gpu_dsd(&dsd[1], "S18.S00", gpu2_base, GPU2_SIZE, 9);

    acpi_table_check_expected(acpi_table(&t, "SRAT"), "nvgrace-2gpu");
    acpi_table_check_expected(acpi_table(&t, "DSDT"), "nvgrace-2gpu");
    acpi_tables_free(&t);

    dtb_assert_memory(dtb, GPU_BASE, GPU_SIZE, -1);
    dtb_assert_memory(dtb, gpu2_base, GPU2_SIZE, 9);

    qtest_quit(qts);
    host_cleanup(&h);
}

/* ---- HMAT ---- */

#define HMAT_ACCESS_LATENCY 0       /* in picoseconds */
#define HMAT_ACCESS_BANDWIDTH 3     /* in MB/s */

/* Each structure of the HMAT, bounds checked; NULL after the last. */
static const uint8_t *hmat_next(GByteArray *hmat, uint32_t *off)
{
    const uint8_t *s = hmat->data + *off;

    if (*off >= hmat->len) {
        return NULL;
    }
    /* Type, reserved, length: a structure is never shorter. */
    g_assert_cmpuint(*off + 8, <=, hmat->len);
    g_assert_cmpuint(ldl_le_p(s + 4), >=, 8);
    g_assert_cmpuint(*off + ldl_le_p(s + 4), <=, hmat->len);
    *off += ldl_le_p(s + 4);
    return s;
}

/* A Memory Proximity Domain Attributes structure for @initiator, @target. */
static bool hmat_has_mpda(GByteArray *hmat, uint32_t initiator,
                          uint32_t target)
{
    const uint8_t *s;
    uint32_t off = 40;

    while ((s = hmat_next(hmat, &off))) {
        /* Flags: the initiator field is valid. */
        if (lduw_le_p(s) == 0 && (lduw_le_p(s + 8) & 1) &&
            ldl_le_p(s + 12) == initiator && ldl_le_p(s + 16) == target) {
            return true;
        }
    }
    return false;
}

/*
 * The value of a System Locality Latency and Bandwidth Information entry
 * of the memory hierarchy, in its base unit; 0 when there is none.
 */
static uint64_t hmat_lb_value(GByteArray *hmat, uint8_t data_type,
                              uint32_t initiator, uint32_t target)
{
    const uint8_t *s;
    uint32_t off = 40, n_init, n_target, i, t;

    while ((s = hmat_next(hmat, &off))) {
        if (lduw_le_p(s) != 1 || (s[8] & 0xf) != 0 || s[9] != data_type) {
            continue;
        }
        n_init = ldl_le_p(s + 12);
        n_target = ldl_le_p(s + 16);
        g_assert_cmpuint(32 + 4 * (n_init + n_target) +
                         2 * n_init * n_target, <=, ldl_le_p(s + 4));
        for (i = 0; i < n_init; i++) {
            for (t = 0; t < n_target; t++) {
                if (ldl_le_p(s + 32 + 4 * i) == initiator &&
                    ldl_le_p(s + 32 + 4 * n_init + 4 * t) == target) {
                    return ldq_le_p(s + 24) *
                           lduw_le_p(s + 32 + 4 * (n_init + n_target) +
                                     2 * (i * n_target + t));
                }
            }
        }
    }
    return 0;
}

/*
 * -numa dist reaches the GPU nodes in SLIT and the device tree's
 * distance-map, and -numa hmat-lb gives the GPU's memory node a latency
 * and bandwidth in HMAT although the node owns no boot memory.
 */
#define DIST_LOCAL 10
#define DIST(a, b) ((a) == (b) ? DIST_LOCAL : 20 + (a) + (b))
#define GPU_LATENCY_NS 200
#define GPU_BANDWIDTH_MB 100000

static void test_distances_and_hmat(void)
{
    GString *args = g_string_new(
        "-machine virt,hmat=on -nodefaults -smp 2 "
        "-object memory-backend-ram,id=ram0,size=1G "
        "-numa node,nodeid=0,cpus=0-1,memdev=ram0,initiator=0 "
        "-m 1G,maxmem=4G " GPU_DEVICE ",addr=02.0,node-count=2 ");
    g_autofree void *dtb = NULL;
    const fdt32_t *matrix;
    GByteArray *slit, *hmat;
    AcpiTables t;
    GpuHost h;
    QTestState *qts;
    uint32_t a, b, i;
    int node, len;

    for (a = 1; a < 3; a++) {
        g_string_append_printf(args, "-numa node,nodeid=%u,initiator=0 ", a);
    }
    for (a = 0; a < 3; a++) {
        for (b = a + 1; b < 3; b++) {
            g_string_append_printf(args, "-numa dist,src=%u,dst=%u,val=%u ",
                                   a, b, DIST(a, b));
        }
    }
    g_string_append_printf(args,
        "-numa hmat-lb,initiator=0,target=0,hierarchy=memory,"
        "data-type=access-latency,latency=10 "
        "-numa hmat-lb,initiator=0,target=1,hierarchy=memory,"
        "data-type=access-latency,latency=%u "
        "-numa hmat-lb,initiator=0,target=0,hierarchy=memory,"
        "data-type=access-bandwidth,bandwidth=200G "
        "-numa hmat-lb,initiator=0,target=1,hierarchy=memory,"
        "data-type=access-bandwidth,bandwidth=%uM",
        GPU_LATENCY_NS, GPU_BANDWIDTH_MB);

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, args->str);
    g_string_free(args, true);
    t = acpi_tables_read(qts);

    /* SLIT: a 3x3 matrix after the header and the count. */
    slit = acpi_table(&t, "SLIT");
    g_assert_nonnull(slit);
    g_assert_cmpuint(ldq_le_p(slit->data + 36), ==, 3);
    for (a = 0; a < 3; a++) {
        for (b = 0; b < 3; b++) {
            g_assert_cmpuint(slit->data[44 + a * 3 + b], ==, DIST(a, b));
        }
    }

    /*
     * HMAT: a Memory Proximity Domain Attributes structure for the GPU's
     * memory node (with node 0 as its initiator), and latency and
     * bandwidth entries from initiator 0 to it.
     */
    hmat = acpi_table(&t, "HMAT");
    g_assert_nonnull(hmat);
    g_assert_true(hmat_has_mpda(hmat, 0, 1));
    g_assert_cmpuint(hmat_lb_value(hmat, HMAT_ACCESS_LATENCY, 0, 1), ==,
                     GPU_LATENCY_NS * 1000);
    g_assert_cmpuint(hmat_lb_value(hmat, HMAT_ACCESS_BANDWIDTH, 0, 1), ==,
                     GPU_BANDWIDTH_MB);

    acpi_table_check_expected(slit, "nvgrace-hmat");
    acpi_table_check_expected(hmat, "nvgrace-hmat");
    acpi_tables_free(&t);

    /* The device tree's distance-map holds the same distances. */
    dtb = dtb_read(qts);
    node = fdt_path_offset(dtb, "/distance-map");
    g_assert_cmpint(node, >=, 0);
    matrix = fdt_getprop(dtb, node, "distance-matrix", &len);
    g_assert_nonnull(matrix);
    for (i = 0; i < len / 12; i++) {
        a = fdt32_to_cpu(matrix[3 * i]);
        b = fdt32_to_cpu(matrix[3 * i + 1]);
        g_assert_cmpuint(fdt32_to_cpu(matrix[3 * i + 2]), ==, DIST(a, b));
    }
    g_assert_cmpint(len / 12, ==, 9);

    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * A GPU node as the initiator of -numa hmat-lb.  QEMU checks hmat-lb
 * before it creates devices: acpi-generic-initiator objects, created
 * before that, make the GPU's nodes initiators in time, and the GPU's
 * nodes come from them; with node=, the device claims its nodes only when
 * it realizes, and hmat-lb is refused.
 */
#define HMAT_GPU_MACHINE \
    "-machine virt,hmat=on -nodefaults -smp 2 " \
    "-object memory-backend-ram,id=ram0,size=1G " \
    "-numa node,nodeid=0,cpus=0-1,memdev=ram0,initiator=0 " \
    "-numa node,nodeid=1,initiator=0 -numa node,nodeid=2,initiator=0 " \
    "-numa hmat-lb,initiator=0,target=0,hierarchy=memory," \
    "data-type=access-latency,latency=10 " \
    "-numa hmat-lb,initiator=1,target=1,hierarchy=memory," \
    "data-type=access-latency,latency=30 " \
    "-m 1G,maxmem=4G "

static void test_hmat_gpu_initiator(void)
{
    g_autofree char *err = NULL;
    GByteArray *hmat;
    AcpiTables t;
    GpuHost h;
    QTestState *qts;

    if (!host_init(&h, "mem=1G")) {
        return;
    }
    qts = host_qtest_start(&h, HMAT_GPU_MACHINE
        "-object acpi-generic-initiator,id=gi1,pci-dev=gpu0,node=1 "
        "-object acpi-generic-initiator,id=gi2,pci-dev=gpu0,node=2 "
        "-device vfio-pci-nvgrace,host=" GPU_HOST ",id=gpu0");
    t = acpi_tables_read(qts);
    hmat = acpi_table(&t, "HMAT");
    g_assert_nonnull(hmat);
    g_assert_cmpuint(hmat_lb_value(hmat, HMAT_ACCESS_LATENCY, 1, 1), ==,
                     30 * 1000);
    acpi_tables_free(&t);
    qtest_quit(qts);

    err = host_qemu_fails(&h, HMAT_GPU_MACHINE GPU_DEVICE ",node-count=2");
    g_assert_nonnull(strstr(err, "Invalid initiator=1, it isn't an "
                            "initiator proximity domain"));
    host_cleanup(&h);
}

int main(int argc, char **argv)
{
    static const bool with_maxmem = true, without_maxmem;

    g_test_init(&argc, &argv, NULL);

    if (!host_available()) {
        g_test_skip("neither NVGRACE_HOST_LIB nor NVGRACE_REAL_GPU names a "
                    "host");
        return g_test_run();
    }

    qtest_add_func("/vfio-nvgrace/tables/one-gpu-driver-managed",
                   test_one_gpu_driver_managed);
    qtest_add_func("/vfio-nvgrace/tables/one-gpu-boot", test_one_gpu_boot);
    qtest_add_func("/vfio-nvgrace/tables/upstream-bar-gh200",
                   test_one_gpu_upstream_bar_gh200);
    qtest_add_func("/vfio-nvgrace/tables/series-gh200",
                   test_one_gpu_series_gh200);
    qtest_add_func("/vfio-nvgrace/tables/upstream-bar-gb200",
                   test_one_gpu_upstream_bar_gb200);
    qtest_add_data_func("/vfio-nvgrace/tables/bar4-gh200", &with_maxmem,
                        test_one_gpu_bar4_gh200);
    qtest_add_data_func("/vfio-nvgrace/tables/bar4-gh200-no-maxmem",
                        &without_maxmem, test_one_gpu_bar4_gh200);
    qtest_add_func("/vfio-nvgrace/tables/coherent-device",
                   test_coherent_device);
    qtest_add_func("/vfio-nvgrace/tables/generic-initiators-mixed",
                   test_generic_initiators_mixed);
    qtest_add_func("/vfio-nvgrace/tables/nodes-from-generic-initiators",
                   test_nodes_from_generic_initiators);
    qtest_add_func("/vfio-nvgrace/tables/two-gpus", test_two_gpus);
    qtest_add_func("/vfio-nvgrace/tables/distances-and-hmat",
                   test_distances_and_hmat);
    qtest_add_func("/vfio-nvgrace/tables/hmat-gpu-initiator",
                   test_hmat_gpu_initiator);

    return g_test_run();
}
