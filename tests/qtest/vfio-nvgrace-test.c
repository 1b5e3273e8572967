/*
 * QTest for vfio-pci-nvgrace
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * There is no Grace GPU where tests run, so these tests start QEMU on an
 * emulated host: a library, named by NVGRACE_HOST_LIB, that QEMU loads with
 * LD_PRELOAD and that models the host kernel's VFIO interface for the GPUs
 * described in NVGRACE_HOST.  Its NVGRACE_HOST_STATS file counts what QEMU
 * asked of it.  Without the library the tests are skipped.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define GPU_HOST "0009:01:00.0"
#define GPU2_HOST "0009:02:00.0"

/* virt places device memory at the first 1 GiB boundary after RAM. */
#define VIRT_RAM_BASE 0x40000000ULL
#define VIRT_DEVICE_MEMORY_BASE(ram) (VIRT_RAM_BASE + (ram))

/*
 * The machine of most tests: 1 GiB of RAM and both CPUs on node 0, then
 * the eight memory-only nodes of one GPU (append "-m 1G,maxmem=...").
 */
#define CPU_NODE \
    "-machine virt -nodefaults -smp 2 " \
    "-object memory-backend-ram,id=ram0,size=1G " \
    "-numa node,nodeid=0,cpus=0-1,memdev=ram0 "
#define GPU_NODES(a, b, c, d, e, f, g, h) \
    "-numa node,nodeid=" #a " -numa node,nodeid=" #b " " \
    "-numa node,nodeid=" #c " -numa node,nodeid=" #d " " \
    "-numa node,nodeid=" #e " -numa node,nodeid=" #f " " \
    "-numa node,nodeid=" #g " -numa node,nodeid=" #h " "
#define ONE_GPU_MACHINE CPU_NODE GPU_NODES(1, 2, 3, 4, 5, 6, 7, 8)
#define TWO_GPU_MACHINE ONE_GPU_MACHINE GPU_NODES(9, 10, 11, 12, 13, 14, 15, 16)
#define GPU_DEVICE "-device vfio-pci-nvgrace,host=" GPU_HOST ",node=1"

typedef struct EmulatedHost {
    char *dir;
    char *backing;
    char *stats;
} EmulatedHost;

static const char *host_lib(void)
{
    return g_getenv("NVGRACE_HOST_LIB");
}

/* One GPU at GPU_HOST; @opts is appended to its NVGRACE_HOST description. */
static void host_init(EmulatedHost *h)
{
    h->dir = g_dir_make_tmp("vfio-nvgrace-test-XXXXXX", NULL);
    g_assert(h->dir);
    h->backing = g_build_filename(h->dir, "coherent-mem", NULL);
    h->stats = g_build_filename(h->dir, "stats", NULL);
}

static char **host_environ(EmulatedHost *h, const char *opts)
{
    g_autofree char *spec = g_strdup_printf("host=" GPU_HOST ",backing=%s%s%s",
                                            h->backing, *opts ? "," : "",
                                            opts);
    char **env = g_get_environ();

    env = g_environ_setenv(env, "NVGRACE_HOST", spec, true);
    env = g_environ_setenv(env, "NVGRACE_HOST_STATS", h->stats, true);
    return g_environ_setenv(env, "LD_PRELOAD", host_lib(), true);
}

static void host_cleanup(EmulatedHost *h)
{
    unlink(h->backing);
    unlink(h->stats);
    g_assert_cmpint(rmdir(h->dir), ==, 0);
    g_free(h->dir);
    g_free(h->backing);
    g_free(h->stats);
}

/* Start QEMU on the emulated host: the environment reaches it through sh. */
static QTestState *host_qtest_start(EmulatedHost *h, const char *opts,
                                    const char *args)
{
    g_auto(GStrv) env = host_environ(h, opts);
    g_auto(GStrv) saved = g_get_environ();
    QTestState *qts;
    int i;

    for (i = 0; env[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);

        g_setenv(kv[0], kv[1], true);
    }
    qts = qtest_init(args);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("NVGRACE_HOST");
    g_unsetenv("NVGRACE_HOST_STATS");
    return qts;
}

