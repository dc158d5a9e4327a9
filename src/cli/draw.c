/*
 * cli/draw.c — `sunbid draw verify FILE [--key VKEY]...`: checks a draw
 * record (domain/draw_record.h, docs/draw.md) offline. It recomputes the
 * commitment from the seed, follows the inclusion proofs of the logged
 * commitment and snapshot hash to their checkpoints, hashes the snapshot,
 * reruns the draw's algorithm and compares the orders and the members,
 * and (with --key, the log's verifier key as GET /api/ledger/key serves
 * it) checks the checkpoints' signatures. One line per check:
 *
 *     ok    commitment
 *     FAIL  order: group 1 position 0: expert 17, the record says 23
 *     skip  checkpoint-key: no verifier key given (--key)
 *
 * Exit codes (cli.h): 0 every check passed, 5 a check failed, 3 the file
 * is not a draw record, 2 usage, 1 the file cannot be read.
 * No store, no network; any thread.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "cli/cli.h"
#include "domain/draw_record.h"

#define KEYS_MAX 4

static void usage(FILE *f)
{
    fputs("usage: sunbid draw verify FILE [--key KEY_FILE]...\n"
          "\n"
          "Checks a draw record (GET /api/draws/ID/record) offline: the seed against its\n"
          "commitment, the commitment's and the snapshot's inclusion in the witness log,\n"
          "the snapshot's hash, the order the algorithm gives, and the members.\n"
          "  --key FILE  the witness log's verifier key: a key line, or the JSON that\n"
          "              GET /api/ledger/key serves; checks the checkpoints' signatures\n"
          "              too (repeatable)\n"
          "FILE may be - for standard input. Exit: 0 verified, 5 a check failed,\n"
          "3 not a draw record, 1 unreadable.\n",
          f);
}

/* Reads a whole file (or stdin for "-") into out. */
static int slurp(const char *path, struct buf *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = 0;
    if (f == NULL)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(out, chunk, n) != BUF_OK) {
            rc = -2;
            break;
        }
    if (ferror(f))
        rc = -1;
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Parses a verifier key file: one key line, or the JSON GET /api/ledger/key
 * serves ({"keys":["NAME+ID+KEY",...]}). Returns the keys added, or -1. */
static int add_keys(const char *text, size_t n, struct note_key *keys, size_t *nkeys)
{
    int added = 0;
    if (n > 0 && text[0] == '{') {
        json_error_t jerr;
        json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
        json_t *list = json_object_get(j, "keys");
        for (size_t i = 0; json_is_array(list) && i < json_array_size(list); i++) {
            const char *k = json_string_value(json_array_get(list, i));
            if (k == NULL || *nkeys == KEYS_MAX ||
                note_key_parse_vkey(&keys[*nkeys], k, strlen(k)) != NOTE_OK) {
                added = -1;
                break;
            }
            (*nkeys)++;
            added++;
        }
        json_decref(j);
        return added;
    }
    if (*nkeys == KEYS_MAX || note_key_parse_vkey(&keys[*nkeys], text, n) != NOTE_OK)
        return -1;
    (*nkeys)++;
    return 1;
}

static int verify(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct note_key keys[KEYS_MAX];
    size_t nkeys = 0;
    int opt, rc = CLI_OK;
    struct buf text, kt;
    struct arena a;
    memset(keys, 0, sizeof keys);
    buf_init(&text, DRAW_RECORD_MAX);
    buf_init(&kt, 8192);
    arena_init(&a, (size_t)1 << 30);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "hk:", longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            goto out;
        }
        if (opt != 'k') {
            usage(stderr);
            rc = CLI_USAGE;
            goto out;
        }
        buf_reset(&kt);
        if (slurp(optarg, &kt) != 0) {
            fprintf(stderr, "sunbid: draw: cannot read %s: %s\n", optarg, strerror(errno));
            rc = CLI_FAIL;
            goto out;
        }
        while (kt.len > 0 && (kt.data[kt.len - 1] == '\n' || kt.data[kt.len - 1] == '\r'))
            kt.data[--kt.len] = '\0';
        int added = add_keys(kt.data ? kt.data : "", kt.len, keys, &nkeys);
        if (added <= 0) {
            fprintf(stderr, "sunbid: draw: %s is not a verifier key\n", optarg);
            rc = CLI_INVALID;
            goto out;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        rc = CLI_USAGE;
        goto out;
    }
    const char *path = argv[optind];
    int s = slurp(path, &text);
    if (s != 0) {
        fprintf(stderr, "sunbid: draw: cannot read %s: %s\n", path,
                s == -2 ? "larger than the limit" : strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    struct draw_record r;
    char why[256];
    if (!draw_record_parse(text.data ? text.data : "", text.len, &a, &r, why, sizeof why)) {
        printf("FAIL  format: %s\n", why);
        fprintf(stderr, "sunbid: draw: %s is not a draw record\n", path);
        rc = CLI_INVALID;
        goto out;
    }
    struct draw_check ch[DRAW_CHECKS_MAX];
    int n = 0;
    bool ok = draw_record_verify(&r, nkeys ? keys : NULL, nkeys, ch, &n);
    for (int i = 0; i < n; i++) {
        const char *tag = ch[i].skipped ? "skip" : ch[i].ok ? "ok" : "FAIL";
        if (ch[i].why[0] != '\0')
            printf("%-5s %s: %s\n", tag, ch[i].name, ch[i].why);
        else
            printf("%-5s %s\n", tag, ch[i].name);
    }
    printf("draw %lld of tender %s: %s\n", (long long)r.draw_id, r.tender_code,
           ok ? "verified" : "NOT verified");
    rc = ok ? CLI_OK : CLI_DAMAGED;
out:
    for (size_t i = 0; i < nkeys; i++)
        note_key_release(&keys[i]);
    buf_release(&text);
    buf_release(&kt);
    arena_release(&a);
    return rc;
}

int cli_draw(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1);
    fprintf(stderr, "sunbid: draw: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
