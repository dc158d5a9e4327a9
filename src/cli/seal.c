/*
 * cli/seal.c — `sunbid seal` and `sunbid unseal`: the bid-preparation tool
 * (投標文件編制工具). Works offline: no store, no server.
 *
 *   seal    reads the bid files once each (any size: 64 KiB at a time),
 *           writes the envelope (crypto/envelope.h, docs/envelope.md) to a
 *           temporary file beside --out, fsyncs it and renames it into
 *           place, so a reader never sees half an envelope. Records the
 *           machine fingerprint (hostname hash, MAC address hash, tool
 *           version) in the signed header.
 *   unseal  verifies the envelope and decrypts it in one pass into
 *           temporary files (mode 0600) in --out-dir; only when everything
 *           checked out (signature, binding, key, every chunk's MAC, the
 *           content hashes) are they renamed to their names, never over an
 *           existing file. On any failure they are removed and the message
 *           says exactly what failed.
 *   unseal --inspect  verifies structure and signature without a key and
 *           prints the public header.
 *   unseal --release-key  the bidder's step in the opening hall
 *           (docs/opening.md): verifies the envelope exactly as unseal
 *           does (structure, signature, binding, key, every chunk's MAC
 *           and content hash; the plaintext is decrypted and discarded,
 *           never written), then unwraps the content key K from the
 *           recipient block of --key and prints it alone on stdout as the
 *           64 lowercase hex digits POST .../opening/decrypt takes in
 *           "key". A key that is none of the recipients is wrong_key
 *           (exit 5). K opens this one envelope only, so releasing it
 *           leaves the encryption key with the bidder.
 *
 * Exit codes (cli.h): 0 ok; 1 I/O; 2 usage; 3 invalid input (a bad id,
 * file name, key or certificate given to seal; an unreadable key); 4 an
 * output file already exists; 5 the envelope failed a check (unseal; the
 * message starts with the stable code: bad_signature, wrong_tender,
 * wrong_key, bad_mac, ...).
 * --data-dir and --db are accepted, like every command, and unused.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/base64.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "crypto/envelope.h"

#define SEAL_MAX_INPUTS ENVELOPE_MAX_FILES
#define SEAL_MAX_ESCROW (ENVELOPE_MAX_RECIPIENTS - 1)

/* Exit code for a seal_err: I/O 1; for unseal, an envelope that fails a
 * check 5 (like `verify` and `ca check`); otherwise invalid input 3. */
static int exit_for(const char *cmd, int code)
{
    switch (code) {
    case SEAL_OK:
        return CLI_OK;
    case SEAL_EIO:
    case SEAL_ECRYPTO:
        return CLI_FAIL;
    case SEAL_EINPUT:
        return CLI_INVALID;
    default:
        return strcmp(cmd, "unseal") == 0 ? CLI_DAMAGED : CLI_INVALID;
    }
}

static int report(const char *cmd, const struct seal_error *e)
{
    fprintf(stderr, "sunbid: %s: %s\n", cmd, e->msg);
    return exit_for(cmd, e->code);
}

static void hexstr(const uint8_t *p, size_t n, char *out)
{
    hex_encode(p, n, out);
}

/* ---- machine fingerprint ---- */

static void machine_probe(struct envelope_machine *m)
{
    static const char host_dom[] = "sunbid-host-v1";
    static const char mac_dom[] = "sunbid-mac-v1";
    uint8_t buf[300];
    char host[256];
    struct ifaddrs *ifs = NULL;
    uint8_t best[6];
    int have = 0;

    memset(m, 0, sizeof *m);
    snprintf(m->tool, sizeof m->tool, "sunbid %s", SUNBID_VERSION);
    if (gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        size_t hl = strlen(host);
        memcpy(buf, host_dom, sizeof host_dom); /* with its NUL */
        memcpy(buf + sizeof host_dom, host, hl);
        suite_sha256(buf, sizeof host_dom + hl, m->host_hash);
    }
    /* The smallest non-zero hardware address of a non-loopback interface:
     * stable across reboots and the same whichever interface is up. */
    if (getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
            const struct sockaddr_ll *ll = (const struct sockaddr_ll *)(const void *)i->ifa_addr;
            static const uint8_t zero[6];
            if (ll == NULL || ll->sll_family != AF_PACKET || (i->ifa_flags & IFF_LOOPBACK) ||
                ll->sll_halen != 6 || memcmp(ll->sll_addr, zero, 6) == 0)
                continue;
            if (!have || memcmp(ll->sll_addr, best, 6) < 0) {
                memcpy(best, ll->sll_addr, 6);
                have = 1;
            }
        }
        freeifaddrs(ifs);
    }
    if (have) {
        memcpy(buf, mac_dom, sizeof mac_dom);
        memcpy(buf + sizeof mac_dom, best, 6);
        suite_sha256(buf, sizeof mac_dom + 6, m->mac_hash);
    }
}

