/*
 * cli/verify.c — `sunbid verify FILE`: checks a witness certificate
 * (ledger/cert.h, docs/certificate.md) offline, with nothing but the file
 * and what the user trusts:
 *
 *   --key VKEY / --key-file F   the log's verifier key(s), pinned: the
 *                               certificate's own keys must be these. F
 *                               holds one key per line, or is the JSON of
 *                               GET /api/ledger/key ({"keys":[...]}).
 *   --witness VKEY              a trusted witness (C2SP tlog-cosignature)
 *   --min-witnesses N           cosignatures by trusted witnesses required
 *   --tsa-cert PEM              a trusted RFC 3161 TSA (or its CA)
 *   --require-timestamp         fail without a valid timestamp token
 *   --json                      print the report as JSON (cert_report_json)
 *
 * Prints one line per check — status (PASS, FAIL, SKIP, WARN), code,
 * message — then the verdict, and a warning when no key was pinned (then
 * the file was only checked against itself). Exit 0 valid, 5 invalid
 * (a check failed, or the file is not a certificate), 2 usage, 1 I/O.
 * Never touches the network or the store. Single-threaded.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "cli/cli.h"
#include "ledger/cert.h"

#define VERIFY_MAX_KEYS     8     /* pinned log keys */
#define VERIFY_MAX_KEY_FILE 65536 /* bytes of --key-file */
#define VERIFY_MAX_WITNESS  COSIGN_MAX_WITNESSES

static const char cmd[] = "verify";

static void verify_usage(FILE *f)
{
    fputs("usage: sunbid verify FILE [--key VKEY]... [--key-file F] [--witness VKEY]...\n"
          "                     [--min-witnesses N] [--tsa-cert PEM] [--require-timestamp]\n"
          "                     [--json]\n"
          "\n"
          "Checks a witness certificate offline: the log's signature on its checkpoint\n"
          "(with the pinned --key, else the certificate's own key, with a warning),\n"
          "witness cosignatures, the RFC 3161 timestamp, each entry's hash and inclusion\n"
          "proof, and that the entries are the named subject's. FILE '-' reads stdin.\n"
          "--key-file F: one verifier key per line, or the JSON of GET /api/ledger/key.\n"
          "Exit 0 valid, 5 invalid, 2 usage error, 1 I/O error.\n",
          f);
}

/* Reads all of path ('-': stdin), at most max bytes, into a heap buffer
 * (NUL-terminated). NULL with a message on stderr on failure. */
static char *read_all(const char *path, size_t max, size_t *n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *p = NULL;
    size_t len = 0, cap = 0;
    bool bad = false;
    if (f == NULL) {
        fprintf(stderr, "sunbid: %s: cannot open %s\n", cmd, path);
        return NULL;
    }
    for (;;) {
        if (len + 1 >= cap) { /* room for one more byte and the NUL */
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > max + 2)
                ncap = max + 2;
            char *q = realloc(p, ncap);
            if (q == NULL) {
                fprintf(stderr, "sunbid: %s: out of memory\n", cmd);
                bad = true;
                break;
            }
            p = q;
            cap = ncap;
        }
        size_t got = fread(p + len, 1, cap - len - 1, f);
        len += got;
        if (len > max) {
            fprintf(stderr, "sunbid: %s: %s is larger than %zu bytes\n", cmd, path, max);
            bad = true;
            break;
        }
        if (got == 0) {
            if (ferror(f)) {
                fprintf(stderr, "sunbid: %s: cannot read %s\n", cmd, path);
                bad = true;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(p);
        return NULL;
    }
    p[len] = '\0';
    *n = len;
    return p;
}

struct pins {
    struct note_key keys[VERIFY_MAX_KEYS];
    size_t n;
};

/* Adds one verifier key text; false (message printed) when it is not one. */
static bool pin(struct pins *p, const char *text, size_t n)
{
    if (p->n == VERIFY_MAX_KEYS) {
        fprintf(stderr, "sunbid: %s: more than %d log keys\n", cmd, VERIFY_MAX_KEYS);
        return false;
    }
    if (note_key_parse_vkey(&p->keys[p->n], text, n) != NOTE_OK) {
        fprintf(stderr, "sunbid: %s: not a verifier key: '%.*s'\n", cmd, (int)(n > 200 ? 200 : n),
                text);
        return false;
    }
    p->n++;
    return true;
}

/* --key-file: the JSON of GET /api/ledger/key, or one key per line (blank
 * lines and '#' comments skipped). CLI_OK, CLI_USAGE or CLI_FAIL. */
static int pin_file(struct pins *p, const char *path)
{
    size_t n;
    char *t = read_all(path, VERIFY_MAX_KEY_FILE, &n);
    int rc = CLI_OK;
    if (t == NULL)
        return CLI_FAIL;
    size_t lead = strspn(t, " \t\r\n");
    if (t[lead] == '{') {
        json_error_t jerr;
        json_t *root = json_loadb(t, n, JSON_REJECT_DUPLICATES, &jerr);
        json_t *keys = json_object_get(root, "keys");
        if (!json_is_array(keys) || json_array_size(keys) == 0) {
            fprintf(stderr, "sunbid: %s: %s: no \"keys\" array\n", cmd, path);
            rc = CLI_USAGE;
        }
        for (size_t i = 0; rc == CLI_OK && i < json_array_size(keys); i++) {
            json_t *k = json_array_get(keys, i);
            if (!json_is_string(k) || !pin(p, json_string_value(k), json_string_length(k)))
                rc = CLI_USAGE;
        }
        json_decref(root);
    } else {
        for (char *line = t; rc == CLI_OK && *line != '\0';) {
            char *nl = strchr(line, '\n');
            size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);
            size_t l = ll;
            while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
                l--;
            if (l > 0 && line[0] != '#' && !pin(p, line, l))
                rc = CLI_USAGE;
            line += ll + (nl != NULL ? 1 : 0);
        }
        if (rc == CLI_OK && p->n == 0) {
            fprintf(stderr, "sunbid: %s: %s holds no key\n", cmd, path);
            rc = CLI_USAGE;
        }
    }
    free(t);
    return rc;
}

