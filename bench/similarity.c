/*
 * similarity.c — bench_similarity: bid document similarity over 5,000
 * synthetic documents of 100 KB (issue 9; goal: under 2 minutes on this
 * 2-core machine), then the relationship graph over 100,000 organisations.
 *
 * Figures, each on its own line as "bench: NAME VALUE UNIT":
 *   sim_docs, sim_input_mb          the corpus
 *   sim_total_s                     wall time of sim_run: signatures, LSH,
 *                                   exact pairs, document frequencies
 *   sim_pass1_s sim_lsh_s sim_pairs_s sim_df_s   the passes
 *   sim_cpu_s                       CPU time of the run (all threads)
 *   sim_mb_per_s                    input megabytes per wall second
 *   sim_peak_rss_mb                 peak resident memory of the run
 *                                   (getrusage of the child that ran it)
 *   sim_segments                    segments signed
 *   sim_candidate_pairs             candidate pairs LSH found
 *   sim_reported_pairs              pairs sharing a passage
 *   sim_planted_pairs               pairs planted
 *   sim_planted_recalled            of those, reported with the passage
 *   sim_recall_pct                  recalled / planted
 *   sim_recall_ge4k_pct             the same for passages of 4 KB and more
 *   sim_unplanted_pairs             reported pairs that were not planted
 *   graph_orgs, graph_bids          the relationship data
 *   graph_total_s                   load four CSV files, analyse, write JSON
 *   graph_peak_rss_mb               peak resident memory (its own child)
 *   graph_components, graph_rings_found / graph_rings_planted
 *   graph_rotations_found / planted, graph_covers_found / planted
 *   graph_false_rotations, graph_false_covers
 *
 * The corpus: a 20 KB tender document (the template); each bid opens with
 * a random half of its paragraphs, then about 90 KB of its own text: words
 * of one to four Chinese characters drawn from 3,000 with a skewed
 * (power-law-like) frequency, with punctuation and numbers, as bids are
 * written. 250 pairs of bids share a planted passage of 2-20 KB at random
 * places (half in one lot, half across lots; lots of ten bids). Everything
 * is seeded (xorshift); the files go to BENCH_TMP (default /tmp) and are
 * deleted afterwards (BENCH_KEEP=1 keeps them). The run uses LSH only
 * (exhaustive_lot = 0; every other parameter at its default), two threads.
 * BENCH_SIM_DOCS and BENCH_GRAPH_ORGS change the sizes.
 *
 * The graph: 100,000 organisations with phones, e-mails, addresses, bank
 * accounts, a legal representative and shareholders each; 2,000 planted
 * rings of four (a shared legal representative, a phone written two ways,
 * a shared project manager); 50 business-centre addresses shared by 30
 * firms each (hubs); 150,000 lots of 3-8 random bidders, plus 20 planted
 * rotation rings (three firms taking turns over 30 lots) and 20 planted
 * cover bidders (always highest, 12 lots, one beneficiary).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analytics/doctext.h"
#include "analytics/relgraph.h"
#include "analytics/similarity.h"
#include "base/buf.h"
#include "base/clock.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next() % n);
}

static double now_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- the corpus --------------------------------------------------------- */

#define VOCAB 3000
static char vocab[VOCAB][4];

static void vocab_init(void)
{
    for (unsigned i = 0; i < VOCAB; i++) {
        unsigned c = 0x4E00 + (i * 7919u) % 20902u;
        vocab[i][0] = (char)(0xE0 | (c >> 12));
        vocab[i][1] = (char)(0x80 | ((c >> 6) & 0x3F));
        vocab[i][2] = (char)(0x80 | (c & 0x3F));
        vocab[i][3] = '\0';
    }
}

/* Appends about n bytes of text; returns the code points written (not
 * counting line breaks, which the comparison drops). */
