/*
 * replay.c — runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs,
 * without libFuzzer, so a corpus (seeds plus every crash we fixed) runs as a
 * plain regression test under any compiler and sanitizer.
 *
 *     fuzz_NAME_replay PATH...
 *
 * Each PATH is a file or a directory; directories are walked recursively
 * (hidden entries are skipped) in sorted order. Link it with exactly one
 * fuzz_NAME.c and the core library, e.g.
 *     cc fuzz/replay.c fuzz/fuzz_json_body.c -Isrc ... -lsunbidcore ...
 * A target that finds a bug abort()s or trips a sanitizer, which ends the
 * run; otherwise it prints "N passed, 0 failed" and exits 0. A path that
 * cannot be read counts as failed (a missing corpus must not pass quietly),
 * and so does running on no input at all.
 *
 * Like libFuzzer, it calls LLVMFuzzerInitialize first when the target has
 * one, and hands each input over in a heap buffer of exactly its size, so
 * ASan sees reads past its end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT (64 * 1024 * 1024) /* larger inputs are refused */

static long n_passed, n_failed;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        n_failed++;
        return;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "replay: %s: cannot stat, or larger than %d bytes\n", path,
                REPLAY_MAX_INPUT);
        fclose(f);
        n_failed++;
        return;
    }
    size_t size = (size_t)st.st_size;
    /* malloc(0) may return NULL: give the target a one-byte buffer then. */
    uint8_t *data = malloc(size > 0 ? size : 1);
    if (data == NULL || fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: %s: read failed\n", path);
        free(data);
        fclose(f);
        n_failed++;
        return;
    }
    fclose(f);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    n_passed++;
}

static void replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        n_failed++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        replay_file(path);
        return;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        n_failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) {
                fprintf(stderr, "replay: out of memory\n");
                exit(1);
            }
            names = grown;
        }
        size_t len = strlen(path) + 1 + strlen(de->d_name) + 1;
        names[n] = malloc(len);
        if (names[n] == NULL) {
            fprintf(stderr, "replay: out of memory\n");
            exit(1);
        }
        snprintf(names[n], len, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(dir);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        replay_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        replay_path(argv[i]);
    if (n_passed == 0 && n_failed == 0) {
        fprintf(stderr, "replay: no input found\n");
        n_failed = 1;
    }
    printf("%ld passed, %ld failed\n", n_passed, n_failed);
    return n_failed > 0 ? 1 : 0;
}
