/*
 * cli/calendar.c — `sunbid calendar`: the working-day calendar from the
 * command line (domain/workcal.h, docs/calendar.md).
 *
 *   sunbid calendar import FILE.csv [--data-dir DIR] [--db URL]
 *   sunbid calendar due --from YYYY-MM-DD --days N [--kind working|calendar]
 *                       [--data-dir DIR] [--db URL]
 *
 * import sets every day of the file in one transaction (all or nothing;
 * a refusal names the line, exit 3). due prints the end of a period
 * starting on that day (any time of it: the starting day is not counted).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "domain/workcal.h"

#define FILE_MAX ((size_t)256 << 10)

static void usage(FILE *f)
{
    fputs("usage: sunbid calendar import FILE.csv [--data-dir DIR] [--db URL]\n"
          "       sunbid calendar due --from YYYY-MM-DD --days N [--kind working|calendar]\n"
          "                           [--data-dir DIR] [--db URL]\n"
          "\n"
          "import: a CSV file with the header date,kind,name and one day a line\n"
          "(kind holiday or workday); all rows are set or none (docs/calendar.md).\n"
          "due: the end of a period of N days from that day, counted on the calendar.\n",
          f);
}

static int import_file(const struct cli_store_opts *so, const char *path)
{
    struct buf data;
    char tmp[16384], msg[200];
    size_t n;
    int rows = 0, rc = CLI_OK;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "sunbid: calendar: %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    buf_init(&data, FILE_MAX);
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (buf_append(&data, tmp, n) != 0) {
            fprintf(stderr, "sunbid: calendar: %s: larger than %zu bytes\n", path, FILE_MAX);
            rc = CLI_INVALID;
            break;
        }
    }
    if (rc == CLI_OK && ferror(f)) {
        fprintf(stderr, "sunbid: calendar: %s: read error\n", path);
        rc = CLI_FAIL;
    }
    fclose(f);
    if (rc != CLI_OK)
        goto out;
    struct store *s = cli_open_store("calendar import", so);
    if (s == NULL) {
        rc = CLI_FAIL;
        goto out;
    }
    struct actor who = {0};
    msg[0] = '\0';
    enum err e =
        workcal_import(s, &who, data.data ? data.data : "", data.len, &rows, msg, sizeof msg);
    store_close(s);
    if (e == ERR_CALENDAR_FILE_INVALID) {
        fprintf(stderr, "sunbid: calendar: %s: %s; nothing was imported\n", path, msg);
        rc = CLI_INVALID;
    } else if (e != ERR_OK) {
        rc = cli_report("calendar import", e, NULL);
    } else {
        printf("imported %d days from %s\n", rows, path);
    }
out:
    buf_release(&data);
    return rc;
}

static int due(const struct cli_store_opts *so, const char *from, const char *days,
               const char *kind)
{
    int64_t day = 0, due_ms = 0;
    char *end = NULL;
    long n = 0;
    enum workcal_count k = WORKCAL_CALENDAR_DAYS;
    if (from == NULL || !workcal_parse_date(from, strlen(from), &day)) {
        fprintf(stderr, "sunbid: calendar: --from must be a date YYYY-MM-DD\n");
        return CLI_USAGE;
    }
    errno = 0;
    if (days != NULL)
        n = strtol(days, &end, 10);
    if (days == NULL || end == days || *end != '\0' || errno != 0 || n < 1 || n > WORKCAL_MAX_N) {
        fprintf(stderr, "sunbid: calendar: --days must be 1..%d\n", WORKCAL_MAX_N);
        return CLI_USAGE;
    }
    if (kind != NULL && strcmp(kind, "working") == 0)
        k = WORKCAL_WORKING_DAYS;
    else if (kind != NULL && strcmp(kind, "calendar") != 0) {
        fprintf(stderr, "sunbid: calendar: --kind must be working or calendar\n");
        return CLI_USAGE;
    }
    struct store *s = cli_open_store("calendar due", so);
    struct store_tx *tx = NULL;
    if (s == NULL)
        return CLI_FAIL;
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = rc == STORE_OK ? workcal_due(tx, workcal_day_start_ms(day), (int)n, k, &due_ms)
                                : domain_store_err(rc);
    store_rollback(tx);
    store_close(s);
    if (e != ERR_OK)
        return cli_report("calendar due", e, NULL);
    char last[WORKCAL_DATE_LEN + 1], iso[25];
    workcal_format_date(workcal_day_of_ms(due_ms - 1), last);
    clock_format_rfc3339(due_ms, iso);
    printf("%s 24:00 (UTC+8) = %s\n", last, iso);
    return CLI_OK;
}

int cli_calendar(int argc, char **argv)
{
    static const struct option longopts[] = {{"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"from", required_argument, NULL, 'f'},
                                             {"days", required_argument, NULL, 'n'},
                                             {"kind", required_argument, NULL, 'k'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    const char *from = NULL, *days = NULL, *kind = NULL;
    int opt;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            so.data_dir = optarg;
            break;
        case 'b':
            so.db = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 'n':
            days = optarg;
            break;
        case 'k':
            kind = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    int rest = argc - 1 - optind; /* operands after the options */
    if (strcmp(sub, "import") == 0 && rest == 1)
        return import_file(&so, argv[1 + optind]);
    if (strcmp(sub, "due") == 0 && rest == 0)
        return due(&so, from, days, kind);
    usage(stderr);
    return CLI_USAGE;
}