/* Run QEMU to completion and return what it printed on stderr. */
static char *host_qemu_fails(EmulatedHost *h, const char *opts,
                             const char *args)
{
    g_auto(GStrv) env = host_environ(h, opts);
    g_autofree char *cmd = g_strdup_printf("%s -accel qtest -display none %s",
                                           qtest_qemu_binary(NULL), args);
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) err = NULL;
    char *out = NULL, *errout = NULL;
    int status;

    g_assert(g_shell_parse_argv(cmd, NULL, &argv, NULL));
    g_assert(g_spawn_sync(NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                          &out, &errout, &status, &err));
    g_free(out);
    g_test_message("QEMU said: %s", errout);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    return errout;
}

static uint64_t host_stat(EmulatedHost *h, const char *key)
{
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    size_t keylen = strlen(key);
    int i;

    g_assert(g_file_get_contents(h->stats, &contents, NULL, NULL));
    lines = g_strsplit(contents, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (!strncmp(lines[i], key, keylen) && lines[i][keylen] == ' ') {
            return g_ascii_strtoull(lines[i] + keylen + 1, NULL, 10);
        }
    }
    g_assert_not_reached();
}

/* The single vfio-pci-nvgrace entry of query-memory-devices. */
static QDict *query_coherent_mem(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-memory-devices' }");
    QList *list = qdict_get_qlist(resp, "return");
    QDict *dev, *data;

    g_assert_cmpint(qlist_size(list), ==, 1);
    dev = qobject_to(QDict, qlist_peek(list));
    g_assert_cmpstr(qdict_get_str(dev, "type"), ==, "vfio-pci-nvgrace");
    data = qdict_get_qdict(dev, "data");
    qobject_ref(data);
    qobject_unref(resp);
    return data;
}

static void test_realize_and_report(void)
{
    g_autofree char *numa = NULL;
    EmulatedHost h;
    QTestState *qts;
    QDict *data;

    host_init(&h);
    qts = host_qtest_start(&h, "mem=1G",
                           ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           GPU_DEVICE ",id=gpu0");
    data = query_coherent_mem(qts);
    g_assert_cmpstr(qdict_get_str(data, "id"), ==, "gpu0");
    g_assert_cmpstr(qdict_get_str(data, "host"), ==, GPU_HOST);
    g_assert_cmpuint(qdict_get_uint(data, "size"), ==, 1 * GiB);
    g_assert_cmpuint(qdict_get_uint(data, "memaddr"), ==,
                     VIRT_DEVICE_MEMORY_BASE(1 * GiB));
    g_assert_cmpint(qdict_get_int(data, "node"), ==, 1);
    g_assert_cmpint(qdict_get_int(data, "node-count"), ==, 8);
    g_assert_cmpstr(qdict_get_str(data, "online"), ==, "driver-managed");
    qobject_unref(data);

    /* The memory counts as node 1's. */
    numa = qtest_hmp(qts, "info numa");
    g_assert_nonnull(strstr(numa, "node 1 size: 1024 MB"));
    g_assert_nonnull(strstr(numa, "node 1 plugged: 1024 MB"));
    g_assert_nonnull(strstr(numa, "node 2 size: 0 MB"));
    qtest_quit(qts);
    host_cleanup(&h);
}

static void test_data_reaches_host(void)
{
    const uint64_t offsets[] = { 0, 4 * KiB + 8, 512 * MiB, 1 * GiB - 8 };
    EmulatedHost h;
    QTestState *qts;
    QDict *data;
    uint64_t base, v;
    int fd, i;

    host_init(&h);
    qts = host_qtest_start(&h, "mem=1G",
                           ONE_GPU_MACHINE "-m 1G,maxmem=4G "
                           GPU_DEVICE);
    data = query_coherent_mem(qts);
    base = qdict_get_uint(data, "memaddr");
    qobject_unref(data);
    fd = open(h.backing, O_RDWR);
    g_assert_cmpint(fd, >=, 0);

    /* Guest stores land in the host's memory ... */
    for (i = 0; i < ARRAY_SIZE(offsets); i++) {
        qtest_writeq(qts, base + offsets[i], 0x6e76677261636500ULL + i);
    }
    for (i = 0; i < ARRAY_SIZE(offsets); i++) {
        g_assert_cmpint(pread(fd, &v, sizeof(v), offsets[i]), ==, sizeof(v));
        g_assert_cmphex(v, ==, 0x6e76677261636500ULL + i);
    }

    /* ... and host stores are what the guest loads: one memory, no copy. */
    for (i = 0; i < ARRAY_SIZE(offsets); i++) {
        v = 0xc0ffee0000000000ULL + i;
        g_assert_cmpint(pwrite(fd, &v, sizeof(v), offsets[i]), ==, sizeof(v));
    }
    for (i = 0; i < ARRAY_SIZE(offsets); i++) {
        g_assert_cmphex(qtest_readq(qts, base + offsets[i]), ==,
                        0xc0ffee0000000000ULL + i);
    }

    close(fd);
    qtest_quit(qts);
    host_cleanup(&h);
}

