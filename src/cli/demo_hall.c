/*
 * cli/demo_hall.c — the demo's opening hall (docs/tenders.md, "The demo's
 * opening hall"), run last by `sunbid demo`, after the bidders' keys
 * (cli/demo_certs.c):
 *
 *   a works tender whose publication is stated 21 days back and whose bid
 *   deadline is DEMO_HALL_MINUTES after the seeding (rounded up to a whole
 *   minute), so a newcomer who starts `make demo` watches its hall open by
 *   itself at the deadline and walks it to the sealed record;
 *   bidder1 .. bidder3 registered and each with one sealed bid: a real
 *   envelope (suite intl) sealed with DATA/demo-keys/bidderN/ to its own
 *   encryption certificate, holding the opening form (opening-form.json,
 *   price-list) and a short commercial file, submitted through the bid
 *   service's own admission, streaming and commit (domain/bids.h), with its
 *   receipt signed by the platform's receipt key; a copy of each envelope
 *   is kept as DATA/demo-keys/bidderN/hall-bid.sbe for the command line
 *   (`sunbid opening decrypt --envelope`).
 *
 * Honesty: nothing here moves a clock. Only the publication is back-dated,
 * by tender_publish_backdated (domain/tender.h): it checks the statutory
 * rules against the stated time (21 days >= min_bid_days 20), and its
 * audit row and witness-log event are appended now (the log's entry bears
 * the real time; the audit row says "backdated" with the stated and the
 * real time). The registrations and the bids
 * happen at the real time of the seeding, before the real deadline, by the
 * same checks as through the API.
 *
 * Idempotent: the tender is made only when no tender has its title. A
 * later `sunbid demo` prints where it stands; a fresh data directory gives
 * a fresh deadline.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "crypto/envelope.h"
#include "crypto/suite.h"
#include "domain/bids.h"
#include "domain/tender.h"

#define DEMO_HALL_MINUTES 3
#define DEMO_HALL_TITLE   "榕城市江北污水处理厂提标改造工程（开标大厅演示）"
#define DEMO_HALL_PATH    768
#define DEMO_HALL_ENV_MAX ((size_t)1 << 20) /* a sealed demo bid is a few KiB */

static const char hall_doc[] = "榕城市江北污水处理厂提标改造工程招标文件（开标大厅演示）\n"
                               "投标截止时间即开标时间；不见面开标，投标人在线签到、解密、"
                               "确认开标记录。\n";

/* The bidders' opening forms (开标一览表) and a line of their commercial file. */
static const struct {
    const char *user;
    const char *form;
    const char *letter;
} hall_bids[] = {
    {"bidder1", "{\"price_fen\": 4238650000, \"duration_days\": 420, \"quality\": \"合格\"}",
     "投标函：海峡建工集团有限公司，投标报价 42,386,500.00 元，工期 420 日历天。\n"},
    {"bidder2", "{\"price_fen\": 4196000000, \"duration_days\": 450, \"quality\": \"合格\"}",
     "投标函：闽江路桥工程有限公司，投标报价 41,960,000.00 元，工期 450 日历天。\n"},
    {"bidder3", "{\"price_fen\": 4305120000, \"duration_days\": 400, \"quality\": \"合格\"}",
     "投标函：榕城市政建设有限公司，投标报价 43,051,200.00 元，工期 400 日历天。\n"},
};
#define N_HALL_BIDS ((int)(sizeof hall_bids / sizeof hall_bids[0]))

/* One text value by one id; "" when absent. */
static void hall_text(struct store *s, const char *sql, int64_t id, char *out, size_t n)
{
    struct store_tx *tx = NULL;
    struct store_param p[] = {SP_I(id)};
    struct buf b;
    buf_init(&b, n - 1);
    out[0] = '\0';
    if (store_begin(s, STORE_READ, &tx) == STORE_OK &&
        store_query_text(tx, sql, p, 1, &b) == STORE_OK && b.len < n) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    }
    store_rollback(tx);
    buf_release(&b);
}

struct mem_src {
    const char *p;
    size_t n, off;
};

static ssize_t mem_read(void *arg, void *buf, size_t n)
{
    struct mem_src *m = arg;
    size_t k = m->n - m->off < n ? m->n - m->off : n;
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

static int mem_write(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n) == BUF_OK ? 0 : -1;
}

