/*
 * model.h — classifiers over screen features: which tenders look collusive.
 *
 * Two learners, written here in C so that a supervisor's model is a small
 * JSON file that any sunbid binary scores the same way:
 *
 *   logit   logistic regression on robustly standardised features (each
 *           feature: missing values set to the training median, clipped to
 *           its training 1st..99th percentiles, centred and scaled), with an
 *           L2 penalty on the coefficients (not the intercept), fitted by
 *           Newton's method with step halving: the optimum is unique and
 *           found the same way on every run.
 *   forest  a random forest: trees on bootstrap samples, mtry features tried
 *           at each split (default floor(sqrt(p))), Gini impurity, split
 *           points among at most `bins` quantiles of each feature, depth and
 *           leaf-size limits. Every random choice comes from a generator
 *           seeded by (seed, tree number): same seed, same forest.
 *   both    the mean of the two probabilities.
 *
 * Calibration: the raw score (log-odds) is mapped to a probability by Platt
 * scaling, sigmoid(a * raw + b), fitted on out-of-fold raw scores (the
 * training data split into calib_folds stratified folds, each scored by
 * learners trained on the others). With a market per tender, each market
 * with at least MODEL_MARKET_MIN rows and MODEL_MARKET_MIN_CLASS of each
 * class gets its own (a, b); other markets use the global one. A tender is
 * flagged when its calibrated score is at least the threshold.
 *
 * Cross-validation (model_cv): stratified k folds over tenders, shuffled by
 * the seed; each fold is scored by a full training run (calibration included)
 * on the other folds; accuracy, precision and recall at the threshold, and
 * the AUC, over the pooled out-of-fold scores.
 *
 * The model file is JSON (model_to_json / model_from_json; the format is in
 * docs/screens.md). Loading treats it as outside input: every array length,
 * index and number is checked, and tree links may only point forward, so
 * scoring a loaded model always terminates.
 *
 * Missing feature values (NaN) are allowed everywhere: they become the
 * training median. Not thread-safe for one model under construction; a built
 * model is read-only and may be scored from many threads.
 */
#ifndef SUNBID_MODEL_H
#define SUNBID_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_FEATURES     4096
#define MODEL_MAX_TREES        10000
#define MODEL_MAX_NODES        (1u << 22) /* per tree */
#define MODEL_MAX_MARKETS      100000
#define MODEL_MARKET_MIN       30 /* rows a market needs for its own calibration */
#define MODEL_MARKET_MIN_CLASS 5  /* ... and of each class */

enum model_algo { MODEL_LOGIT = 1, MODEL_FOREST = 2, MODEL_BOTH = 3 };

enum model_rc {
    MODEL_OK = 0,
    MODEL_EINVAL = -1, /* bad parameters or data (one class only, no rows, ...) */
    MODEL_ENOMEM = -2,
    MODEL_EFORMAT = -3 /* a model file that is not a valid model */
};

struct model_params {
    enum model_algo algo;
    uint64_t seed;
    double l2;            /* logit: penalty on standardised coefficients (default 1) */
    unsigned trees;       /* forest: number of trees (default 200) */
    unsigned max_depth;   /* forest: deepest split level (default 12) */
    unsigned min_leaf;    /* forest: fewest bootstrap rows in a leaf (default 3) */
    unsigned mtry;        /* forest: features tried per split; 0 = floor(sqrt(p)) */
    unsigned bins;        /* forest: candidate split points per feature, 2..256 (default 64) */
    unsigned calib_folds; /* folds for the out-of-fold calibration scores (default 5; <2: none) */
    double threshold;     /* flag at calibrated score >= threshold (default 0.5) */
};

void model_params_default(struct model_params *p);

/* Training data: n rows of p features. Borrowed for the call. */
struct model_data {
    size_t n, p;
    const double *x;                 /* n * p, row-major; NaN = missing */
    const int8_t *y;                 /* n labels, 0 or 1 */
    const int32_t *market;           /* n market indices, -1 for none; NULL: no markets */
    const char *const *market_names; /* nmarkets names */
    size_t nmarkets;
    const char *const *feature_names; /* p names, stored in the model */
};

struct model_tree {
    uint32_t nnodes;
    int32_t *feature; /* -1: leaf */
    double *thr;      /* x <= thr goes to the left child, node + 1 */
    uint32_t *right;  /* right child index (> node + 1) */
    double *value;    /* leaf: share of collusive bootstrap rows */
};

struct model_platt {
    double a, b; /* score = sigmoid(a * raw + b) */
};

struct model {
    enum model_algo algo;
    uint64_t seed;
    size_t p;
    char **features; /* p names */
    /* preprocessing, per feature */
    double *impute, *lo, *hi, *mean, *sd;
    /* logit */
    double l2, bias, *coef;
    /* forest */
    struct model_tree *trees;
    size_t ntrees;
    unsigned max_depth, min_leaf, mtry, bins;
    /* calibration */
    struct model_platt global;
    char **market_names; /* nmarkets markets with their own calibration */
    struct model_platt *market_cal;
    size_t nmarkets;
    double threshold;
    size_t train_rows, train_pos; /* what it was trained on */
};

/* Trains on d. *out is a new model (model_free). */
int model_train(const struct model_params *prm, const struct model_data *d, struct model **out);
void model_free(struct model *m);

/* Raw score (log-odds before calibration) of one row of m->p features. */
double model_raw(const struct model *m, const double *x);
/* Calibrated score in [0, 1]; market may be NULL. */
double model_score(const struct model *m, const double *x, const char *market);

/* The model as JSON: a new reference. NULL when out of memory. */
json_t *model_to_json(const struct model *m);
/* Builds a model from JSON, checking everything; err gets a message. */
int model_from_json(const json_t *j, struct model **out, char *err, size_t errlen);

struct model_cv_result {
    size_t n, pos;         /* rows, collusive rows */
    size_t tp, fp, tn, fn; /* at the threshold, pooled over folds */
    double accuracy, precision, recall, auc;
    double fold_acc_mean, fold_acc_sd; /* accuracy per fold */
    double majority;                   /* accuracy of always answering the larger class */
    unsigned folds;
};

/* k-fold stratified cross-validation of the learner prm describes. scores, if
 * not NULL, receives the n out-of-fold calibrated scores. */
int model_cv(const struct model_params *prm, const struct model_data *d, unsigned folds,
             struct model_cv_result *res, double *scores);

/* AUC of scores against labels (ties count one half); NaN with one class. */
double model_auc(const double *score, const int8_t *y, size_t n);

const char *model_algo_name(enum model_algo a);
int model_algo_parse(const char *s, enum model_algo *a); /* 0 or -1 */

#endif
