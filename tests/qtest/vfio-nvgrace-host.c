/*
 * QTest helpers: QEMU on a Grace GPU host, emulated or real
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vfio-nvgrace-host.h"

static const char *host_lib(void)
{
    return g_getenv("NVGRACE_HOST_LIB");
}

bool host_available(void)
{
    return host_lib() || g_getenv("NVGRACE_REAL_GPU");
}

/* @s with every @from replaced by @to. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(s, from, -1);

    return g_strjoinv(to, parts);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NVGRACE_HOST options in a form that compares: sorted, no defaults. */
static char *opts_canonical(const char *opts)
{
    g_auto(GStrv) items = g_strsplit(opts, ",", -1);
    g_autoptr(GPtrArray) kept = g_ptr_array_new();
    int i;

    for (i = 0; items[i]; i++) {
        if (*items[i] && strcmp(items[i], "model=gh200") &&
            strcmp(items[i], "abi=region")) {
            g_ptr_array_add(kept, items[i]);
        }
    }
    g_ptr_array_sort(kept, compare_strings);
    g_ptr_array_add(kept, NULL);
    return g_strjoinv(",", (char **)kept->pdata);
}

bool host_init(GpuHost *h, const char *opts)
{
    const char *real = g_getenv("NVGRACE_REAL_GPU");

    memset(h, 0, sizeof(*h));
    if (real) {
        const char *comma = strchr(real, ',');
        g_autofree char *have = opts_canonical(comma ? comma + 1 : "");
        g_autofree char *want = opts_canonical(opts);

        g_assert_true(g_str_has_prefix(real, "host="));
        if (strcmp(have, want)) {
            g_autofree char *why = g_strdup_printf(
                "needs a GPU that is emulated as '%s'; the real one is '%s'",
                opts, comma ? comma + 1 : "");

            g_test_skip(why);
            return false;
        }
        real += strlen("host=");
        h->real_gpu = comma ? g_strndup(real, comma - real) : g_strdup(real);
    }
    h->opts = g_strdup(opts);
    h->dir = g_dir_make_tmp("vfio-nvgrace-test-XXXXXX", NULL);
    g_assert(h->dir);
    h->backing = g_build_filename(h->dir, "coherent-mem", NULL);
    h->stats = g_build_filename(h->dir, "stats", NULL);
    h->log = g_build_filename(h->dir, "stderr", NULL);
    return true;
}

bool host_init_emulated(GpuHost *h, const char *opts, const char *why)
{
    if (g_getenv("NVGRACE_REAL_GPU")) {
        g_test_skip(why);
        return false;
    }
    return host_init(h, opts);
}

void host_cleanup(GpuHost *h)
{
    unlink(h->backing);
    unlink(h->stats);
    unlink(h->log);
    g_assert_cmpint(rmdir(h->dir), ==, 0);
    g_free(h->opts);
    g_free(h->real_gpu);
    g_free(h->dir);
    g_free(h->backing);
    g_free(h->stats);
    g_free(h->log);
}

bool host_is_emulated(GpuHost *h, const char *check)
{
    if (h->real_gpu) {
        g_test_message("not on a real host: %s", check);
    }
    return !h->real_gpu;
}

const char *host_gpu(GpuHost *h)
{
    return h->real_gpu ?: GPU_HOST;
}

static char *host_args(GpuHost *h, const char *args)
{
    return replace_all(args, GPU_HOST, host_gpu(h));
}

/* What QEMU printed, with the GPU named as the test names it. */
static char *host_output(GpuHost *h, char *out)
{
    char *named = replace_all(out, host_gpu(h), GPU_HOST);

    g_free(out);
    return named;
}

static char **host_environ(GpuHost *h)
{
    g_autofree char *spec = NULL;
    char **env = g_get_environ();

    if (h->real_gpu) {
        return env;
    }
    spec = g_strdup_printf("host=" GPU_HOST ",backing=%s%s%s", h->backing,
                           *h->opts ? "," : "", h->opts);
    env = g_environ_setenv(env, "NVGRACE_HOST", spec, true);
    env = g_environ_setenv(env, "NVGRACE_HOST_STATS", h->stats, true);
    return g_environ_setenv(env, "LD_PRELOAD", host_lib(), true);
}

/*
 * libqtest starts QEMU through sh, which passes our environment on (and
 * applies the redirection of host_qtest_start_logged()).
 */
QTestState *host_qtest_start(GpuHost *h, const char *args)
{
    g_autofree char *cmdline = host_args(h, args);
    g_auto(GStrv) env = NULL;
    QTestState *qts;
    int i;

    if (h->real_gpu) {
        return qtest_init(cmdline);
    }
    env = host_environ(h);
    for (i = 0; env[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);

        g_setenv(kv[0], kv[1], true);
    }
    qts = qtest_init(cmdline);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("NVGRACE_HOST");
    g_unsetenv("NVGRACE_HOST_STATS");
    return qts;
}

QTestState *host_qtest_start_logged(GpuHost *h, const char *args)
{
    g_autofree char *logged = g_strdup_printf("%s 2>%s", args, h->log);

    return host_qtest_start(h, logged);
}

char *host_qemu_stderr(GpuHost *h)
{
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    GString *own = g_string_new("");
    int i;

    g_assert(g_file_get_contents(h->log, &contents, NULL, NULL));
    g_test_message("QEMU said: %s", contents);
    lines = g_strsplit(contents, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "qemu-system-aarch64: ")) {
            g_string_append_printf(own, "%s\n", lines[i]);
        }
    }
    return host_output(h, g_string_free(own, false));
}

char *host_qemu_fails(GpuHost *h, const char *args)
{
    g_auto(GStrv) env = host_environ(h);
    g_autofree char *cmdline = host_args(h, args);
    g_autofree char *cmd = g_strdup_printf("%s -accel qtest -display none %s",
                                           qtest_qemu_binary(NULL), cmdline);
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
    return host_output(h, errout);
}

uint64_t host_stat(GpuHost *h, const char *key)
{
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    size_t keylen = strlen(key);
    int i;

    g_assert_null(h->real_gpu);
    g_assert(g_file_get_contents(h->stats, &contents, NULL, NULL));
    lines = g_strsplit(contents, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (!strncmp(lines[i], key, keylen) && lines[i][keylen] == ' ') {
            return g_ascii_strtoull(lines[i] + keylen + 1, NULL, 10);
        }
    }
    g_assert_not_reached();
}
