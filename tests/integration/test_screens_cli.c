/*
 * test_screens_cli.c — `sunbid screens compute|patterns|train|score|cv` as a
 * script uses them: files in, files out, exit codes (0 ok, 1 I/O, 2 usage,
 * 3 invalid input) and error messages that name the line of a bad row.
 * No server: these commands read files only.
 *
 * IT_NO_STORE: offline commands only, so there is no PostgreSQL variant.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct it_server srv; /* only its data dir is used */
static char dir[600];

static int setup(void **state)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    memset(&srv, 0, sizeof(srv));
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(srv.data_dir, sizeof(srv.data_dir), "%s/screens-cli-%d", tmp ? tmp : "/tmp",
             (int)getpid());
    mkdir(srv.data_dir, 0755);
    snprintf(dir, sizeof(dir), "%s", srv.data_dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.data_dir);
    return system(cmd);
}

static const char *path(const char *name)
{
    static char buf[4][700];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *name)
{
    FILE *f = fopen(path(name), "r");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    size_t n;
    while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2)
            s = realloc(s, cap *= 2);
    }
    s[len] = '\0';
    fclose(f);
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Runs sunbid with its stderr captured too (it_cli keeps stdout only). */
static int run_stderr(char **err, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>'%s' >/dev/null", getenv("SUNBID_BIN"), args,
             path("stderr.txt"));
    int st = system(cmd);
    *err = read_all("stderr.txt");
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Planted tenders: every third a cartel (cover bids 0.5..2 % above the
 * winner), the others competitive (8 % spread); two markets. */
static void write_cases(const char *name, int ntenders, unsigned seed, int labelled)
{
    FILE *f = fopen(path(name), "w");
    assert_non_null(f);
    srand(seed);
    fprintf(f, "tender_id,market,bid_value%s,note\n", labelled ? ",label" : "");
    for (int i = 0; i < ntenders; i++) {
        int coll = i % 3 == 0, n = 4 + rand() % 5;
        double cost = 1e5 * (1.0 + (double)(rand() % 1000) / 100.0);
        for (int k = 0; k < n; k++) {
            double u = (double)rand() / RAND_MAX, v = (double)rand() / RAND_MAX;
            double g = sqrt(-2.0 * log(u + 1e-12)) * cos(6.283185307 * v);
            double b = coll ? cost * 1.05 * (k ? 1.005 + 0.015 * u : 1.0) : cost * exp(0.08 * g);
            fprintf(f, "\"T-%d\",m%d,%.2f", i, i % 2, b);
            if (labelled)
                fprintf(f, ",%d", coll);
            fputs(",\"free, text\"\n", f);
        }
    }
    fclose(f);
}

static void test_compute_and_patterns(void **state)
{
    char *out = NULL;
    write_file("bids.csv", "tender_id,bid_value,bidder,ceiling\n"
                           "a,100,X,1000\na,110,Y,1000\na,120,Z,1000\na,150,W,1000\n"
                           "b,500,X,600\nb,500,Y,600\nb,515,Z,600\n"
                           "c,995,X,1000\nc,999,Y,1000\n");
    assert_int_equal(
        it_cli(&srv, &out, "screens", "compute", "--in", path("bids.csv"), "--out", "-", NULL), 0);
    assert_int_equal(count_lines(out), 4); /* header + 3 tenders */
    assert_non_null(strstr(out, "tender_id,nbids,cv,spd,diffp,rd,rdnor,rdalt,kurt,skew,ks,"));
    assert_non_null(strstr(out, "s4_ks_max,subsets3,subsets4,sampled,identical"));
    /* tender a: the hand-worked example of docs/screens.md */
    assert_non_null(strstr(out, "\na,4,0.180020575,0.5,0.1,0.4803844614,0.6,0.5,1.5,1.19034012"));
    free(out);
    assert_int_equal(it_cli(&srv, NULL, "screens", "compute", "--in", path("bids.csv"), "--out",
                            path("screens.csv"), "--threads", "2", NULL),
                     0);
    char *file = read_all("screens.csv");
    assert_non_null(file);
    assert_int_equal(count_lines(file), 4);
    free(file);

    assert_int_equal(
        it_cli(&srv, &out, "screens", "patterns", "--in", path("bids.csv"), "--out", "-", NULL), 0);
    assert_non_null(strstr(out, "pattern,tender_id,bidder,bidder2,tenders,count,value\n"));
    assert_non_null(strstr(out, "identical_prices,b,,,1,2,500\n"));
    assert_non_null(strstr(out, "near_ceiling,c,,,1,2,1\n"));
    free(out);
}

