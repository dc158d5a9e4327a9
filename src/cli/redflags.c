/*
 * cli/redflags.c — `sunbid redflags --in RELEASES.jsonl [--settings FILE.ini]`:
 * Cardinal's red flags over OCDS compiled releases (analytics/redflags.h,
 * docs/redflags.md).
 *
 * Reads the file (or standard input with `--in -`) line by line, prints the
 * results as one line of JSON on standard output (or --out FILE), in the
 * shape of `ocdscardinal indicators`: groups OCID / Buyer / ProcuringEntity /
 * Tenderer, then "Meta" (unless --no-meta) and "Maps" (with --map).
 *
 * Without --settings every indicator runs with Cardinal's defaults (the
 * settings `ocdscardinal init` writes); with --settings, as in Cardinal, only
 * the indicators whose sections the file has. Lines that are not JSON or are
 * too long are skipped with a warning on stderr (the first
 * REDFLAGS_CLI_MAX_WARN, then only counted), as Cardinal skips them; they do
 * not change the exit status. Exit 0 on success, 2 on a usage error, 3 on a
 * bad settings file, 1 when the input cannot be read or memory runs out.
 * Takes and ignores --data-dir and --db: it never touches the store.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/redflags.h"
#include "cli/cli.h"

#define REDFLAGS_CLI_MAX_WARN 100               /* warnings printed; the rest only counted */
#define REDFLAGS_CLI_MAX_OUT  ((size_t)1 << 32) /* bytes of JSON output */

struct warn_state {
    int64_t printed;
    int64_t suppressed;
};

static void on_warn(void *ud, int64_t line, const char *msg)
{
    struct warn_state *w = ud;
    if (w->printed >= REDFLAGS_CLI_MAX_WARN) {
        w->suppressed++;
        return;
    }
    w->printed++;
    fprintf(stderr, "sunbid: redflags: line %lld: %s\n", (long long)line, msg);
}

static void usage(FILE *f)
{
    fputs("usage: sunbid redflags --in RELEASES.jsonl [--settings FILE.ini] [--out FILE]\n"
          "                       [--no-meta] [--map] [--count] [--max-line BYTES]\n"
          "                       [--threads N]\n"
          "\n"
          "Computes the red flags of Open Contracting Partnership's Cardinal (R003 R018\n"
          "R024 R025 R028 R030 R035 R036 R038 R048 R058) over OCDS compiled releases,\n"
          "one JSON object per line ('-' reads standard input), and prints them as one\n"
          "JSON object in Cardinal's shape. Without --settings every indicator runs\n"
          "with its defaults; a settings file runs the indicators it has sections for.\n"
          "\n"
          "  --no-meta         leave out the \"Meta\" key (quartiles and fences)\n"
          "  --map             add the \"Maps\" key (contracting processes to organisations)\n"
          "  --count           print the number of results per group on stderr\n"
          "  --max-line BYTES  skip longer lines (default 64 MiB)\n"
          "  --threads N       threads parsing JSON (default 0: one per CPU; 1: none)\n"
          "\n"
          "See docs/redflags.md.\n",
          f);
}