static void test_one_dma_mapping(void)
{
    EmulatedHost h;
    QTestState *qts;

    host_init(&h);
    qts = host_qtest_start(&h, "mem=128G",
                           ONE_GPU_MACHINE "-m 1G,maxmem=160G "
                           GPU_DEVICE);
    /* The whole memory is one IOMMU mapping, whatever its size. */
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".coherent_dma_maps"), ==, 1);
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".live_coherent_mmaps"), ==, 1);
    qtest_quit(qts);
    host_cleanup(&h);
}

static void test_memaddr(void)
{
    const uint64_t memaddr = VIRT_DEVICE_MEMORY_BASE(1 * GiB) + 2 * GiB;
    g_autofree char *args = g_strdup_printf(
        ONE_GPU_MACHINE "-m 1G,maxmem=8G "
        GPU_DEVICE ",online=boot,node-count=2,memaddr=0x%" PRIx64,
        memaddr);
    EmulatedHost h;
    QTestState *qts;
    QDict *data;

    host_init(&h);
    qts = host_qtest_start(&h, "mem=1G", args);
    data = query_coherent_mem(qts);
    g_assert_cmphex(qdict_get_uint(data, "memaddr"), ==, memaddr);
    g_assert_cmpint(qdict_get_int(data, "node-count"), ==, 2);
    g_assert_cmpstr(qdict_get_str(data, "online"), ==, "boot");
    qobject_unref(data);
    qtest_writeq(qts, memaddr, 0x1234);
    g_assert_cmphex(qtest_readq(qts, memaddr), ==, 0x1234);
    qtest_quit(qts);
    host_cleanup(&h);
}

/*
 * Command lines QEMU must refuse: one line that names what is wrong and how
 * to fix it, exit status 1.
 */
typedef struct BadConfig {
    const char *name;
    const char *host;           /* emulated host options of the GPU */
    const char *args;
    const char *error;          /* the gist of the message */
} BadConfig;

static const BadConfig bad_configs[] = {
    {
        "memaddr-misaligned", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=8G " GPU_DEVICE ",memaddr=0x80100000",
        "'memaddr' 0x80100000: address must be aligned"
    }, {
        "no-coherent-region", "coherent=off",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE,
        "host offers no coherent-memory region (expected device-specific "
        "region type 0x800010de subtype 2, found: none)"
    }, {
        /* 1G of RAM plus 4G of coherent memory */
        "maxmem-too-small", "mem=4G",
        ONE_GPU_MACHINE "-m 1G,maxmem=2G " GPU_DEVICE,
        "raise maxmem to at least 5120M"
    }, {
        "no-device-memory", "mem=1G",
        ONE_GPU_MACHINE "-m 1G " GPU_DEVICE,
        "start QEMU with -m SIZE,maxmem=MAXSIZE where MAXSIZE is at least "
        "SIZE + 1024M"
    }, {
        "not-virt", "mem=1G",
        "-machine sbsa-ref -nodefaults -global bochs-display.romfile= "
        "-m 1G,maxmem=4G " GPU_DEVICE,
        "vfio-pci-nvgrace needs the 'virt' machine, which describes the GPU "
        "memory to the guest; this machine is 'sbsa-ref'"
    }, {
        "node-unset", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST,
        "'node' is not set: declare the GPU's memory-only NUMA nodes with "
        "-numa node,nodeid=N and set node=N"
    }, {
        "node-undeclared", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST ",node=2",
        "'node' 2 with 'node-count' 8: NUMA node 9 is not declared; add "
        "-numa node,nodeid=9"
    }, {
        "node-with-cpus", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST ",node=0,node-count=1",
        "'node' 0 with 'node-count' 1: NUMA node 0 has CPUs; the GPU's nodes "
        "must be memory-only: declare them without cpus= and memdev="
    }, {
        "node-with-memory", "mem=1G",
        ONE_GPU_MACHINE "-object memory-backend-ram,id=ram9,size=1G "
        "-numa node,nodeid=9,memdev=ram9 -m 2G,maxmem=4G "
        "-device vfio-pci-nvgrace,host=" GPU_HOST ",node=2",
        "'node' 2 with 'node-count' 8: NUMA node 9 has memory; the GPU's "
        "nodes must be memory-only"
    }, {
        "node-count-zero", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G " GPU_DEVICE ",node-count=0",
        "'node-count' must be at least 1"
    }, {
        "node-count-past-limit", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G -device vfio-pci-nvgrace,host="
        GPU_HOST ",node=125,node-count=4",
        "'node' 125 with 'node-count' 4 goes past the last possible NUMA "
        "node, 127"
    }, {
        "nodes-shared", "mem=1G;host=" GPU2_HOST ",mem=1G",
        TWO_GPU_MACHINE "-m 1G,maxmem=8G "
        GPU_DEVICE ",id=gpu0 -device vfio-pci-nvgrace,host=" GPU2_HOST
        ",node=5",
        "'node' 5 with 'node-count' 8: NUMA nodes 1-8 belong to "
        "vfio-pci-nvgrace '" GPU_HOST "'; give each GPU nodes of its own"
    }, {
        "generic-initiator-duplicate", "mem=1G",
        ONE_GPU_MACHINE "-m 1G,maxmem=4G "
        "-object acpi-generic-initiator,id=gi3,pci-dev=gpu0,node=3 "
        GPU_DEVICE ",id=gpu0",
        "acpi-generic-initiator 'gi3' names this device, which declares its "
        "NUMA nodes 1-8 as Generic Initiators itself; remove the object"
    },
};