static void test_train_score_cv(void **state)
{
    char *out = NULL;
    write_cases("cases.csv", 240, 7, 1);
    write_cases("new.csv", 60, 8, 0);
    assert_int_equal(it_cli(&srv, &out, "screens", "train", "--in", path("cases.csv"), "--model",
                            path("model.json"), "--algo", "both", "--seed", "3", "--trees", "40",
                            NULL),
                     0);
    assert_non_null(strstr(out, "trained both on 240 tenders (80 collusive)"));
    assert_non_null(strstr(out, "2 market calibrations"));
    free(out);
    assert_int_equal(it_cli(&srv, NULL, "screens", "score", "--in", path("new.csv"), "--model",
                            path("model.json"), "--out", path("scores.csv"), NULL),
                     0);
    char *sc = read_all("scores.csv");
    assert_non_null(sc);
    assert_int_equal(strncmp(sc, "tender_id,score,flag\n", 21), 0);
    assert_int_equal(count_lines(sc), 61);
    /* the planted cartels (every third tender) are the flagged ones */
    int right = 0;
    for (int i = 0; i < 60; i++) {
        char key[32];
        snprintf(key, sizeof(key), "\nT-%d,", i);
        const char *p = strstr(sc, key);
        assert_non_null(p);
        p = strchr(p + 1, ',');
        double s = strtod(p + 1, NULL);
        int flag = p[strcspn(p + 1, ",") + 2] - '0';
        assert_true(s >= 0 && s <= 1);
        assert_int_equal(flag, s >= 0.5);
        right += flag == (i % 3 == 0);
    }
    assert_true(right >= 57);
    free(sc);
    /* the same model, logit only, and a second training gives the same file */
    assert_int_equal(it_cli(&srv, NULL, "screens", "train", "--in", path("cases.csv"), "--model",
                            path("model2.json"), "--algo", "both", "--seed", "3", "--trees", "40",
                            NULL),
                     0);
    char *m1 = read_all("model.json"), *m2 = read_all("model2.json");
    assert_string_equal(m1, m2);
    free(m1);
    free(m2);

    assert_int_equal(it_cli(&srv, &out, "screens", "cv", "--in", path("cases.csv"), "--folds", "4",
                            "--algo", "logit", "--json", NULL),
                     0);
    assert_non_null(strstr(out, "\"algo\":\"logit\",\"folds\":4"));
    const char *acc = strstr(out, "\"accuracy\":");
    assert_non_null(acc);
    assert_true(strtod(acc + 11, NULL) > 0.9);
    char *first = out;
    assert_int_equal(it_cli(&srv, &out, "screens", "cv", "--in", path("cases.csv"), "--folds", "4",
                            "--algo", "logit", "--json", NULL),
                     0);
    assert_string_equal(first, out); /* deterministic */
    free(first);
    free(out);
    assert_int_equal(it_cli(&srv, &out, "screens", "cv", "--in", path("cases.csv"), "--trees", "20",
                            "--drop", "nbids,s4_ks_max", "--out", path("oof.csv"), NULL),
                     0);
    assert_non_null(strstr(out, "77 features"));
    assert_non_null(strstr(out, "precision"));
    assert_non_null(strstr(out, "auc"));
    free(out);
    char *oof = read_all("oof.csv");
    assert_int_equal(count_lines(oof), 241);
    free(oof);
}

