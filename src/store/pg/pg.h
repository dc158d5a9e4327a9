/*
 * pg/pg.h — the PostgreSQL backend of the store interface (internal to
 * src/store/). Chosen by postgres:// and postgresql:// URLs; see pg.c for the
 * design and docs/internals/store.md for the guarantees.
 *
 * Advisory lock keys. PostgreSQL advisory locks are one namespace per
 * database; sunbid uses the two-int4 form, (class, object), and every user
 * of it takes a class of its own from this list:
 *
 *     PG_LOCK_MIGRATE   migrations; object = hashtext(current_schema())
 *     PG_LOCK_EVENTS    publishing an event (transaction lock; object 0):
 *                       event ids increase in commit order (pg/cluster.c)
 *     PG_LOCK_LEASE     leases of single-writer work across nodes (session
 *                       locks on the cluster thread's connection); object =
 *                       FNV-1a of the lease name
 */
#ifndef SUNBID_STORE_PG_H
#define SUNBID_STORE_PG_H

#include <pthread.h>

#include <libpq-fe.h>

#include "store/driver.h"

#define PG_LOCK_MIGRATE    0x73626d67 /* 'sbmg' */
#define PG_LOCK_EVENTS     0x73626576 /* 'sbev' */
#define PG_LOCK_EVENTS_STR "1935828342"
#define PG_LOCK_LEASE      0x73626c73 /* 'sbls' */
#define PG_BLOB_CHUNK      (1 << 20)  /* bytes per blob_chunks row */

extern const struct store_driver pg_driver;
extern const struct store_migration pg_migrations[];
extern const int pg_nmigrations;

/*
 * Shared by pg.c and blob.c (not part of the store interface).
 */

#define PG_MSG_MAX    512 /* bytes of an error message */
#define PG_MAX_PARAMS 999 /* parameters per statement (store.c's limit too) */
#define PG_ARGS_STACK 16  /* parameter arrays on the stack up to this count */
#define PG_POOL_IDLE  4   /* idle blob connections kept per store */
#define PG_POOL_MAX   32  /* blob connections per store at once */
#define PG_OID_BOOL   16  /* pg_type OIDs of the types bound or decoded */
#define PG_OID_BYTEA  17
#define PG_OID_INT8   20
#define PG_OID_TEXT   25

/* Per-store state (driver->open, blob.c): the blob connections. The
 * multi-node part (a LISTEN connection, leases) adds its fields here. */
struct pg_state {
    char *url;                  /* the store's URL (owned copy) */
    pthread_mutex_t mu;         /* guards idle, nidle, nopen */
    PGconn *idle[PG_POOL_IDLE]; /* connections between blob calls */
    int nidle;                  /* entries in idle */
    int nopen;                  /* blob connections that exist, <= PG_POOL_MAX */
};

/* libpq's arrays for one statement's parameters. */
struct pg_args {
    Oid *types;                             /* pg_type OID, 0 = infer */
    const char **vals;                      /* value bytes; NULL = SQL NULL */
    int *lens;                              /* value lengths */
    int *fmts;                              /* 1 = binary, always */
    unsigned char (*ints)[8];               /* int8 values, big-endian */
    char *sig;                              /* type letters, NUL-terminated */
    void *heap;                             /* one block when np > PG_ARGS_STACK */
    Oid s_types[PG_ARGS_STACK];             /* the arrays, for small counts */
    const char *s_vals[PG_ARGS_STACK];      /* " */
    int s_lens[PG_ARGS_STACK];              /* " */
    int s_fmts[PG_ARGS_STACK];              /* " */
    unsigned char s_ints[PG_ARGS_STACK][8]; /* " */
    char s_sig[PG_ARGS_STACK + 1];          /* " */
};

/* Opens a libpq connection to url with sunbid's defaults and session
 * settings (pg.c's header). err gets libpq's message on failure. */
int pg_pq_open(const char *url, PGconn **out, char *err, size_t errlen);
/* Rolls back whatever transaction block the server has open on pq. */
void pg_pq_rollback(PGconn *pq);
/* Maps a failed result (res may be NULL) on pq to a store_rc; msg gets the
 * message. write: 25006 means a standby (STORE_UNAVAILABLE), not a misuse. */
int pg_map_result(PGconn *pq, const PGresult *res, bool write, char *msg, size_t msglen);
/* Copies s into out on one line (white space runs become one space). */
void pg_trim_copy(char *out, size_t outlen, const char *s);
/* Fills libpq's parameter arrays from p[0..np); msg says why on failure. */
int pg_args_init(struct pg_args *a, const struct store_param *p, int np, char *msg, size_t msglen);
void pg_args_release(struct pg_args *a);
/* Rows affected by an INSERT/UPDATE/DELETE/MERGE; 0 for anything else. */
int64_t pg_changes_of(PGresult *res);

/* blob.c: the driver's per-store state and blob hooks. */
int pg_open(struct store *s, void **state, char *err, size_t errlen);
void pg_close(void *state);
int pg_blob_put(struct store *s, const void *data, size_t len, const char *hash);
int pg_blob_get(struct store *s, const char *hash, struct buf *out);
int pg_blob_exists(struct store *s, const char *hash, bool *exists, size_t *len);

#endif
