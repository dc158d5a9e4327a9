/*
 * cli/evaluation.c — `sunbid evaluation verify FILE [--lot N] [--ca CA.pem]...`:
 * checks an evaluation report with its signatures (the answer of
 * GET /api/tenders/:id/evaluation/report, docs/evaluation.md) offline:
 *
 *     ok    report-hash      SHA-256 of the report's exact bytes = report_sha256
 *     ok    lot              the report is of lot N (--lot, default 1)
 *     ok    signature #12    member 12's signature over
 *                            "sunbid-evaluation-report/1:<hash>" verifies with
 *                            the certificate kept beside it (SM2/SM3 or
 *                            ECDSA P-256/SHA-256, DER or raw r||s)
 *     ok    issuer #12       (with --ca) the certificate was issued and signed
 *                            by one of the given CA certificates
 *     ok    committee        every member of the report's committee signed once
 *
 * The checks are domain/evaluation_verify.c's.
 * Exit codes (cli.h): 0 every check passed, 5 a check failed, 3 the file is
 * not a report answer, 2 usage, 1 a file cannot be read. No store, no
 * network; any thread.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "domain/evaluation_verify.h"

#define FILE_MAX (64u << 20)
#define CA_MAX   8

static void usage(FILE *f)
{
    fputs("usage: sunbid evaluation verify FILE [--lot N] [--ca CA.pem]...\n"
          "\n"
          "Checks an evaluation report (GET /api/tenders/ID/evaluation/report?lot=N)\n"
          "offline: the report's hash, that it is lot N's (default 1), every signature\n"
          "with the certificate kept beside it, that every committee member signed, and\n"
          "(with --ca) who issued the certificates.\n",
          f);
}

static int read_all(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    if (f == NULL)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(out, chunk, n) != BUF_OK) {
            fclose(f);
            errno = EFBIG;
            return -1;
        }
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static int verify(int argc, char **argv)
{
    static const struct option longopts[] = {{"ca", required_argument, NULL, 'c'},
                                             {"lot", required_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    X509 *ca[CA_MAX];
    int nca = 0, opt, rc = CLI_OK, failed = 0, lot = 1;
    struct buf text, out;
    buf_init(&text, FILE_MAX);
    buf_init(&out, 1 << 20);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "hc:l:", longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            goto out;
        }
        if (opt == 'l') {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || v < 1 || v > 1000000) {
                fprintf(stderr, "sunbid: evaluation: --lot wants a lot number, not %s\n", optarg);
                rc = CLI_USAGE;
                goto out;
            }
            lot = (int)v;
            continue;
        }
        if (opt != 'c' || nca == CA_MAX) {
            usage(stderr);
            rc = CLI_USAGE;
            goto out;
        }
        FILE *f = fopen(optarg, "rb");
        ca[nca] = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
        if (f)
            fclose(f);
        if (ca[nca] == NULL) {
            fprintf(stderr, "sunbid: evaluation: %s is not a PEM certificate\n", optarg);
            rc = f ? CLI_INVALID : CLI_FAIL;
            goto out;
        }
        nca++;
    }
    if (optind + 1 != argc) {
        usage(stderr);
        rc = CLI_USAGE;
        goto out;
    }
    if (read_all(argv[optind], &text) != 0) {
        fprintf(stderr, "sunbid: evaluation: cannot read %s: %s\n", argv[optind], strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    if (evaluation_report_verify_lot(text.data ? text.data : "", text.len, ca, nca, lot, &out,
                                     &failed) != 0) {
        fprintf(stderr, "sunbid: evaluation: %s is not an evaluation report\n", argv[optind]);
        rc = CLI_INVALID;
        goto out;
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    rc = failed ? CLI_DAMAGED : CLI_OK;
out:
    for (int c = 0; c < nca; c++)
        X509_free(ca[c]);
    buf_release(&text);
    buf_release(&out);
    return rc;
}

int cli_evaluation(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1);
    usage(argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) ? stdout
                                                                                      : stderr);
    return argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) ? CLI_OK
                                                                                       : CLI_USAGE;
}