static void test_bad_input(void **state)
{
    char *err = NULL;
    char args[1500];
    /* a bad row: exit 3, the file and line named */
    write_file("bad.csv", "tender_id,bid_value\nt1,100\nt1,12x\n");
    snprintf(args, sizeof(args), "screens compute --in '%s' --out -", path("bad.csv"));
    assert_int_equal(run_stderr(&err, args), 3);
    assert_non_null(strstr(err, "bad.csv:3: bid_value '12x' is not a positive number"));
    free(err);
    /* training without labels */
    write_file("nolabel.csv", "tender_id,bid_value\nt1,100\nt1,120\n");
    snprintf(args, sizeof(args), "screens train --in '%s' --model '%s'", path("nolabel.csv"),
             path("m.json"));
    assert_int_equal(run_stderr(&err, args), 3);
    assert_non_null(strstr(err, "a label column is required"));
    free(err);
    /* one class only */
    write_file("oneclass.csv", "tender_id,bid_value,label\nt1,100,0\nt1,120,0\nt2,5,0\n");
    snprintf(args, sizeof(args), "screens train --in '%s' --model '%s'", path("oneclass.csv"),
             path("m.json"));
    assert_int_equal(run_stderr(&err, args), 3);
    assert_non_null(strstr(err, "both classes"));
    free(err);
    /* a model file that is not one */
    write_file("notamodel.json", "{\"format\":\"x\"}");
    snprintf(args, sizeof(args), "screens score --in '%s' --model '%s' --out -",
             path("nolabel.csv"), path("notamodel.json"));
    assert_int_equal(run_stderr(&err, args), 3);
    assert_non_null(strstr(err, "format"));
    free(err);
    write_file("garbage.json", "{\"format\":");
    snprintf(args, sizeof(args), "screens score --in '%s' --model '%s' --out -",
             path("nolabel.csv"), path("garbage.json"));
    assert_int_equal(run_stderr(&err, args), 3);
    free(err);
    /* missing files: I/O failure */
    assert_int_equal(
        it_cli(&srv, NULL, "screens", "compute", "--in", path("nope.csv"), "--out", "-", NULL), 1);
    assert_int_equal(it_cli(&srv, NULL, "screens", "score", "--in", path("nolabel.csv"), "--model",
                            path("nope.json"), "--out", "-", NULL),
                     1);
    /* usage errors */
    assert_int_equal(it_cli(&srv, NULL, "screens", NULL), 2);
    assert_int_equal(it_cli(&srv, NULL, "screens", "frobnicate", NULL), 2);
    assert_int_equal(it_cli(&srv, NULL, "screens", "compute", "--out", "-", NULL), 2);
    assert_int_equal(
        it_cli(&srv, NULL, "screens", "cv", "--in", path("bad.csv"), "--folds", "1", NULL), 2);
    assert_int_equal(it_cli(&srv, NULL, "screens", "train", "--in", path("bad.csv"), "--model",
                            path("m.json"), "--algo", "svm", NULL),
                     2);
    assert_int_equal(it_cli(&srv, NULL, "screens", "cv", "--in", path("nolabel.csv"), "--drop",
                            "nosuchfeature", NULL),
                     2);
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "screens", "--help", NULL), 0);
    assert_non_null(strstr(out, "sunbid screens train"));
    free(out);
}

/* The shipped default model loads and scores (when it is in the tree). */
static void test_default_model(void **state)
{
    char model[700];
    const char *src = getenv("SUNBID_SOURCE_DIR");
    struct stat st;
    snprintf(model, sizeof(model), "%s/data/models/screens-default.json", src ? src : ".");
    if (stat(model, &st) != 0)
        skip();
    write_cases("new2.csv", 30, 9, 0);
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "screens", "score", "--in", path("new2.csv"), "--model",
                            model, "--out", "-", NULL),
                     0);
    assert_int_equal(count_lines(out), 31);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute_and_patterns),
        cmocka_unit_test(test_train_score_cv),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_default_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
