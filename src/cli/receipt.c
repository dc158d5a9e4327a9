/*
 * cli/receipt.c — `sunbid verify-receipt`: checks a bid receipt (回執)
 * offline, with no server and no store (crypto/receipt.h, docs/bids.md).
 *
 *   sunbid verify-receipt [--key PLATFORM_KEY.pem] [--envelope BID.sbe] RECEIPT.json
 *
 * RECEIPT.json is what the platform answered to the upload (or withdrawal),
 * or its "receipt" object alone. Checked: the text has the receipt format;
 * the Ed25519 signature verifies with the platform's receipt key (--key,
 * a PEM public key as published at GET /api/receipt-keys; without it, the
 * key the receipt carries, which proves only integrity: the command says
 * so); the key id matches that key; with --envelope, the file's SHA-256 and
 * size are the receipt's.
 *
 * Exit: 0 valid, 5 invalid (a failed check, named), 1 unreadable input,
 * 2 usage.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "base/base64.h"
#include "cli/cli.h"
#include "crypto/receipt.h"

#define RECEIPT_FILE_MAX (256 << 10)

static void usage(FILE *f)
{
    fputs("usage: sunbid verify-receipt [--key PLATFORM_KEY.pem] [--envelope BID.sbe] "
          "RECEIPT.json\n"
          "\n"
          "Checks a sealed bid's receipt offline: its format, the platform's Ed25519\n"
          "signature, and with --envelope that the file is the one it names.\n"
          "  --key FILE       the platform's receipt public key (PEM, from GET\n"
          "                   /api/receipt-keys); without it the key in the receipt is used\n"
          "                   and only the receipt's integrity is shown\n"
          "  --envelope FILE  the sealed bid (.sbe) the receipt is for\n"
          "Exit 0 valid, 5 invalid, 1 unreadable, 2 usage.\n",
          f);
}

static char *read_all(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    *len = 0;
    if (f == NULL)
        return NULL;
    data = malloc(max + 1);
    if (data != NULL) {
        *len = fread(data, 1, max + 1, f);
        if (*len > max || ferror(f)) {
            free(data);
            data = NULL;
        } else {
            data[*len] = '\0';
        }
    }
    fclose(f);
    return data;
}

/* SHA-256 and size of a file, streamed. 0 or -1. */
static int file_sha256(const char *path, char hex[65], int64_t *size)
{
    unsigned char buf[65536], md[32];
    unsigned int mdlen = 0;
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = -1;
    *size = 0;
    if (f == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    for (;;) {
        size_t n = fread(buf, 1, sizeof(buf), f);
        if (n > 0) {
            EVP_DigestUpdate(ctx, buf, n);
            *size += (int64_t)n;
        }
        if (n < sizeof(buf)) {
            if (ferror(f))
                goto out;
            break;
        }
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32) {
        hex_encode(md, 32, hex);
        rc = 0;
    }
out:
    if (f != NULL)
        fclose(f);
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int bad(const char *what)
{
    fprintf(stderr, "sunbid: verify-receipt: INVALID: %s\n", what);
    return CLI_DAMAGED;
}

int cli_verify_receipt(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"envelope", required_argument, NULL, 'e'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *key_path = NULL, *env_path = NULL;
    char *data = NULL, *keydata = NULL;
    json_t *root = NULL;
    EVP_PKEY *key = NULL;
    struct receipt r;
    char key_id[65];
    size_t len = 0;
    int opt, rc = CLI_FAIL;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            key_path = optarg;
            break;
        case 'e':
            env_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return CLI_USAGE;
    }
    data = read_all(argv[optind], RECEIPT_FILE_MAX, &len);
    if (data == NULL) {
        fprintf(stderr, "sunbid: verify-receipt: cannot read %s\n", argv[optind]);
        goto out;
    }
    json_error_t jerr;
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *rc_obj = json_object_get(root, "receipt");
    if (!json_is_object(rc_obj))
        rc_obj = root;
    const char *text = json_string_value(json_object_get(rc_obj, "text"));
    const char *sig = json_string_value(json_object_get(rc_obj, "signature"));
    const char *kid = json_string_value(json_object_get(rc_obj, "key_id"));
    const char *alg = json_string_value(json_object_get(rc_obj, "alg"));
    const char *pub = json_string_value(json_object_get(rc_obj, "public_key"));
    if (!json_is_object(rc_obj) || text == NULL || sig == NULL || kid == NULL) {
        fprintf(stderr,
                "sunbid: verify-receipt: %s is not a receipt (JSON with text, "
                "signature, key_id)\n",
                argv[optind]);
        goto out;
    }
    if (alg != NULL && strcmp(alg, "ed25519") != 0) {
        rc = bad("unknown signature algorithm");
        goto out;
    }
    if (receipt_parse(text, strlen(text), &r) != 0) {
        rc = bad("the text is not a sunbid bid receipt v1");
        goto out;
    }
    if (key_path != NULL) {
        size_t kl = 0;
        keydata = read_all(key_path, 8192, &kl);
        key = keydata ? receipt_key_parse(keydata, kl) : NULL;
        if (key == NULL) {
            fprintf(stderr, "sunbid: verify-receipt: %s is not an Ed25519 key (PEM)\n", key_path);
            goto out;
        }
    } else {
        key = pub ? receipt_key_parse(pub, strlen(pub)) : NULL;
        if (key == NULL) {
            fprintf(stderr, "sunbid: verify-receipt: the receipt carries no key: give --key\n");
            goto out;
        }
    }
    if (receipt_key_id(key, key_id) != 0 || strcmp(key_id, kid) != 0) {
        rc = bad("the receipt was signed with another key (key_id differs)");
        goto out;
    }
    if (!receipt_verify(key, text, strlen(text), sig)) {
        rc = bad("the signature does not verify: the receipt was altered or is forged");
        goto out;
    }
    if (env_path != NULL) {
        char hex[65];
        int64_t size = 0;
        if (file_sha256(env_path, hex, &size) != 0) {
            fprintf(stderr, "sunbid: verify-receipt: cannot read %s\n", env_path);
            goto out;
        }
        if (strcmp(hex, r.sha256) != 0 || size != r.size) {
            rc = bad("the envelope is not the one the receipt names (SHA-256 or size differ)");
            goto out;
        }
    }
    fputs(text, stdout);
    printf("\nVALID: signed by receipt key %s%s\n", key_id,
           key_path ? "" : " (the key in the receipt: compare it with GET /api/receipt-keys)");
    if (env_path != NULL)
        printf("VALID: %s is the envelope the receipt names\n", env_path);
    rc = CLI_OK;
out:
    free(data);
    free(keydata);
    json_decref(root);
    EVP_PKEY_free(key);
    return rc;
}