int cli_redflags(int argc, char **argv)
{
    static const struct option longopts[] = {{"in", required_argument, NULL, 'i'},
                                             {"settings", required_argument, NULL, 's'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"no-meta", no_argument, NULL, 'M'},
                                             {"map", no_argument, NULL, 'm'},
                                             {"count", no_argument, NULL, 'c'},
                                             {"max-line", required_argument, NULL, 'L'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"threads", required_argument, NULL, 't'},
                                             {NULL, 0, NULL, 0}};
    const char *in_path = NULL, *settings_path = NULL, *out_path = NULL;
    bool meta = true, map = false, count = false;
    size_t max_line = 0;
    int threads = 0;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i':
            in_path = optarg;
            break;
        case 's':
            settings_path = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'M':
            meta = false;
            break;
        case 'm':
            map = true;
            break;
        case 'c':
            count = true;
            break;
        case 'L': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || v == 0 || optarg[0] == '-') {
                fprintf(stderr, "sunbid: redflags: --max-line needs a positive byte count\n");
                return CLI_USAGE;
            }
            max_line = (size_t)v;
            break;
        }
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 0 || v > 64) {
                fprintf(stderr, "sunbid: redflags: --threads needs a number from 0 to 64\n");
                return CLI_USAGE;
            }
            threads = (int)v;
            break;
        }
        case 'd':
        case 'b':
            break; /* the store is not used */
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc || in_path == NULL) {
        fprintf(stderr, "sunbid: redflags: %s\n",
                in_path == NULL ? "--in is required" : "unexpected argument");
        usage(stderr);
        return CLI_USAGE;
    }

    int rc = CLI_FAIL;
    struct redflags_settings set;
    struct redflags *rf = NULL;
    FILE *in = NULL, *out = NULL;
    struct buf json;
    struct warn_state ws = {0, 0};
    char err[512];
    buf_init(&json, REDFLAGS_CLI_MAX_OUT);
    redflags_settings_init(&set);
    if (settings_path == NULL) {
        redflags_settings_enable_all(&set);
    } else if (redflags_settings_load(&set, settings_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "sunbid: redflags: settings: %s\n", err);
        rc = CLI_INVALID;
        goto out;
    }
    if (set.ignored_r044 || set.ignored_r055)
        fprintf(stderr, "sunbid: redflags: %s%s%s not implemented, ignored\n",
                set.ignored_r044 ? "R044" : "", set.ignored_r044 && set.ignored_r055 ? " and " : "",
                set.ignored_r055 ? "R055" : "");
    if (set.has_price_cmp && set.no_price_cmp.n > 0)
        fprintf(stderr, "sunbid: redflags: no_price_comparison_procurement_methods has no "
                        "effect if price_comparison_procurement_methods is set\n");

    if (strcmp(in_path, "-") == 0) {
        in = stdin;
    } else {
        in = fopen(in_path, "rb");
        if (in == NULL) {
            fprintf(stderr, "sunbid: redflags: %s: %s\n", in_path, strerror(errno));
            goto out;
        }
    }
    rf = redflags_new(&set, map);
    if (rf == NULL) {
        fprintf(stderr, "sunbid: redflags: out of memory\n");
        goto out;
    }
    redflags_set_warn(rf, on_warn, &ws);
    redflags_set_threads(rf, threads);
    int rrc = redflags_read(rf, in, max_line);
    if (rrc == -2) {
        fprintf(stderr, "sunbid: redflags: %s: read error: %s\n", in_path, strerror(errno));
        goto out;
    }
    if (rrc != 0 || redflags_finish(rf) != 0) {
        fprintf(stderr, "sunbid: redflags: out of memory\n");
        goto out;
    }
    unsigned flags = (meta ? REDFLAGS_OUT_META : 0u) | (map ? REDFLAGS_OUT_MAPS : 0u);
    if (redflags_write(rf, &json, flags) != BUF_OK || buf_putc(&json, '\n') != BUF_OK) {
        fprintf(stderr, "sunbid: redflags: the results are too large\n");
        goto out;
    }
    out = out_path ? fopen(out_path, "wb") : stdout;
    if (out == NULL) {
        fprintf(stderr, "sunbid: redflags: %s: %s\n", out_path, strerror(errno));
        goto out;
    }
    if (fwrite(json.data, 1, json.len, out) != json.len || fflush(out) != 0) {
        fprintf(stderr, "sunbid: redflags: write error: %s\n", strerror(errno));
        goto out;
    }

    const struct redflags_stats *st = redflags_stats(rf);
    if (ws.suppressed > 0)
        fprintf(stderr, "sunbid: redflags: %lld more skipped lines not shown\n",
                (long long)ws.suppressed);
    if (st->currency_skipped > 0)
        fprintf(stderr,
                "sunbid: redflags: %lld bid amounts in another currency than the main one "
                "skipped\n",
                (long long)st->currency_skipped);
    if (count) {
        for (int g = 0; g < RF_GROUP__COUNT; g++)
            if (redflags_group_count(rf, (enum redflags_group)g) > 0)
                fprintf(stderr, "%s: %zu\n", redflags_group_name((enum redflags_group)g),
                        redflags_group_count(rf, (enum redflags_group)g));
        fprintf(stderr,
                "lines: %lld, releases: %lld, excluded: %lld, not releases: %lld, "
                "invalid: %lld, too long: %lld\n",
                (long long)st->lines, (long long)st->releases, (long long)st->excluded,
                (long long)st->not_release, (long long)st->invalid, (long long)st->too_long);
    }
    rc = CLI_OK;
out:
    if (out != NULL && out != stdout && fclose(out) != 0 && rc == CLI_OK) {
        fprintf(stderr, "sunbid: redflags: %s: %s\n", out_path, strerror(errno));
        rc = CLI_FAIL;
    }
    if (in != NULL && in != stdin)
        fclose(in);
    redflags_free(rf);
    redflags_settings_release(&set);
    buf_release(&json);
    return rc;
}