static const char *status_word(enum cert_status s)
{
    switch (s) {
    case CERT_PASS:
        return "PASS";
    case CERT_FAIL:
        return "FAIL";
    case CERT_SKIP:
        return "SKIP";
    case CERT_WARN:
        return "WARN";
    }
    return "?";
}

static void print_human(const struct cert *c, const struct cert_report *r)
{
    size_t failed = 0, warned = 0;
    printf("certificate: %s %lld, %zu entr%s (%zu public, %zu withheld), checkpoint %s at "
           "size %llu\n",
           c->subject_type, (long long)c->subject_id, c->nentries, c->nentries == 1 ? "y" : "ies",
           r->entries_public, r->entries_withheld, c->origin, (unsigned long long)c->cp.size);
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct cert_finding *f = &r->findings[i];
        printf("%s  %-10s  %s\n", status_word(f->status), f->code, f->message);
        failed += f->status == CERT_FAIL;
        warned += f->status == CERT_WARN;
    }
    if (r->ok)
        printf("verdict: VALID%s\n", warned > 0 ? " (with warnings)" : "");
    else
        printf("verdict: INVALID (%zu check%s failed)\n", failed, failed == 1 ? "" : "s");
    if (!r->keys_pinned)
        printf("warning: no log key was pinned (--key or --key-file), so the checkpoint was "
               "checked with the key inside the certificate: this shows the file is consistent, "
               "not that the log signed it. Get the log's key from a source you trust "
               "(GET /api/ledger/key) and verify again with it.\n");
}

