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
 *     (next free)       leases of single-writer work across nodes (issue 3)
 */
#ifndef SUNBID_STORE_PG_H
#define SUNBID_STORE_PG_H

#include "store/driver.h"

#define PG_LOCK_MIGRATE 0x73626d67 /* 'sbmg' */
#define PG_BLOB_CHUNK   (1 << 20)  /* bytes per blob_chunks row */

extern const struct store_driver pg_driver;
extern const struct store_migration pg_migrations[];
extern const int pg_nmigrations;

#endif