/* Seals bidder i's bid for (code, lot 1) into env with its demo keys. */
static int hall_seal(const char *keys, int i, const char *code, const char *uscc, struct buf *env)
{
    char path[DEMO_HALL_PATH + 64];
    EVP_PKEY *sign = NULL, *cert_key = NULL, *rcpt = NULL;
    uint8_t *cert = NULL;
    size_t cert_len = 0;
    struct seal_error err = {0, ""};
    int rc = CLI_FAIL;
    struct mem_src form = {hall_bids[i].form, strlen(hall_bids[i].form), 0};
    struct mem_src letter = {hall_bids[i].letter, strlen(hall_bids[i].letter), 0};
    struct envelope_source src[] = {
        {"opening-form.json", ENVELOPE_ROLE_PRICE_LIST, form.n, mem_read, &form},
        {"投标函.txt", ENVELOPE_ROLE_COMMERCIAL, letter.n, mem_read, &letter},
    };
    snprintf(path, sizeof path, "%s/%s/sign.key.pem", keys, hall_bids[i].user);
    if (suite_load_private_key(path, &sign, &err) != SEAL_OK)
        goto out;
    snprintf(path, sizeof path, "%s/%s/sign.crt.pem", keys, hall_bids[i].user);
    if (suite_load_cert(path, &cert, &cert_len, &cert_key, &err) != SEAL_OK)
        goto out;
    snprintf(path, sizeof path, "%s/%s/encrypt.crt.pem", keys, hall_bids[i].user);
    if (suite_load_public_key(path, &rcpt, &err) != SEAL_OK)
        goto out;
    struct envelope_seal_opts o = {
        .suite = suite_by_name("intl"),
        .tender = code,
        .lot = "1",
        .org = uscc,
        .created_ms = (uint64_t)clock_now_ms(),
        .sign_key = sign,
        .cert = cert,
        .cert_len = cert_len,
        .bidder_key = rcpt,
        .files = src,
        .n_files = (int)(sizeof src / sizeof src[0]),
    };
    if (o.suite != NULL && envelope_seal(&o, mem_write, env, &err) == SEAL_OK)
        rc = CLI_OK;
out:
    if (rc != CLI_OK)
        fprintf(stderr, "sunbid: demo: sealing %s's bid: %s\n", hall_bids[i].user,
                err.msg[0] ? err.msg : "cannot seal");
    EVP_PKEY_free(sign);
    EVP_PKEY_free(cert_key);
    EVP_PKEY_free(rcpt);
    free(cert);
    return rc;
}

/* Submits env as c's bid for lot 1 through the bid service. */
static int hall_submit(struct bid_service *svc, const struct tender_caller *c, int64_t id,
                       const struct buf *env, int64_t *seq)
{
    struct bid_upload *u = NULL;
    struct bid_outcome out;
    const char *field = NULL, *digest = NULL;
    struct arena a;
    arena_init(&a, 0);
    enum err e = bid_upload_begin(svc, c, id, 1, (int64_t)env->len, &u, &field);
    if (e == ERR_OK)
        e = bid_upload_write(u, env->data, env->len);
    if (e == ERR_OK)
        e = bid_upload_end(u, &digest);
    if (e == ERR_OK)
        e = bid_upload_commit(u, &a, &out);
    if (e == ERR_OK)
        *seq = out.receipt.seq;
    else
        fprintf(stderr, "sunbid: demo: bid of %s: %s%s%s%s%s\n", c->who.name, err_code(e),
                field ? " " : "", field ? field : "", u && bid_upload_message(u) ? ": " : "",
                u && bid_upload_message(u) ? bid_upload_message(u) : "");
    bid_upload_free(u);
    arena_release(&a);
    return e == ERR_OK ? CLI_OK : CLI_FAIL;
}

/* Keeps bidder i's envelope beside its keys: DATA/demo-keys/bidderN/hall-bid.sbe. */
static int hall_keep(const char *keys, int i, const struct buf *env)
{
    char path[DEMO_HALL_PATH + 64];
    snprintf(path, sizeof path, "%s/%s/hall-bid.sbe", keys, hall_bids[i].user);
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(env->data, 1, env->len, f) == env->len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "sunbid: demo: cannot write %s\n", path);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int hall_check(const char *what, enum err e, const struct tender_refusal *why)
{
    if (e == ERR_OK)
        return CLI_OK;
    fprintf(stderr, "sunbid: demo: opening hall tender: %s: %s%s%s%s%s\n", what, err_code(e),
            why->field ? " (" : "", why->field ? why->field : "", why->rule ? ", rule " : "",
            why->rule ? why->rule : "");
    return CLI_FAIL;
}

/* Prints where an existing hall tender stands. */
static void hall_print(int64_t id, const char *code, int64_t deadline, const char *state)
{
    char when[25];
    clock_format_rfc3339(deadline, when);
    printf("demo opening hall tender %s (id %lld, %s): bid deadline %s", code, (long long)id, state,
           when);
    if (deadline > clock_now_ms())
        printf(", in %lld s: the hall opens then at /opening?tender=%lld\n",
               (long long)((deadline - clock_now_ms() + 999) / 1000), (long long)id);
    else
        printf(" (passed; a fresh data directory seeds a new one)\n");
}