/* ---- seal ---- */

struct input {
    char *path;       /* as given, without the :role suffix (owned) */
    const char *name; /* base name stored in the envelope */
    int role;
    FILE *f;
    uint64_t size;
};

static ssize_t file_read(void *arg, void *buf, size_t n)
{
    struct input *in = arg;
    size_t k = fread(buf, 1, n, in->f);
    if (k == 0 && ferror(in->f))
        return -1;
    return (ssize_t)k;
}

struct out_file {
    FILE *f;
    EVP_MD_CTX *sha; /* SHA-256 of the whole envelope */
    uint64_t bytes;
};

static int out_write(void *arg, const void *p, size_t n)
{
    struct out_file *o = arg;
    if (fwrite(p, 1, n, o->f) != n)
        return -1;
    EVP_DigestUpdate(o->sha, p, n);
    o->bytes += n;
    return 0;
}

/* FILE[:role] into in; returns 0 or -1 (message printed). */
static int parse_input(const char *arg, struct input *in)
{
    const char *colon = strrchr(arg, ':');
    size_t len = strlen(arg);
    memset(in, 0, sizeof *in);
    in->role = ENVELOPE_ROLE_OTHER;
    if (colon != NULL && envelope_role_parse(colon + 1) != 0) {
        in->role = envelope_role_parse(colon + 1);
        len = (size_t)(colon - arg);
    }
    in->path = strndup(arg, len);
    if (in->path == NULL || len == 0) {
        fprintf(stderr, "sunbid: seal: bad file argument '%s'\n", arg);
        return -1;
    }
    const char *slash = strrchr(in->path, '/');
    in->name = slash != NULL ? slash + 1 : in->path;
    return 0;
}