int cli_verify(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"key-file", required_argument, NULL, 'K'},
                                             {"witness", required_argument, NULL, 'w'},
                                             {"min-witnesses", required_argument, NULL, 'm'},
                                             {"tsa-cert", required_argument, NULL, 't'},
                                             {"require-timestamp", no_argument, NULL, 'r'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct pins *pins = calloc(1, sizeof *pins);
    const char *wkeys[VERIFY_MAX_WITNESS];
    const char *tsa_file = NULL, *file = NULL;
    struct cosign_witnesses wits = {0};
    struct tsa_trust tsa = {0};
    struct cert c = {0};
    struct cert_report r = {0};
    struct buf out;
    size_t nw = 0, n = 0;
    long min = 0;
    bool json = false, require = false, have_wits = false, have_tsa = false;
    char err[512], *data = NULL;
    int opt, rc = CLI_USAGE;

    buf_init(&out, (size_t)CERT_MAX_BYTES);
    if (pins == NULL) {
        fprintf(stderr, "sunbid: %s: out of memory\n", cmd);
        return CLI_FAIL;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (!pin(pins, optarg, strlen(optarg)))
                goto out;
            break;
        case 'K':
            rc = pin_file(pins, optarg);
            if (rc != CLI_OK)
                goto out;
            rc = CLI_USAGE;
            break;
        case 'w':
            if (nw == VERIFY_MAX_WITNESS) {
                fprintf(stderr, "sunbid: %s: more than %d witnesses\n", cmd, VERIFY_MAX_WITNESS);
                goto out;
            }
            wkeys[nw++] = optarg;
            break;
        case 'm': {
            char *end = NULL;
            min = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || min < 0 || min > VERIFY_MAX_WITNESS) {
                fprintf(stderr, "sunbid: %s: --min-witnesses: 0-%d is required\n", cmd,
                        VERIFY_MAX_WITNESS);
                goto out;
            }
            break;
        }
        case 't':
            tsa_file = optarg;
            break;
        case 'r':
            require = true;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            verify_usage(stdout);
            rc = CLI_OK;
            goto out;
        default:
            goto out;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "sunbid: %s: %s\n", cmd,
                optind >= argc ? "a certificate FILE is required" : "only one FILE, please");
        verify_usage(stderr);
        goto out;
    }
    file = argv[optind];
    if (nw > 0) {
        if (cosign_witnesses_load(&wits, wkeys, nw, NULL, err, sizeof err) != NOTE_OK) {
            fprintf(stderr, "sunbid: %s: --witness: %s\n", cmd, err);
            goto out;
        }
        have_wits = true;
    }
    if (min > 0 && !have_wits) {
        fprintf(stderr, "sunbid: %s: --min-witnesses needs --witness keys\n", cmd);
        goto out;
    }
    rc = CLI_FAIL;
    if (tsa_file != NULL) {
        if (tsa_trust_load(&tsa, tsa_file, err, sizeof err) != TSA_OK) {
            fprintf(stderr, "sunbid: %s: --tsa-cert: %s\n", cmd, err);
            goto out;
        }
        have_tsa = true;
    }
    data = read_all(file, (size_t)CERT_MAX_BYTES, &n);
    if (data == NULL)
        goto out;
    if (cert_parse(data, n, &c, err, sizeof err) != CERT_OK) {
        if (json) {
            struct jsonw w;
            jsonw_init(&w, &out);
            jsonw_obj_begin(&w);
            jsonw_kbool(&w, "ok", false);
            jsonw_key(&w, "error");
            jsonw_obj_begin(&w);
            jsonw_kstr(&w, "code", err_code(ERR_INVALID_CERTIFICATE));
            jsonw_kstr(&w, "message", err);
            jsonw_obj_end(&w);
            jsonw_obj_end(&w);
            if (jsonw_finish(&w) == JSONW_OK)
                puts(out.data);
        } else {
            printf("verdict: INVALID (not a witness certificate: %s)\n", err);
        }
        fprintf(stderr, "sunbid: %s: %s is not a witness certificate: %s\n", cmd, file, err);
        rc = CLI_DAMAGED;
        goto out;
    }
    struct cert_trust t = {pins->n > 0 ? pins->keys : NULL, pins->n,
                           have_wits ? &wits : NULL,        (size_t)min,
                           have_tsa ? &tsa : NULL,          require};
    int vrc = cert_verify(&c, &t, &r);
    if (vrc == CERT_ECRYPTO) {
        fprintf(stderr, "sunbid: %s: a check could not run (OpenSSL or memory)\n", cmd);
        goto out;
    }
    if (json) {
        if (cert_report_json(&r, &out) != 0) {
            fprintf(stderr, "sunbid: %s: the report is too large\n", cmd);
            goto out;
        }
        puts(out.data);
    } else {
        print_human(&c, &r);
    }
    rc = r.ok ? CLI_OK : CLI_DAMAGED;
out:
    fflush(stdout);
    cert_report_free(&r);
    cert_free(&c);
    free(data);
    buf_release(&out);
    if (have_tsa)
        tsa_trust_free(&tsa);
    if (have_wits)
        cosign_witnesses_free(&wits);
    for (size_t i = 0; i < pins->n; i++)
        note_key_release(&pins->keys[i]);
    free(pins);
    return rc;
}
