/*
 * bench/analytics.c — supervision analytics at scale (issue 9's benchmark).
 *
 * Each section is one function called from main(); a section prints its
 * figures as "bench: NAME VALUE UNIT" lines and returns 0 or 1 (failed).
 *
 * section_screens: 1,000,000 synthetic tenders (10 M bids: 5..15 bids a
 * tender, 10 % collusive — a cartel of most of the bidders bidding within a
 * few percent above its designated winner, the rest competitive), seeded, so
 * every run has the same data. It
 *   1. trains a model (logit + forest, defaults) on 20,000 other tenders of
 *      the same kind;
 *   2. writes the 1 M tenders to a binary file (format in
 *      bench/analytics_numpy.py) and reads it back;
 *   3. computes, for every tender, sorted bids, the 9 screens and the 68
 *      summary screens over all 3- and 4-bid subsets (1 thread), then scores
 *      it with the model; then the screens again on BENCH_ANALYTICS_THREADS
 *      threads;
 *   4. runs bench/analytics_numpy.py (Debian's python3 + python3-numpy) on
 *      the first BENCH_ANALYTICS_NUMPY_TENDERS tenders of the same file
 *      (NumPy is slower: the whole million would add some 7 minutes),
 *      checks that its per-feature sums agree with ours on those tenders,
 *      and reports the ratio of the per-tender rates (ours on 1 thread).
 * Single-threaded rates (ours, NumPy's, the scores) are CPU time, so that
 * other work on a shared machine does not skew the ratio; the threaded run is
 * wall time. Peak memory is getrusage's ru_maxrss, of this process and of the
 * Python one. BENCH_ANALYTICS_TENDERS overrides the million (for a quick run).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "analytics/bidcsv.h"
#include "analytics/model.h"
#include "analytics/screens.h"

#define CHUNK 8192

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time, and this process's CPU time: the machine is shared, so the
 * single-threaded rates (ours and NumPy's) are taken from CPU time, which
 * other processes' load does not inflate. */
static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    if (v == NULL || *v == '\0')
        return dflt;
    unsigned long long x = strtoull(v, &end, 10);
    return (end && *end == '\0' && x > 0) ? (size_t)x : dflt;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(uint64_t *s)
{
    return sqrt(-2.0 * log(uniform(s))) * cos(6.283185307179586 * uniform(s));
}

/* Synthetic tenders into t (bids unsorted, as they arrive); labels set. */
static int generate(struct bid_table *t, size_t ntenders, uint64_t seed)
{
    uint64_t s = seed;
    memset(t, 0, sizeof(*t));
    t->tenders = calloc(ntenders, sizeof(*t->tenders));
    t->value = malloc(ntenders * 15 * sizeof(double));
    if (t->tenders == NULL || t->value == NULL)
        return -1;
    size_t off = 0;
    for (size_t i = 0; i < ntenders; i++) {
        struct bid_tender *bt = &t->tenders[i];
        uint32_t n = 5 + (uint32_t)(rng_next(&s) % 11);
        bool collusive = uniform(&s) < 0.10;
        double cost = exp(log(1e6) + normal(&s));
        double *v = t->value + off;
        if (collusive) {
            uint32_t outsiders = (uint32_t)(rng_next(&s) % 3);
            double win = cost * exp(0.05 + 0.03 * normal(&s));
            for (uint32_t k = 0; k < n; k++)
                v[k] = k < n - outsiders ? win * (1.0 + (k ? 0.005 + 0.03 * uniform(&s) : 0.0))
                                         : cost * exp(0.06 * normal(&s));
        } else {
            for (uint32_t k = 0; k < n; k++)
                v[k] = cost * exp(0.06 * normal(&s));
        }
        for (uint32_t k = n; k-- > 1;) { /* arrival order */
            uint32_t j = (uint32_t)(rng_next(&s) % (k + 1));
            double x = v[k];
            v[k] = v[j];
            v[j] = x;
        }
        bt->id = "";
        bt->off = off;
        bt->n = n;
        bt->label = collusive ? 1 : 0;
        bt->market_ix = -1;
        bt->ceiling = NAN;
        off += n;
    }
    t->ntenders = ntenders;
    t->nbids = off;
    return 0;
}