static void test_bad_config(const void *opaque)
{
    const BadConfig *bad = opaque;
    g_autofree char *err = NULL;
    g_auto(GStrv) lines = NULL;
    EmulatedHost h;
    int i;

    host_init(&h);
    err = host_qemu_fails(&h, bad->host, bad->args);
    lines = g_strsplit(err, "\n", -1);
    for (i = 0; lines[i] && !strstr(lines[i], bad->error); i++) {
        continue;
    }
    /* The whole message is on one error line. */
    g_assert_nonnull(lines[i]);
    g_assert_true(g_str_has_prefix(lines[i], "qemu-system-aarch64: "));
    host_cleanup(&h);
}

static void test_no_hotplug(void)
{
    EmulatedHost h;
    QTestState *qts;
    QDict *resp;

    host_init(&h);
    qts = host_qtest_start(&h, "mem=1G",
                           ONE_GPU_MACHINE "-m 1G,maxmem=4G");
    resp = qtest_qmp(qts, "{ 'execute': 'device_add', 'arguments': {"
                     " 'driver': 'vfio-pci-nvgrace',"
                     " 'host': '" GPU_HOST "', 'node': 1 } }");
    g_assert(qdict_haskey(resp, "error"));
    g_assert_nonnull(strstr(qdict_get_str(qdict_get_qdict(resp, "error"),
                                          "desc"),
                            "does not support hotplugging"));
    qobject_unref(resp);
    /* Nothing of the device was left behind on the host. */
    g_assert_cmpuint(host_stat(&h, GPU_HOST ".device_open"), ==, 0);
    g_assert_cmpuint(host_stat(&h, "live_files"), ==, 0);
    qtest_quit(qts);
    host_cleanup(&h);
}

int main(int argc, char **argv)
{
    int i;

    g_test_init(&argc, &argv, NULL);

    if (!host_lib()) {
        g_test_skip("NVGRACE_HOST_LIB does not name the emulated host");
        return g_test_run();
    }

    qtest_add_func("/vfio-nvgrace/realize-and-report", test_realize_and_report);
    qtest_add_func("/vfio-nvgrace/data-reaches-host", test_data_reaches_host);
    qtest_add_func("/vfio-nvgrace/one-dma-mapping", test_one_dma_mapping);
    qtest_add_func("/vfio-nvgrace/memaddr", test_memaddr);
    qtest_add_func("/vfio-nvgrace/no-hotplug", test_no_hotplug);
    for (i = 0; i < ARRAY_SIZE(bad_configs); i++) {
        g_autofree char *path = g_strdup_printf("/vfio-nvgrace/refuse/%s",
                                                bad_configs[i].name);

        qtest_add_data_func(path, &bad_configs[i], test_bad_config);
    }

    return g_test_run();
}