static size_t gen_text(struct buf *b, size_t n)
{
    size_t start = b->len, cps = 0, line = 0;
    while (b->len - start < n) {
        unsigned w = 1 + pick(4);
        for (unsigned i = 0; i < w; i++) {
            double u = (double)(next() >> 11) / 9007199254740992.0;
            unsigned k = (unsigned)(u * u * u * VOCAB); /* skewed: common characters */
            buf_append(b, vocab[k], 3);
            cps++;
        }
        unsigned r = pick(100);
        if (r < 10) {
            buf_append(b, "，", 3);
            cps++;
        } else if (r < 15) {
            buf_append(b, "。", 3);
            cps++;
        } else if (r < 16) {
            size_t before = b->len;
            buf_printf(b, "%u", pick(100000));
            cps += b->len - before;
        }
        line += w;
        if (line > 70) {
            buf_putc(b, '\n');
            line = 0;
        }
    }
    return cps;
}

struct planted {
    uint32_t a, b;
    size_t bytes, cps;
    bool found;
};

struct corpus {
    char dir[512];
    size_t ndocs;
    size_t bytes;
    struct planted *plants;
    size_t nplants;
};

static int write_file(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    bool ok = fwrite(b->data, 1, b->len, f) == b->len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int make_corpus(struct corpus *c)
{
    vocab_init();
    /* The template: 20 paragraphs of about 1 KB. */
    struct buf para[20];
    struct buf tpl;
    buf_init(&tpl, 1 << 20);
    for (int i = 0; i < 20; i++) {
        buf_init(&para[i], 1 << 16);
        gen_text(&para[i], 1000);
        buf_putc(&para[i], '\n');
        buf_append(&tpl, para[i].data, para[i].len);
    }
    char path[700];
    snprintf(path, sizeof path, "%s/template.txt", c->dir);
    if (write_file(path, &tpl) != 0)
        return -1;
    buf_release(&tpl);
    /* The planted passages: pairs of documents that are not yet in one. */
    c->nplants = c->ndocs / 20;
    c->plants = calloc(c->nplants ? c->nplants : 1, sizeof *c->plants);
    int32_t *plant_of = malloc(c->ndocs * sizeof *plant_of);
    if (c->plants == NULL || plant_of == NULL)
        return -1;
    for (size_t i = 0; i < c->ndocs; i++)
        plant_of[i] = -1;
    for (size_t p = 0; p < c->nplants; p++) {
        uint32_t a, b;
        do {
            a = pick((unsigned)c->ndocs);
            /* half in the same lot of ten, half anywhere */
            b = p % 2 == 0 ? (uint32_t)(a / 10 * 10 + pick(10)) : pick((unsigned)c->ndocs);
        } while (a == b || b >= c->ndocs || plant_of[a] >= 0 || plant_of[b] >= 0);
        plant_of[a] = plant_of[b] = (int32_t)p;
        c->plants[p].a = a < b ? a : b;
        c->plants[p].b = a < b ? b : a;
        c->plants[p].bytes = 2000 + pick(18001);
    }
    struct buf doc, shared;
    buf_init(&doc, 1 << 22);
    buf_init(&shared, 1 << 20);
    for (size_t d = 0; d < c->ndocs; d++) {
        buf_reset(&doc);
        for (int i = 0; i < 20; i++)
            if (pick(2))
                buf_append(&doc, para[i].data, para[i].len);
        size_t own = 100000 - doc.len;
        int32_t p = plant_of[d];
        if (p < 0) {
            gen_text(&doc, own);
        } else {
            /* The passage is the same text in both: regenerate it from its
             * own seed, then go back to the corpus stream. */
            uint64_t saved = rng;
            rng = 0x5eed0000ULL + (uint64_t)p * 0x9E3779B97F4A7C15ULL;
            buf_reset(&shared);
            c->plants[p].cps = gen_text(&shared, c->plants[p].bytes);
            rng = saved;
            size_t before = pick((unsigned)(own - shared.len));
            gen_text(&doc, before);
            buf_putc(&doc, '\n');
            buf_append(&doc, shared.data, shared.len);
            buf_putc(&doc, '\n');
            gen_text(&doc, own > before + shared.len ? own - before - shared.len : 1);
        }
        snprintf(path, sizeof path, "%s/d%05zu.txt", c->dir, d);
        if (write_file(path, &doc) != 0)
            return -1;
        c->bytes += doc.len;
    }
    buf_release(&doc);
    buf_release(&shared);
    for (int i = 0; i < 20; i++)
        buf_release(&para[i]);
    free(plant_of);
    return 0;
}

/* ---- the similarity run (in a child) ------------------------------------ */

struct src {
    const struct corpus *c;
};

static int load(void *ud, size_t i, const char **text, size_t *len)
{
    const struct src *s = ud;
    char path[700];
    snprintf(path, sizeof path, "%s/d%05zu.txt", s->c->dir, i);
    struct doctext d;
    if (doctext_read_file(path, &d) != DOCTEXT_OK) {
        doctext_release(&d);
        return -1;
    }
    *text = d.text; /* ours now; release() frees it */
    *len = d.len;
    d.text = NULL;
    doctext_release(&d);
    return 0;
}

static void unload(void *ud, size_t i, const char *text)
{
    (void)ud;
    (void)i;
    free((void *)(uintptr_t)text);
}

static int run_similarity(struct corpus *c)
{
    char path[700];
    snprintf(path, sizeof path, "%s/template.txt", c->dir);
    struct doctext tpl;
    if (doctext_read_file(path, &tpl) != DOCTEXT_OK)
        return 1;
    struct sim_params p;
    sim_params_init(&p);
    p.exhaustive_lot = 0;
    p.threads = 2;
    struct sim *s = sim_new(&p);
    if (s == NULL || sim_template_add(s, 0, tpl.text, tpl.len) != SIM_OK)
        return 1;
    doctext_release(&tpl);
    struct sim_doc *docs = calloc(c->ndocs, sizeof *docs);
    char(*lots)[32] = calloc(c->ndocs, sizeof *lots);
    if (docs == NULL || lots == NULL)
        return 1;
    for (size_t i = 0; i < c->ndocs; i++) {
        snprintf(lots[i], sizeof lots[i], "L%04zu", i / 10);
        docs[i] =
            (struct sim_doc){.id = "bid", .lot = lots[i], .format = "txt", .template_set = -1};
    }
    struct src src_ud = {c};
    struct sim_source src = {load, unload, &src_ud};
    struct sim_result r;
    double c0 = cpu_s(), t0 = now_s();
    int rc = sim_run(s, docs, c->ndocs, &src, &r);
    double t = now_s() - t0, cpu = cpu_s() - c0;
    if (rc != SIM_OK) {
        fprintf(stderr, "bench_similarity: sim_run: %s\n", sim_err_code(rc));
        return 1;
    }
    size_t recalled = 0, big = 0, big_recalled = 0, unplanted = 0;
    for (size_t i = 0; i < r.npairs; i++) {
        const struct sim_pair *pr = &r.pairs[i];
        bool planted = false;
        for (size_t k = 0; k < c->nplants; k++) {
            struct planted *pl = &c->plants[k];
            if (pl->a == pr->a && pl->b == pr->b) {
                planted = true;
                if (pr->nshown > 0 && pr->passages[0].chars * 10 >= pl->cps * 9)
                    pl->found = true;
            }
        }
        unplanted += !planted;
    }
    for (size_t k = 0; k < c->nplants; k++) {
        recalled += c->plants[k].found;
        if (c->plants[k].bytes >= 4000) {
            big++;
            big_recalled += c->plants[k].found;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mb = (double)r.text_bytes / 1e6;
    printf("bench: sim_docs %zu docs\n", c->ndocs);
    printf("bench: sim_input_mb %.1f MB\n", mb);
    printf("bench: sim_total_s %.2f s\n", t);
    printf("bench: sim_pass1_s %.2f s\n", r.pass_s[0]);
    printf("bench: sim_lsh_s %.2f s\n", r.pass_s[1]);
    printf("bench: sim_pairs_s %.2f s\n", r.pass_s[2]);
    printf("bench: sim_df_s %.2f s\n", r.pass_s[3]);
    printf("bench: sim_cpu_s %.2f s\n", cpu);
    printf("bench: sim_mb_per_s %.1f MB/s\n", mb / t);
    printf("bench: sim_peak_rss_mb %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    printf("bench: sim_segments %llu segments\n", (unsigned long long)r.segments);
    printf("bench: sim_candidate_pairs %llu pairs\n", (unsigned long long)r.verified);
    printf("bench: sim_reported_pairs %zu pairs\n", r.npairs);
    printf("bench: sim_planted_pairs %zu pairs\n", c->nplants);
    printf("bench: sim_planted_recalled %zu pairs\n", recalled);
    printf("bench: sim_recall_pct %.1f %%\n",
           c->nplants ? 100.0 * (double)recalled / (double)c->nplants : 0);
    printf("bench: sim_recall_ge4k_pct %.1f %%\n",
           big ? 100.0 * (double)big_recalled / (double)big : 0);
    printf("bench: sim_unplanted_pairs %zu pairs\n", unplanted);
    fflush(stdout);
    sim_result_release(&r);
    sim_free(s);
    free(docs);
    free(lots);
    return 0;
}

/* ---- the graph (in a child) --------------------------------------------- */

static int run_graph(size_t norg)
{
    struct buf orgs, people, contacts, bids;
    buf_init(&orgs, (size_t)1 << 30);
    buf_init(&people, (size_t)1 << 30);
    buf_init(&contacts, (size_t)1 << 30);
    buf_init(&bids, (size_t)1 << 31);
    rng = 0x6772617068ULL;
    size_t nrings = norg / 50, nrot = 20, ncover = 20;
    /* Organisations 0 .. 4*nrings-1 are the rings, then the rotation
     * rings (3 each), the cover bidders and beneficiaries, then the rest. */
    size_t rot0 = 4 * nrings, cov0 = rot0 + 3 * nrot, free0 = cov0 + 2 * ncover;
    buf_puts(&orgs, "org_id,name,phone,email,address,bank_account\n");
    buf_puts(&people, "org_id,person_id,name,role\n");
    buf_puts(&contacts, "org_id,kind,value\n");
    for (size_t o = 0; o < norg; o++) {
        char phone[32];
        snprintf(phone, sizeof phone, "0591-8%07zu", o);
        if (o < rot0 && o % 4 == 2) /* ring member 3 shares member 2's phone */
            snprintf(phone, sizeof phone, "+86 591 8%07zu", o - 1);
        char addr[96];
        if (o >= free0 && o < free0 + 50 * 30)
            snprintf(addr, sizeof addr, "福州市鼓楼区商务中心%zu号", (o - free0) / 30);
        else
            snprintf(addr, sizeof addr, "福州市%zu区%zu路%zu号", o % 13, o / 13 % 997, o);
        buf_printf(&orgs, "O%06zu,Firm %zu,%s,o%zu@corp.cn,%s,6222%012zu\n", o, o, phone, o, addr,
                   o);
        size_t rep = o;
        if (o < rot0 && o % 4 == 1) /* ring members 1 and 2 share a legal rep */
            rep = o - 1;
        buf_printf(&people, "O%06zu,3501%014zu,Rep %zu,legal_rep\n", o, rep, rep);
        buf_printf(&people, "O%06zu,3502%014zu,Holder %zu,shareholder\n", o, o, o);
        size_t pm = o;
        if (o < rot0 && o % 4 == 3) /* members 3 and 4 share a project manager */
            pm = o - 1;
        if (o % 2 == 0 || (o < rot0 && o % 4 >= 2))
            buf_printf(&people, "O%06zu,3503%014zu,PM %zu,项目经理\n", o, pm, pm);
        if (o % 2 == 1)
            buf_printf(&contacts, "O%06zu,phone,1380%07zu\n", o, o);
    }
    buf_puts(&bids, "tender_id,lot,org,price,winner,date\n");
    size_t nlots = norg * 3 / 2, t = 0;
    size_t nfree = norg - free0;
    for (; t < nlots; t++) {
        unsigned n = 3 + pick(6);
        size_t who[8];
        unsigned best = 0;
        double price[8];
        for (unsigned i = 0; i < n; i++) {
            bool dup;
            do {
                who[i] = free0 + pick((unsigned)nfree);
                dup = false;
                for (unsigned k = 0; k < i; k++)
                    dup = dup || who[k] == who[i];
            } while (dup);
            price[i] = 1e6 * (0.9 + 0.2 * (double)pick(10000) / 10000.0);
            if (price[i] < price[best])
                best = i;
        }
        for (unsigned i = 0; i < n; i++)
            buf_printf(&bids, "T%07zu,1,O%06zu,%.2f,%d,2020-01-01\n", t, who[i], price[i],
                       i == best);
    }
    for (size_t r = 0; r < nrot; r++)
        for (int k = 0; k < 30; k++, t++) {
            for (int m = 0; m < 3; m++)
                buf_printf(&bids, "T%07zu,1,O%06zu,%.2f,%d,2021-01-01\n", t, rot0 + 3 * r + m,
                           m == k % 3 ? 950000.0 : 1050000.0 + 10000 * m, m == k % 3);
            for (int m = 0; m < 2; m++)
                buf_printf(&bids, "T%07zu,1,O%06zu,%.2f,0,2021-01-01\n", t,
                           free0 + pick((unsigned)nfree), 1000000.0 + pick(100000));
        }
    for (size_t r = 0; r < ncover; r++)
        for (int k = 0; k < 12; k++, t++) {
            buf_printf(&bids, "T%07zu,1,O%06zu,900000,1,2022-01-01\n", t, cov0 + 2 * r + 1);
            buf_printf(&bids, "T%07zu,1,O%06zu,1300000,0,2022-01-01\n", t, cov0 + 2 * r);
            for (int m = 0; m < 3; m++)
                buf_printf(&bids, "T%07zu,1,O%06zu,%.2f,0,2022-01-01\n", t,
                           free0 + pick((unsigned)nfree), 1000000.0 + pick(100000));
        }

    struct rg_params p;
    rg_params_init(&p);
    struct relgraph *g = rg_new(&p);
    struct rg_error e = {0};
    struct buf out;
    buf_init(&out, (size_t)1 << 31);
    double t0 = now_s();
    int rc = rg_load_orgs(g, orgs.data, orgs.len, &e);
    if (rc == RG_OK)
        rc = rg_load_people(g, people.data, people.len, &e);
    if (rc == RG_OK)
        rc = rg_load_contacts(g, contacts.data, contacts.len, &e);
    if (rc == RG_OK)
        rc = rg_load_bids(g, bids.data, bids.len, &e);
    if (rc == RG_OK)
        rc = rg_analyse(g);
    if (rc == RG_OK)
        rc = rg_write_json(g, &out);
    double dt = now_s() - t0;
    if (rc != RG_OK) {
        fprintf(stderr, "bench_similarity: graph: %s line %zu: %s\n", rg_err_code(rc), e.line,
                e.msg);
        return 1;
    }
    struct rg_stats st;
    rg_stats(g, &st);
    size_t rings = 0;
    for (size_t r = 0; r < nrings; r++) {
        char id[32];
        int c0 = -1;
        bool all = true;
        for (int m = 0; m < 4; m++) {
            snprintf(id, sizeof id, "O%06zu", 4 * r + (size_t)m);
            int c = rg_component_of(g, id);
            if (m == 0)
                c0 = c;
            all = all && c >= 0 && c == c0;
        }
        rings += all;
    }
    size_t rot_found = 0, rot_false = 0, cov_found = 0, cov_false = 0;
    for (size_t i = 0; i < rg_rotation_count(g); i++) {
        const char *ids[8];
        size_t k = rg_rotation_members(g, i, ids, 8);
        unsigned long first = strtoul(ids[0] + 1, NULL, 10);
        bool planted = k == 3 && first >= rot0 && first < cov0 && (first - rot0) % 3 == 0 &&
                       strtoul(ids[2] + 1, NULL, 10) == first + 2;
        rot_found += planted;
        rot_false += !planted;
    }
    for (size_t i = 0; i < rg_cover_count(g); i++) {
        unsigned long o = strtoul(rg_cover_org(g, i) + 1, NULL, 10);
        const char *b = rg_cover_beneficiary(g, i);
        bool planted = o >= cov0 && o < free0 && (o - cov0) % 2 == 0 && b != NULL &&
                       strtoul(b + 1, NULL, 10) == o + 1;
        cov_found += planted;
        cov_false += !planted;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bench: graph_orgs %zu orgs\n", st.orgs);
    printf("bench: graph_bids %zu bids\n", st.bids);
    printf("bench: graph_input_mb %.1f MB\n",
           (double)(orgs.len + people.len + contacts.len + bids.len) / 1e6);
    printf("bench: graph_total_s %.2f s\n", dt);
    printf("bench: graph_peak_rss_mb %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    printf("bench: graph_components %zu components\n", st.components);
    printf("bench: graph_hubs %zu hubs\n", st.hubs);
    printf("bench: graph_rings_planted %zu rings\n", nrings);
    printf("bench: graph_rings_found %zu rings\n", rings);
    printf("bench: graph_rotation_tests %zu groups\n", st.groups_tried);
    printf("bench: graph_rotations_planted %zu groups\n", nrot);
    printf("bench: graph_rotations_found %zu groups\n", rot_found);
    printf("bench: graph_false_rotations %zu groups\n", rot_false);
    printf("bench: graph_covers_planted %zu firms\n", ncover);
    printf("bench: graph_covers_found %zu firms\n", cov_found);
    printf("bench: graph_false_covers %zu firms\n", cov_false);
    fflush(stdout);
    rg_free(g);
    buf_release(&out);
    buf_release(&orgs);
    buf_release(&people);
    buf_release(&contacts);
    buf_release(&bids);
    return rings == nrings && rot_found == nrot && cov_found == ncover ? 0 : 1;
}

/* Runs fn in a child so that its peak memory is its own. */
static int in_child(int (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0)
        _exit(fn(arg));
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int sim_child(void *arg)
{
    return run_similarity(arg);
}

static int graph_child(void *arg)
{
    return run_graph(*(size_t *)arg);
}

static size_t env_size(const char *name, size_t def)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return def;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    return *end == '\0' && x > 0 ? (size_t)x : def;
}

int main(void)
{
    struct corpus c = {0};
    c.ndocs = env_size("BENCH_SIM_DOCS", 5000);
    const char *tmp = getenv("BENCH_TMP");
    snprintf(c.dir, sizeof c.dir, "%s/sunbid-bench-sim-%d", tmp ? tmp : "/tmp", (int)getpid());
    if (mkdir(c.dir, 0755) != 0) {
        fprintf(stderr, "bench_similarity: %s: %s\n", c.dir, strerror(errno));
        return 1;
    }
    double g0 = now_s();
    int rc = make_corpus(&c);
    if (rc != 0) {
        fprintf(stderr, "bench_similarity: cannot write the corpus in %s\n", c.dir);
        return 1;
    }
    printf("bench: sim_generate_s %.2f s\n", now_s() - g0);
    rc = in_child(sim_child, &c);
    if (getenv("BENCH_KEEP") == NULL) {
        char path[700];
        for (size_t i = 0; i < c.ndocs; i++) {
            snprintf(path, sizeof path, "%s/d%05zu.txt", c.dir, i);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/template.txt", c.dir);
        unlink(path);
        rmdir(c.dir);
    }
    size_t norg = env_size("BENCH_GRAPH_ORGS", 100000);
    if (in_child(graph_child, &norg) != 0)
        rc = 1;
    free(c.plants);
    return rc;
}
