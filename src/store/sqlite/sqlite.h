/*
 * sqlite/sqlite.h — the SQLite backend of the store interface (internal).
 */
#ifndef SUNBID_STORE_SQLITE_H
#define SUNBID_STORE_SQLITE_H

#include "store/driver.h"

extern const struct store_driver sqlite_driver;
extern const struct store_migration sqlite_migrations[];
extern const int sqlite_nmigrations;

#endif
