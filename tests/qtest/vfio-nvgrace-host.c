/*
 * QTest helpers: QEMU on an emulated Grace GPU host
 *
 * Copyright (c) 2026 The vfio-pci-nvgrace authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vfio-nvgrace-host.h"

const char *host_lib(void)
{
    return g_getenv("NVGRACE_HOST_LIB");
}

void host_init(EmulatedHost *h)
{
    h->dir = g_dir_make_tmp("vfio-nvgrace-test-XXXXXX", NULL);
    g_assert(h->dir);
    h->backing = g_build_filename(h->dir, "coherent-mem", NULL);
    h->stats = g_build_filename(h->dir, "stats", NULL);
    h->log = g_build_filename(h->dir, "stderr", NULL);
}

void host_cleanup(EmulatedHost *h)
{
    unlink(h->backing);
    unlink(h->stats);
    unlink(h->log);
    g_assert_cmpint(rmdir(h->dir), ==, 0);
    g_free(h->dir);
    g_free(h->backing);
    g_free(h->stats);
    g_free(h->log);
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

/*
 * libqtest starts QEMU through sh, which passes our environment on (and
 * applies the redirection of host_qtest_start_logged()).
 */
QTestState *host_qtest_start(EmulatedHost *h, const char *opts,
                             const char *args)
{
    g_auto(GStrv) env = host_environ(h, opts);
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

QTestState *host_qtest_start_logged(EmulatedHost *h, const char *opts,
                                    const char *args)
{
    g_autofree char *logged = g_strdup_printf("%s 2>%s", args, h->log);

    return host_qtest_start(h, opts, logged);
}

char *host_qemu_stderr(EmulatedHost *h)
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
    return g_string_free(own, false);
}

char *host_qemu_fails(EmulatedHost *h, const char *opts, const char *args)
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

uint64_t host_stat(EmulatedHost *h, const char *key)
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