static void sort_bids(double *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        double x = v[i];
        uint32_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void sort_range(struct bid_table *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        sort_bids(t->value + t->tenders[i].off, t->tenders[i].n);
}

static int write_data(const char *path, const struct bid_table *t)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    uint64_t head[2] = {t->ntenders, t->nbids};
    fwrite("SBSCR1\0\0", 1, 8, f);
    fwrite(head, sizeof(head), 1, f);
    for (size_t i = 0; i < t->ntenders; i++)
        fwrite(&t->tenders[i].n, sizeof(uint32_t), 1, f);
    fwrite(t->value, sizeof(double), t->nbids, f);
    return fclose(f) == 0 ? 0 : -1;
}

static int read_data(const char *path, struct bid_table *t)
{
    FILE *f = fopen(path, "rb");
    char magic[8];
    uint64_t head[2];
    memset(t, 0, sizeof(*t));
    if (f == NULL)
        return -1;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "SBSCR1\0\0", 8) != 0 ||
        fread(head, sizeof(head), 1, f) != 1)
        goto bad;
    t->ntenders = head[0];
    t->nbids = head[1];
    t->tenders = calloc(t->ntenders, sizeof(*t->tenders));
    t->value = malloc(t->nbids * sizeof(double));
    uint32_t *n = malloc(t->ntenders * sizeof(uint32_t));
    if (!t->tenders || !t->value || !n ||
        fread(n, sizeof(uint32_t), t->ntenders, f) != t->ntenders ||
        fread(t->value, sizeof(double), t->nbids, f) != t->nbids) {
        free(n);
        goto bad;
    }
    size_t off = 0;
    for (size_t i = 0; i < t->ntenders; i++) {
        t->tenders[i] = (struct bid_tender){"", off, n[i], -1, NULL, -1, NAN, 0};
        off += n[i];
    }
    free(n);
    fclose(f);
    return off == t->nbids ? 0 : -1;
bad:
    fclose(f);
    return -1;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* Trains the scoring model on ntrain fresh synthetic tenders. */
static struct model *train_model(size_t ntrain, const struct screens_opts *so)
{
    struct bid_table t;
    struct model_params mp;
    struct model *m = NULL;
    const char *names[SCREENS_NFEATURES];
    double *x = NULL;
    int8_t *y = NULL;
    if (generate(&t, ntrain, 2) != 0)
        goto out;
    sort_range(&t, 0, t.ntenders);
    x = malloc(ntrain * SCREENS_NFEATURES * sizeof(double));
    y = malloc(ntrain);
    if (x == NULL || y == NULL || screens_batch(&t, 0, ntrain, so, 2, NULL, x) != 0)
        goto out;
    for (size_t i = 0; i < ntrain; i++)
        y[i] = t.tenders[i].label;
    for (size_t j = 0; j < SCREENS_NFEATURES; j++)
        names[j] = screens_feature_name(j);
    struct model_data d = {ntrain, SCREENS_NFEATURES, x, y, NULL, NULL, 0, names};
    model_params_default(&mp);
    if (model_train(&mp, &d, &m) != MODEL_OK)
        m = NULL;
out:
    free(x);
    free(y);
    free(t.tenders);
    free(t.value);
    return m;
}