static int open_input(struct input *in)
{
    struct stat st;
    in->f = fopen(in->path, "rb");
    if (in->f == NULL) {
        fprintf(stderr, "sunbid: seal: io_error: cannot open %s: %s\n", in->path, strerror(errno));
        return CLI_FAIL;
    }
    if (fstat(fileno(in->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "sunbid: seal: bad_input: %s is not a regular file\n", in->path);
        return CLI_INVALID;
    }
    in->size = (uint64_t)st.st_size;
    return CLI_OK;
}

static void seal_usage(FILE *f)
{
    fputs("usage: sunbid seal --suite gm|intl --tender ID --lot ID [--org ID]\n"
          "                   --sign-key KEY.pem --sign-cert CERT.pem\n"
          "                   --recipient CERT.pem [--recipient ESCROW.pem]... [--escrow PEM]...\n"
          "                   --out BID.sbe FILE[:ROLE]...\n"
          "\n"
          "Encrypts the bid files into one signed envelope (docs/envelope.md).\n"
          "ROLE: commercial, technical, price-list or other (the default).\n"
          "The first --recipient is the bidder's own encryption certificate;\n"
          "further --recipient (or --escrow) certificates or public keys are\n"
          "the tender's escrow keys, which can open the envelope too.\n"
          "--suite gm (default): SM2/SM3/SM4; intl: P-256/SHA-256/AES-256-GCM.\n",
          f);
}

int cli_seal(int argc, char **argv)
{
    static const struct option longopts[] = {{"suite", required_argument, NULL, 's'},
                                             {"tender", required_argument, NULL, 't'},
                                             {"lot", required_argument, NULL, 'l'},
                                             {"org", required_argument, NULL, 'o'},
                                             {"sign-key", required_argument, NULL, 'k'},
                                             {"sign-cert", required_argument, NULL, 'c'},
                                             {"recipient", required_argument, NULL, 'r'},
                                             {"escrow", required_argument, NULL, 'e'},
                                             {"out", required_argument, NULL, 'O'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *suite_name = "gm", *tender = NULL, *lot = NULL, *org = NULL, *key_path = NULL,
               *cert_path = NULL, *out_path = NULL, *rcpt_paths[1 + SEAL_MAX_ESCROW];
    int n_rcpt = 0, n_in = 0, opt, rc = CLI_FAIL;
    struct input in[SEAL_MAX_INPUTS];
    struct envelope_source src[SEAL_MAX_INPUTS];
    EVP_PKEY *sign_key = NULL, *cert_key = NULL, *rcpt[1 + SEAL_MAX_ESCROW] = {NULL};
    uint8_t *cert = NULL;
    size_t cert_len = 0;
    struct seal_error err = {0, ""};
    struct envelope_machine machine;
    struct out_file of = {NULL, NULL, 0};
    char tmp[4096] = "";
    const struct suite *s;

    memset(in, 0, sizeof in);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            suite_name = optarg;
            break;
        case 't':
            tender = optarg;
            break;
        case 'l':
            lot = optarg;
            break;
        case 'o':
            org = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'c':
            cert_path = optarg;
            break;
        case 'r':
        case 'e':
            if (n_rcpt == 1 + SEAL_MAX_ESCROW) {
                fprintf(stderr, "sunbid: seal: at most %d recipients\n", 1 + SEAL_MAX_ESCROW);
                return CLI_USAGE;
            }
            if (opt == 'e' && n_rcpt == 0) {
                fprintf(stderr, "sunbid: seal: give the bidder's --recipient before --escrow\n");
                return CLI_USAGE;
            }
            rcpt_paths[n_rcpt++] = optarg;
            break;
        case 'O':
            out_path = optarg;
            break;
        case 'd':
        case 'b':
            break;
        case 'h':
            seal_usage(stdout);
            return CLI_OK;
        default:
            seal_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (tender == NULL || lot == NULL || key_path == NULL || cert_path == NULL || n_rcpt == 0 ||
        out_path == NULL || optind >= argc) {
        fprintf(stderr, "sunbid: seal: --tender, --lot, --sign-key, --sign-cert, --recipient, "
                        "--out and at least one FILE are required\n");
        seal_usage(stderr);
        return CLI_USAGE;
    }
    s = suite_by_name(suite_name);
    if (s == NULL) {
        fprintf(stderr, "sunbid: seal: unsupported_suite: '%s' (gm or intl)\n", suite_name);
        return CLI_USAGE;
    }
    if (argc - optind > SEAL_MAX_INPUTS) {
        fprintf(stderr, "sunbid: seal: too_large: at most %d files\n", SEAL_MAX_INPUTS);
        return CLI_INVALID;
    }

    for (int i = optind; i < argc; i++) {
        if (parse_input(argv[i], &in[n_in++]) != 0) {
            rc = CLI_USAGE;
            goto out;
        }
        rc = open_input(&in[n_in - 1]);
        if (rc != CLI_OK)
            goto out;
        src[n_in - 1] = (struct envelope_source){in[n_in - 1].name, in[n_in - 1].role,
                                                 in[n_in - 1].size, file_read, &in[n_in - 1]};
    }
    if (suite_load_private_key(key_path, &sign_key, &err) != SEAL_OK ||
        suite_load_cert(cert_path, &cert, &cert_len, &cert_key, &err) != SEAL_OK) {
        rc = report("seal", &err);
        goto out;
    }
    for (int i = 0; i < n_rcpt; i++) {
        if (suite_load_public_key(rcpt_paths[i], &rcpt[i], &err) != SEAL_OK) {
            rc = report("seal", &err);
            goto out;
        }
    }
    machine_probe(&machine);

    /* write beside the target, then rename into place */
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out_path) >= (int)sizeof tmp) {
        fprintf(stderr, "sunbid: seal: --out path too long\n");
        rc = CLI_USAGE;
        goto out;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "sunbid: seal: io_error: cannot create %s: %s\n", tmp, strerror(errno));
        tmp[0] = '\0';
        rc = CLI_FAIL;
        goto out;
    }
    of.f = fdopen(fd, "wb");
    of.sha = EVP_MD_CTX_new();
    if (of.f == NULL || of.sha == NULL || EVP_DigestInit_ex2(of.sha, EVP_sha256(), NULL) != 1) {
        if (of.f == NULL)
            close(fd);
        fprintf(stderr, "sunbid: seal: io_error: cannot write %s\n", tmp);
        rc = CLI_FAIL;
        goto out;
    }

    struct envelope_seal_opts o = {
        .suite = s,
        .tender = tender,
        .lot = lot,
        .org = org,
        .created_ms = (uint64_t)clock_now_ms(),
        .machine = &machine,
        .sign_key = sign_key,
        .cert = cert,
        .cert_len = cert_len,
        .bidder_key = rcpt[0],
        .escrow_keys = rcpt + 1,
        .n_escrow = n_rcpt - 1,
        .files = src,
        .n_files = n_in,
    };
    if (envelope_seal(&o, out_write, &of, &err) != SEAL_OK) {
        rc = report("seal", &err);
        goto out;
    }
    if (fflush(of.f) != 0 || fsync(fileno(of.f)) != 0 || fclose(of.f) != 0) {
        of.f = NULL;
        fprintf(stderr, "sunbid: seal: io_error: cannot write %s: %s\n", tmp, strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    of.f = NULL;
    if (rename(tmp, out_path) != 0) {
        fprintf(stderr, "sunbid: seal: io_error: cannot rename to %s: %s\n", out_path,
                strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    tmp[0] = '\0';

    uint8_t sha[32];
    unsigned int shalen = 32;
    char shahex[65];
    uint64_t total = 0;
    EVP_DigestFinal_ex(of.sha, sha, &shalen);
    hexstr(sha, 32, shahex);
    for (int i = 0; i < n_in; i++)
        total += in[i].size;
    printf("sealed %d file%s (%llu bytes) for tender %s lot %s, suite %s, %d recipient%s\n", n_in,
           n_in == 1 ? "" : "s", (unsigned long long)total, tender, lot, s->name, n_rcpt,
           n_rcpt == 1 ? "" : "s");
    printf("envelope: %s (%llu bytes)\n", out_path, (unsigned long long)of.bytes);
    printf("sha256: %s\n", shahex);
    rc = CLI_OK;
out:
    if (of.f != NULL)
        fclose(of.f);
    if (tmp[0] != '\0')
        unlink(tmp);
    EVP_MD_CTX_free(of.sha);
    for (int i = 0; i < n_in; i++) {
        if (in[i].f != NULL)
            fclose(in[i].f);
        free(in[i].path);
    }
    for (int i = 0; i < n_rcpt; i++)
        EVP_PKEY_free(rcpt[i]);
    EVP_PKEY_free(sign_key);
    EVP_PKEY_free(cert_key);
    free(cert);
    return rc;
}

/* ---- unseal ---- */

struct unsealer {
    const char *dir;
    int n;                            /* files begun */
    FILE *f[ENVELOPE_MAX_FILES];      /* temporary outputs */
    char tmp[ENVELOPE_MAX_FILES][64]; /* their names in dir */
    int dirfd;
};

static int un_begin(void *arg, int file, const struct envelope_file *ef)
{
    struct unsealer *u = arg;
    snprintf(u->tmp[file], sizeof u->tmp[file], ".sunbid-unseal-%ld-%d", (long)getpid(), file);
    int fd = openat(u->dirfd, u->tmp[file], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        u->tmp[file][0] = '\0';
        return -1;
    }
    u->f[file] = fdopen(fd, "wb");
    if (u->f[file] == NULL) {
        close(fd);
        return -1;
    }
    if (file + 1 > u->n)
        u->n = file + 1;
    return 0;
}

static int un_write(void *arg, int file, const void *p, size_t n)
{
    struct unsealer *u = arg;
    return fwrite(p, 1, n, u->f[file]) == n ? 0 : -1;
}

/* Removes every temporary output. */
static void un_discard(struct unsealer *u)
{
    for (int i = 0; i < u->n; i++) {
        if (u->f[i] != NULL)
            fclose(u->f[i]);
        u->f[i] = NULL;
        if (u->tmp[i][0] != '\0')
            unlinkat(u->dirfd, u->tmp[i], 0);
        u->tmp[i][0] = '\0';
    }
}

static ssize_t fd_read(void *arg, void *buf, size_t n)
{
    FILE *f = arg;
    size_t k = fread(buf, 1, n, f);
    if (k == 0 && ferror(f))
        return -1;
    return (ssize_t)k;
}

static void print_header(const struct envelope_header *h)
{
    char t[25], hex[65], subj[256];
    clock_format_rfc3339((int64_t)h->created_ms, t);
    printf("suite: %s\n", h->suite->name);
    printf("tender: %s\nlot: %s\n", h->tender, h->lot);
    if (h->org[0] != '\0')
        printf("org: %s\n", h->org);
    printf("created: %s\n", t);
    suite_cert_subject(h->cert, h->cert_len, subj, sizeof subj);
    hexstr(h->signer_fp, 32, hex);
    printf("signer: %s\nsigner-sha256: %s\n", subj, hex);
    printf("tool: %s\n", h->machine.tool[0] ? h->machine.tool : "(unknown)");
    hexstr(h->machine.host_hash, 32, hex);
    printf("host-hash: %s\n", hex);
    hexstr(h->machine.mac_hash, 32, hex);
    printf("mac-hash: %s\n", hex);
    for (int i = 0; i < h->n_recipients; i++) {
        hexstr(h->rcpt[i].key_id, 32, hex);
        printf("recipient %d: %s key %s\n", i + 1,
               h->rcpt[i].kind == ENVELOPE_RCPT_BIDDER ? "bidder" : "escrow", hex);
    }
    for (int i = 0; i < h->n_files; i++) {
        printf("file %d: %s, %llu bytes", i + 1, envelope_role_name(h->files[i].role),
               (unsigned long long)h->files[i].size);
        if (h->have_names) {
            hexstr(h->files[i].hash, 32, hex);
            printf(", %s, %s %s", h->files[i].name, h->suite->id == SUITE_GM ? "sm3" : "sha256",
                   hex);
        }
        putchar('\n');
    }
}

static void unseal_usage(FILE *f)
{
    fputs("usage: sunbid unseal --key ENC_KEY.pem [--expect-tender ID] [--expect-lot ID]\n"
          "                     [--expect-signer CERT.pem] --out-dir DIR BID.sbe\n"
          "       sunbid unseal --inspect [--expect-tender ID] [--expect-lot ID] BID.sbe\n"
          "       sunbid unseal --release-key --key ENC_KEY.pem [--expect-...] BID.sbe\n"
          "\n"
          "Verifies the envelope (structure, signature, binding) and decrypts its\n"
          "files into DIR, which is created if missing; nothing is left in DIR\n"
          "unless every check passes. --inspect verifies without a key and prints\n"
          "the public header. --release-key verifies and decrypts without writing\n"
          "anything, then prints the content key K (64 hex digits) to release in\n"
          "the opening hall (POST /api/tenders/:id/opening/decrypt).\n",
          f);
}

/* --release-key after envelope_open passed with key: K from the recipient
 * block that is this key's, printed as hex. Returns a CLI exit code. */
static int release_key(const struct envelope_header *h, EVP_PKEY *key)
{
    uint8_t id[32], k[SUITE_KEY_LEN];
    char hex[2 * SUITE_KEY_LEN + 1];
    struct seal_error err = {0, ""};
    int i, rc;

    if (suite_key_id(key, id) != SEAL_OK) {
        seal_fail(&err, SEAL_ECRYPTO, "key id");
        return report("unseal", &err);
    }
    for (i = 0; i < h->n_recipients; i++)
        if (memcmp(h->rcpt[i].key_id, id, 32) == 0)
            break;
    if (i == h->n_recipients) {
        seal_fail(&err, SEAL_EWRONGKEY, "none of the %d recipients has this key", h->n_recipients);
        return report("unseal", &err);
    }
    rc = suite_unwrap(h->suite, key, h->rcpt[i].wrap, h->rcpt[i].wrap_len, k);
    if (rc != SEAL_OK) {
        seal_fail(&err, rc == SEAL_ECRYPTO ? SEAL_ECRYPTO : SEAL_EBADWRAP,
                  "recipient %d: the wrapped content key does not decrypt", i + 1);
        return report("unseal", &err);
    }
    hexstr(k, SUITE_KEY_LEN, hex);
    OPENSSL_cleanse(k, sizeof k);
    printf("%s\n", hex);
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
    OPENSSL_cleanse(hex, sizeof hex);
    return rc;
}

int cli_unseal(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"expect-tender", required_argument, NULL, 't'},
                                             {"expect-lot", required_argument, NULL, 'l'},
                                             {"expect-signer", required_argument, NULL, 's'},
                                             {"out-dir", required_argument, NULL, 'O'},
                                             {"inspect", no_argument, NULL, 'i'},
                                             {"release-key", no_argument, NULL, 'r'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *key_path = NULL, *signer_path = NULL, *dir = NULL;
    struct envelope_open_opts oo = {NULL, NULL, NULL, NULL};
    struct unsealer u;
    struct envelope_output out = {un_begin, un_write, &u};
    struct envelope_header *h = NULL;
    struct seal_error err = {0, ""};
    uint8_t signer_fp[32];
    int inspect = 0, release = 0, opt, rc = CLI_FAIL;
    FILE *in = NULL;

    memset(&u, 0, sizeof u);
    u.dirfd = -1;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            key_path = optarg;
            break;
        case 't':
            oo.expect_tender = optarg;
            break;
        case 'l':
            oo.expect_lot = optarg;
            break;
        case 's':
            signer_path = optarg;
            break;
        case 'O':
            dir = optarg;
            break;
        case 'i':
            inspect = 1;
            break;
        case 'r':
            release = 1;
            break;
        case 'd':
        case 'b':
            break;
        case 'h':
            unseal_usage(stdout);
            return CLI_OK;
        default:
            unseal_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1 || (!inspect && !release && (key_path == NULL || dir == NULL))) {
        fprintf(stderr, "sunbid: unseal: one BID.sbe, and --key and --out-dir (or --inspect)\n");
        unseal_usage(stderr);
        return CLI_USAGE;
    }
    if (release && (inspect || dir != NULL || key_path == NULL)) {
        fprintf(stderr, "sunbid: unseal: --release-key takes --key, and neither --out-dir nor "
                        "--inspect\n");
        unseal_usage(stderr);
        return CLI_USAGE;
    }
    if (signer_path != NULL) {
        uint8_t *der = NULL;
        size_t len = 0;
        EVP_PKEY *pk = NULL;
        if (suite_load_cert(signer_path, &der, &len, &pk, &err) != SEAL_OK) {
            report("unseal", &err);
            return err.code == SEAL_EIO ? CLI_FAIL : CLI_INVALID;
        }
        suite_sha256(der, len, signer_fp);
        oo.expect_signer = signer_fp;
        free(der);
        EVP_PKEY_free(pk);
    }
    if (!inspect && suite_load_private_key(key_path, &oo.key, &err) != SEAL_OK)
        return report("unseal", &err);
    in = fopen(argv[optind], "rb");
    if (in == NULL) {
        fprintf(stderr, "sunbid: unseal: io_error: cannot open %s: %s\n", argv[optind],
                strerror(errno));
        goto out;
    }
    if (!inspect && !release) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "sunbid: unseal: io_error: cannot create %s: %s\n", dir,
                    strerror(errno));
            goto out;
        }
        u.dir = dir;
        u.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (u.dirfd < 0) {
            fprintf(stderr, "sunbid: unseal: io_error: cannot open %s: %s\n", dir, strerror(errno));
            goto out;
        }
    }

    /* --release-key: decrypt to nowhere, so K is released only for an
     * envelope that opens completely under it */
    int erc = envelope_open(&oo, fd_read, in, inspect || release ? NULL : &out, &h, &err);
    if (erc != SEAL_OK) {
        if (inspect && h != NULL)
            print_header(h);
        rc = report("unseal", &err);
        goto out;
    }
    if (inspect) {
        print_header(h);
        printf("signature: valid\n");
        rc = CLI_OK;
        goto out;
    }
    if (release) {
        rc = release_key(h, oo.key);
        goto out;
    }

    /* every check passed: flush the outputs, then give them their names */
    for (int i = 0; i < h->n_files; i++) {
        struct stat st;
        if (fstatat(u.dirfd, h->files[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            fprintf(stderr, "sunbid: unseal: %s/%s already exists; nothing written\n", dir,
                    h->files[i].name);
            rc = CLI_CONFLICT;
            goto out;
        }
        if (fflush(u.f[i]) != 0 || fsync(fileno(u.f[i])) != 0) {
            fprintf(stderr, "sunbid: unseal: io_error: cannot write %s/%s\n", dir,
                    h->files[i].name);
            goto out;
        }
    }
    for (int i = 0; i < h->n_files; i++) {
        fclose(u.f[i]);
        u.f[i] = NULL;
        if (renameat2(u.dirfd, u.tmp[i], u.dirfd, h->files[i].name, RENAME_NOREPLACE) != 0) {
            fprintf(stderr, "sunbid: unseal: io_error: cannot create %s/%s: %s\n", dir,
                    h->files[i].name, strerror(errno));
            rc = errno == EEXIST ? CLI_CONFLICT : CLI_FAIL;
            goto out;
        }
        u.tmp[i][0] = '\0';
    }
    print_header(h);
    printf("unsealed %d file%s into %s\n", h->n_files, h->n_files == 1 ? "" : "s", dir);
    rc = CLI_OK;
out:
    un_discard(&u);
    if (u.dirfd >= 0)
        close(u.dirfd);
    if (in != NULL)
        fclose(in);
    envelope_header_free(h);
    EVP_PKEY_free(oo.key);
    return rc;
}