int cli_demo_hall(struct store *s, const char *data_dir)
{
    struct tender_caller agent, bidders[N_HALL_BIDS];
    struct tender_refusal why = {0};
    struct store_tx *tx = NULL;
    struct bid_service *svc = NULL;
    char keys[DEMO_HALL_PATH], code[TENDER_CODE_MAX], uscc[32], hash[BLOB_HASH_HEX + 1],
        err[512] = "", state[32];
    int64_t id = 0, v = 0, owner = 0, seq = 0, deadline = 0;
    struct store_param p[] = {SP_T(DEMO_HALL_TITLE)};
    struct store_param po[] = {SP_T("11350100003600012%")};
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK &&
        store_query_int(tx, "SELECT id FROM tenders WHERE title = $1", p, 1, &id) == STORE_NOTFOUND)
        id = 0;
    if (rc == STORE_OK && id == 0) /* the tenderer: 榕城市城乡建设局 */
        rc = store_query_int(tx, "SELECT id FROM orgs WHERE uscc LIKE $1", po, 1, &owner);
    if (rc == STORE_OK && id != 0) {
        struct store_param pi[] = {SP_I(id)};
        rc = store_query_int(tx, "SELECT bid_deadline_ms FROM tenders WHERE id = $1", pi, 1,
                             &deadline);
    }
    store_rollback(tx);
    if (rc != STORE_OK)
        return rc == STORE_NOTFOUND ? CLI_OK : CLI_FAIL; /* not the demo organisations */
    if (id != 0) {
        hall_text(s, "SELECT code FROM tenders WHERE id = $1", id, code, sizeof code);
        hall_text(s, "SELECT state FROM tenders WHERE id = $1", id, state, sizeof state);
        hall_print(id, code, deadline, state);
        return CLI_OK;
    }
    if (cli_demo_caller(s, "agent", &agent) != STORE_OK)
        return CLI_OK;
    for (int i = 0; i < N_HALL_BIDS; i++)
        if (cli_demo_caller(s, hall_bids[i].user, &bidders[i]) != STORE_OK)
            return CLI_OK;

    /* the deadline: a whole minute, DEMO_HALL_MINUTES or a little more ahead */
    int64_t now = clock_now_ms();
    deadline = (now / 60000 + 1 + DEMO_HALL_MINUTES) * 60000;
    int64_t stated = deadline - 21 * TENDER_DAY_MS; /* published 21 days before */
    struct tender_input in = {0};
    in.title = DEMO_HALL_TITLE;
    in.description = "出水标准由一级 B 提升至一级 A，新建深度处理单元及配套管网。"
                     "本项目用于演示不见面开标：发布日期为演示数据的陈述日期（回溯 21 天），"
                     "投标截止时间为演示启动后数分钟。";
    in.region = "350100";
    in.category = "works";
    in.procedure = "open";
    in.has_owner_org = true;
    in.owner_org_id = owner;
    in.has_ceiling = true;
    in.ceiling_fen = 4500000000; /* 45,000,000.00 yuan */
    in.eval_method = "comprehensive";
    in.readout_fields = "bidder,price,duration,quality";
    in.has_decrypt_window = true;
    in.decrypt_window_min = 30;
    in.dates.publish_at = stated;
    in.dates.doc_start = stated;
    in.dates.doc_end = deadline; /* registration stays open to the deadline */
    in.dates.clarify_deadline = deadline - 15 * TENDER_DAY_MS;
    in.dates.bid_deadline = deadline;
    rc = hall_check("create", tender_create(s, &agent, &in, &id, &why), &why);
    if (rc == CLI_OK)
        rc = hall_check("document",
                        tender_document_add(s, &agent, id, "招标文件.txt", "text/plain", hall_doc,
                                            sizeof hall_doc - 1, &v, hash, NULL, &why),
                        &why);
    if (rc == CLI_OK)
        rc = hall_check("publish", tender_publish_backdated(s, &agent, id, stated, &why), &why);
    for (int i = 0; i < N_HALL_BIDS && rc == CLI_OK; i++)
        rc = hall_check("register", tender_register(s, &bidders[i], id, &why), &why);
    if (rc != CLI_OK)
        return rc;
    hall_text(s, "SELECT code FROM tenders WHERE id = $1", id, code, sizeof code);

    snprintf(keys, sizeof keys, "%s/demo-keys", data_dir);
    if (bid_service_open(&svc, s, data_dir, 0, "demo", err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: demo: sealed bids: %s\n", err);
        return CLI_FAIL;
    }
    for (int i = 0; i < N_HALL_BIDS && rc == CLI_OK; i++) {
        struct buf env;
        buf_init(&env, DEMO_HALL_ENV_MAX);
        hall_text(s, "SELECT uscc FROM orgs WHERE id = $1", bidders[i].org_id, uscc, sizeof uscc);
        rc = hall_seal(keys, i, code, uscc, &env);
        if (rc == CLI_OK)
            rc = hall_submit(svc, &bidders[i], id, &env, &seq);
        if (rc == CLI_OK) /* a copy for `sunbid opening decrypt --envelope` */
            rc = hall_keep(keys, i, &env);
        buf_release(&env);
    }
    bid_service_close(svc);
    if (rc == CLI_OK) {
        printf("demo opening hall tender seeded: published (stated) 21 days ago, 3 sealed bids "
               "with receipts\n");
        hall_print(id, code, deadline, "bidding");
    }
    return rc;
}