/* Runs the NumPy script; fills its rate and sums. 0 on success. */
static int run_numpy(const char *data, size_t k, double *seconds, double *rss, double sums[79])
{
    char cmd[1024];
    static char out[1 << 16];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/bench/analytics_numpy.py' '%s' %zu",
             SUNBID_SOURCE_DIR, data, k);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t len = fread(out, 1, sizeof(out) - 1, p);
    out[len] = '\0';
    if (pclose(p) != 0)
        return -1;
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    json_t *s = json_object_get(j, "sums");
    if (!json_is_array(s) || json_array_size(s) != SCREENS_NFEATURES) {
        json_decref(j);
        return -1;
    }
    *seconds = json_number_value(json_object_get(j, "seconds"));
    *rss = json_number_value(json_object_get(j, "peak_rss_mb"));
    for (size_t i = 0; i < SCREENS_NFEATURES; i++)
        sums[i] = json_number_value(json_array_get(s, i));
    json_decref(j);
    return 0;
}

static int section_screens(void)
{
    size_t ntenders = env_size("BENCH_ANALYTICS_TENDERS", 1000000);
    size_t knumpy = env_size("BENCH_ANALYTICS_NUMPY_TENDERS", 20000);
    unsigned threads = (unsigned)env_size("BENCH_ANALYTICS_THREADS", 2);
    struct screens_opts so;
    struct bid_table t;
    char path[512];
    double *feat = NULL, *raw = NULL, *sc = NULL;
    double sums_k[SCREENS_NFEATURES] = {0}, np_sums[SCREENS_NFEATURES];
    double t_screens = 0, t_scores = 0, t_screens_mt = 0, t_wall = 0, checksum = 0;
    size_t flagged = 0, flagged_pos = 0, pos = 0;
    int rc = 1;
    if (knumpy > ntenders)
        knumpy = ntenders;
    screens_opts_default(&so);

    double t0 = now();
    struct model *m = train_model(20000, &so);
    if (m == NULL) {
        fprintf(stderr, "bench analytics: training failed\n");
        return 1;
    }
    printf("bench: screens_model_train_s %.2f s\n", now() - t0);

    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/sunbid-bench-analytics-%d.bin", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    if (generate(&t, ntenders, 1) != 0 || write_data(path, &t) != 0) {
        fprintf(stderr, "bench analytics: cannot write %s\n", path);
        goto out;
    }
    int8_t *labels = malloc(ntenders);
    if (labels == NULL)
        goto out;
    for (size_t i = 0; i < ntenders; i++)
        labels[i] = t.tenders[i].label;
    free(t.tenders);
    free(t.value);
    t0 = now();
    if (read_data(path, &t) != 0) {
        fprintf(stderr, "bench analytics: cannot read %s back\n", path);
        free(labels);
        goto out;
    }
    printf("bench: screens_data_tenders %zu tenders\n", t.ntenders);
    printf("bench: screens_data_bids %zu bids\n", t.nbids);
    printf("bench: screens_load_s %.2f s\n", now() - t0);
    raw = malloc(t.nbids * sizeof(double));
    feat = malloc(CHUNK * SCREENS_NFEATURES * sizeof(double));
    sc = malloc(CHUNK * sizeof(double));
    if (raw == NULL || feat == NULL || sc == NULL) {
        free(labels);
        goto out;
    }
    memcpy(raw, t.value, t.nbids * sizeof(double)); /* unsorted, for the second pass */

    for (size_t from = 0; from < t.ntenders; from += CHUNK) { /* 1 thread, then scores */
        size_t to = from + CHUNK < t.ntenders ? from + CHUNK : t.ntenders;
        double a = cpu(), wa = now();
        sort_range(&t, from, to);
        if (screens_batch(&t, from, to, &so, 1, NULL, feat) != 0) {
            free(labels);
            goto out;
        }
        double b = cpu(), wb = now();
        for (size_t i = from; i < to; i++)
            sc[i - from] = model_score(m, feat + (i - from) * SCREENS_NFEATURES, NULL);
        double c = cpu();
        t_wall += wb - wa;
        t_screens += b - a;
        t_scores += c - b;
        for (size_t i = from; i < to; i++) {
            const double *f = feat + (i - from) * SCREENS_NFEATURES;
            for (size_t j = 0; j < SCREENS_NFEATURES; j++)
                if (!isnan(f[j])) {
                    checksum += f[j];
                    if (i < knumpy)
                        sums_k[j] += f[j];
                }
            bool flag = sc[i - from] >= m->threshold;
            flagged += flag;
            flagged_pos += flag && labels[i];
            pos += (size_t)labels[i];
        }
    }
    free(labels);
    double rate1 = (double)t.ntenders / t_screens;
    printf("bench: screens_c_1thread_cpu_s %.2f s\n", t_screens);
    printf("bench: screens_c_1thread_wall_s %.2f s\n", t_wall);
    printf("bench: screens_c_1thread_tenders_per_s %.0f tenders/s\n", rate1);
    printf("bench: screens_c_us_per_tender %.2f us\n", 1e6 * t_screens / (double)t.ntenders);
    printf("bench: scores_cpu_s %.2f s\n", t_scores);
    printf("bench: scores_tenders_per_s %.0f tenders/s\n", (double)t.ntenders / t_scores);
    printf("bench: scores_flagged %zu tenders (%zu of them collusive; %zu collusive in all)\n",
           flagged, flagged_pos, pos);

    memcpy(t.value, raw, t.nbids * sizeof(double));
    double a = now();
    for (size_t from = 0; from < t.ntenders; from += CHUNK) { /* threads, screens only */
        size_t to = from + CHUNK < t.ntenders ? from + CHUNK : t.ntenders;
        sort_range(&t, from, to);
        if (screens_batch(&t, from, to, &so, threads, NULL, feat) != 0)
            goto out;
    }
    t_screens_mt = now() - a;
    printf("bench: screens_c_%uthreads_wall_s %.2f s\n", threads, t_screens_mt);
    printf("bench: screens_c_%uthreads_tenders_per_s %.0f tenders/s\n", threads,
           (double)t.ntenders / t_screens_mt);
    printf("bench: screens_c_peak_rss_mb %.0f MB\n", peak_rss_mb());

    double np_s = 0, np_rss = 0;
    if (run_numpy(path, knumpy, &np_s, &np_rss, np_sums) != 0) {
        fprintf(stderr, "bench analytics: the NumPy run failed (python3-numpy installed?)\n");
        goto out;
    }
    double worst = 0;
    for (size_t j = 0; j < SCREENS_NFEATURES; j++) {
        double d = fabs(np_sums[j] - sums_k[j]) / (fabs(sums_k[j]) > 1 ? fabs(sums_k[j]) : 1);
        worst = d > worst ? d : worst;
    }
    double np_rate = (double)knumpy / np_s;
    printf("bench: screens_numpy_tenders %zu tenders\n", knumpy);
    printf("bench: screens_numpy_cpu_s %.2f s\n", np_s);
    printf("bench: screens_numpy_tenders_per_s %.0f tenders/s\n", np_rate);
    printf("bench: screens_numpy_peak_rss_mb %.0f MB\n", np_rss);
    printf("bench: screens_numpy_max_rel_diff %.2e\n", worst);
    printf("bench: screens_vs_numpy_ratio %.1f x\n", rate1 / np_rate);
    printf("bench: screens_vs_numpy_ratio_%uthreads %.1f x\n", threads,
           ((double)t.ntenders / t_screens_mt) / np_rate);
    if (worst > 1e-6) {
        fprintf(stderr, "bench analytics: NumPy and C disagree (relative %.3g)\n", worst);
        goto out;
    }
    (void)checksum;
    rc = 0;
out:
    unlink(path);
    model_free(m);
    free(raw);
    free(feat);
    free(sc);
    free(t.tenders);
    free(t.value);
    return rc;
}

int main(void)
{
    int failed = 0;
    failed += section_screens();
    /* further sections (similarity, red flags) are added here */
    return failed ? 1 : 0;
}
