/*
 * redflags.c — bench_redflags: Cardinal's red flags (analytics/redflags.h)
 * over 100,000 synthetic OCDS compiled releases (issue 9; goal: under 10 s).
 *
 * Figures, each on its own line as "bench: NAME VALUE UNIT":
 *   redflags_100k_s             wall time to read, fold, fence and write the
 *                               JSON of all eleven indicators (Maps on)
 *   redflags_cpu_s              CPU time (user + system, all threads) of that
 *                               run: the figure to trust on a busy machine
 *   redflags_releases_per_s     releases per second over the wall time
 *   redflags_mb_per_s           input megabytes per second
 *   redflags_input_mb           size of the generated file
 *   redflags_flagged_ocids      contracting processes with a result (a sanity
 *                               figure: the generator plants red flags)
 *   redflags_peak_rss_mb        peak resident memory of this process
 *                               (getrusage; generation streams to the file
 *                               and needs next to nothing)
 *
 * The releases are generated first (seeded xorshift, so every run reads the
 * same bytes) into BENCH_TMP (default /tmp) and deleted afterwards. Each has
 * the fields the indicators read and the usual rest of a compiled release:
 * parties, a buyer and procuring entity from a pool of 400, a tender with
 * items, a tender period, 1-8 bids from a pool of 6,000 tenderers (some
 * disqualified, some late, some at equal prices), one award with classified
 * items, one contract; about 1.9 KB each. BENCH_REDFLAGS_N overrides the
 * count, BENCH_REDFLAGS_THREADS the parsing threads (default: one per CPU),
 * BENCH_KEEP=1 keeps the file. Exit status 1 when anything fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "analytics/redflags.h"
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

static const char *const methods[] = {"open", "open", "open", "selective", "limited", "direct"};
static const char *const details[] = {"公开招标", "邀请招标", "竞争性谈判", "询价", "单一来源"};
static const char *const segments[] = {"43", "44", "72", "81", "30", "31", "39", "40", "42",
                                       "46", "47", "50", "53", "55", "56", "60", "70", "77",
                                       "78", "80", "82", "83", "84", "85", "86", "90", "92"};

static void gen_release(FILE *f, unsigned i)
{
    unsigned buyer = pick(400), nbids = 1 + pick(8), day = 1 + pick(27), month = 1 + pick(12);
    unsigned span = pick(100) < 8 ? 3 + pick(10) : 15 + pick(30); /* 8 % short periods */
    const char *method = methods[pick(6)];
    const char *status = pick(100) == 0 ? "cancelled" : "complete";
    unsigned seg = pick(27);
    long base = 100000 + (long)pick(5000000);

    fprintf(f,
            "{\"ocid\":\"ocds-b5fd17-%07u\",\"id\":\"%07u-award\",\"date\":\"2023-%02u-%02uT09:"
            "00:00+08:00\",\"tag\":[\"compiled\"],\"initiationType\":\"tender\","
            "\"parties\":[{\"id\":\"CN-B-%u\",\"name\":\"采购单位%u\",\"roles\":[\"buyer\","
            "\"procuringEntity\"],\"address\":{\"streetAddress\":\"人民路%u号\",\"locality\":"
            "\"福州\",\"region\":\"福建\",\"countryName\":\"中国\"},\"contactPoint\":{\"name\":"
            "\"联系人\",\"telephone\":\"0591-8765%04u\"}}],"
            "\"buyer\":{\"id\":\"CN-B-%u\",\"name\":\"采购单位%u\"},",
            i, i, month, day, buyer, buyer, buyer, buyer % 10000, buyer, buyer);
    fprintf(f,
            "\"tender\":{\"id\":\"T-%07u\",\"title\":\"项目%u：设备采购与安装服务\","
            "\"description\":\"本项目采购一批设备并提供安装、调试、培训和三年质保服务。\","
            "\"status\":\"%s\",\"procuringEntity\":{\"id\":\"CN-B-%u\",\"name\":\"采购单位%u\"},"
            "\"value\":{\"amount\":%ld,\"currency\":\"CNY\"},\"procurementMethod\":\"%s\","
            "\"procurementMethodDetails\":\"%s\",\"numberOfTenderers\":%u,"
            "\"tenderPeriod\":{\"startDate\":\"2023-%02u-%02uT09:00:00+08:00\","
            "\"endDate\":\"2023-%02u-%02uT09:00:00+08:00\"},"
            "\"items\":[{\"id\":\"1\",\"description\":\"设备\",\"classification\":{\"scheme\":"
            "\"UNSPSC\",\"id\":\"%s%06u\"},\"quantity\":%u,\"unit\":{\"name\":\"台\"}}]},",
            i, i, status, buyer, buyer, base + base / 10, method, details[pick(5)], nbids, month,
            day, month + (day + span > 28 ? 1 : 0), (day + span - 1) % 28 + 1, segments[seg],
            pick(1000000), 1 + pick(50));

    /* Bids: tenderers from a pool; the first valid one wins (lowest). */
    unsigned winner = 0;
    long win_amount = 0;
    fputs("\"bids\":{\"details\":[", f);
    for (unsigned b = 0; b < nbids; b++) {
        unsigned t = (buyer * 13 + pick(300) * 20) % 6000;
        long amount = base + (long)b * (long)(1 + pick(base / 20 + 1));
        if (b > 0 && pick(100) < 3)
            amount = base; /* identical price */
        const char *bs = b > 0 && pick(100) < 7 ? "disqualified" : "valid";
        if (b == 0) {
            winner = t;
            win_amount = amount;
            bs = "valid";
        }
        unsigned late = pick(1000) < 5;
        fprintf(f,
                "%s{\"id\":\"%07u-%u\",\"date\":\"2023-%02u-%02uT%02u:00:00+08:00\","
                "\"status\":\"%s\",\"tenderers\":[{\"id\":\"CN-T-%u\",\"name\":\"投标人%u\"}],"
                "\"value\":{\"amount\":%ld,\"currency\":\"CNY\"}}",
                b ? "," : "", i, b, month, late ? 28 : day, 8 + b % 9, bs, t, t, amount);
    }
    fputs("]},", f);
    fprintf(f,
            "\"awards\":[{\"id\":\"%07u-A1\",\"status\":\"active\",\"date\":\"2023-%02u-28T10:"
            "00:00+08:00\",\"value\":{\"amount\":%ld,\"currency\":\"CNY\"},\"suppliers\":[{\"id\":"
            "\"CN-T-%u\",\"name\":\"投标人%u\"}],\"items\":[{\"id\":\"1\",\"classification\":{"
            "\"scheme\":\"UNSPSC\",\"id\":\"%s%06u\"}},{\"id\":\"2\",\"classification\":{"
            "\"scheme\":\"UNSPSC\",\"id\":\"%s%06u\"}}]}],",
            i, month, win_amount, winner, winner, segments[(seg + winner % 3) % 27], pick(1000000),
            segments[(seg + winner % 5) % 27], pick(1000000));
    fprintf(f,
            "\"contracts\":[{\"id\":\"%07u-C1\",\"awardID\":\"%07u-A1\",\"status\":\"active\","
            "\"value\":{\"amount\":%ld,\"currency\":\"CNY\"},\"dateSigned\":\"2023-%02u-28T15:00:"
            "00+08:00\",\"period\":{\"startDate\":\"2023-%02u-28T00:00:00+08:00\"}}]}\n",
            i, i, win_amount, month, month);
}

int main(void)
{
    const char *env_n = getenv("BENCH_REDFLAGS_N");
    unsigned n = env_n ? (unsigned)strtoul(env_n, NULL, 10) : 100000;
    const char *tmp = getenv("BENCH_TMP");
    char path[512];
    snprintf(path, sizeof(path), "%s/bench-redflags-%d.jsonl", tmp ? tmp : "/tmp", (int)getpid());
    int rc = 1;
    struct redflags *rf = NULL;
    struct redflags_settings set;
    struct buf out;
    buf_init(&out, (size_t)1 << 32);
    redflags_settings_init(&set);
    redflags_settings_enable_all(&set);

    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        goto done;
    }
    for (unsigned i = 0; i < n; i++)
        gen_release(f, i);
    long bytes = ftell(f);
    if (fclose(f) != 0) {
        perror(path);
        goto done;
    }

    struct rusage ru0, ru;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now_s();
    f = fopen(path, "r");
    rf = f ? redflags_new(&set, true) : NULL;
    if (rf != NULL && getenv("BENCH_REDFLAGS_THREADS") != NULL)
        redflags_set_threads(rf, (int)strtol(getenv("BENCH_REDFLAGS_THREADS"), NULL, 10));
    if (rf == NULL || redflags_read(rf, f, 0) != 0 || redflags_finish(rf) != 0 ||
        redflags_write(rf, &out, REDFLAGS_OUT_META | REDFLAGS_OUT_MAPS) != BUF_OK) {
        fprintf(stderr, "bench_redflags: the run failed\n");
        if (f)
            fclose(f);
        goto done;
    }
    fclose(f);
    double t = now_s() - t0;
    const struct redflags_stats *st = redflags_stats(rf);
    if (st->releases + st->excluded != (int64_t)n || st->invalid != 0) {
        fprintf(stderr, "bench_redflags: %lld releases read of %u\n", (long long)st->releases, n);
        goto done;
    }
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                 (double)(ru.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    printf("bench: redflags_100k_s %.2f s\n", t);
    printf("bench: redflags_cpu_s %.2f s\n", cpu);
    printf("bench: redflags_releases_per_s %.0f releases/s\n", (double)n / t);
    printf("bench: redflags_mb_per_s %.1f MB/s\n", (double)bytes / 1e6 / t);
    printf("bench: redflags_input_mb %.1f MB\n", (double)bytes / 1e6);
    printf("bench: redflags_flagged_ocids %zu ocids\n", redflags_group_count(rf, RF_GROUP_OCID));
    printf("bench: redflags_peak_rss_mb %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    if (n == 100000 && t >= 10.0)
        fprintf(stderr, "bench_redflags: over the 10 s goal\n");
    rc = 0;
done:
    if (getenv("BENCH_KEEP") == NULL)
        unlink(path);
    redflags_free(rf);
    redflags_settings_release(&set);
    buf_release(&out);
    return rc;
}
