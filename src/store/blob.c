/*
 * blob.c — the content-addressed blob store on disk (the blob_* part of
 * store.h). A blob is named by the SHA-256 of its bytes in lower-case hex and
 * lives at
 *
 *     <data_dir>/blobs/<first 2 hex>/<all 64 hex>
 *
 * A backend that keeps blobs itself (PostgreSQL, for several nodes) sets
 * driver->blob_*; then these functions only hash and forward.
 *
 * Invariants:
 *   - a file at a blob's final path was complete and fsync'd before it got
 *     that name: blob_put writes a temporary file in the same directory,
 *     fsyncs it, renames it into place, then fsyncs the directory, so after
 *     STORE_OK the blob survives a crash and readers never see half a file;
 *   - files are never modified in place; putting bytes that already exist
 *     (and hash correctly) is a no-op, a damaged copy is replaced;
 *   - blob_get never hands out bytes that do not hash to the name asked for
 *     (tampering or bit rot is STORE_ERROR, logged);
 *   - a hash argument is used in a path only after it is checked to be
 *     exactly 64 lower-case hex digits.
 *
 * Thread-safety: any thread, no shared state (the file system serialises
 * renames; two threads putting the same blob both succeed).
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/driver.h"

#define BLOB_IO_CHUNK (16 * 1024) /* bytes per read(), on the stack */

static bool hash_ok(const char *hash)
{
    if (hash == NULL)
        return false;
    for (int i = 0; i < BLOB_HASH_HEX; i++) {
        char ch = hash[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return false;
    }
    return hash[BLOB_HASH_HEX] == '\0';
}

static void to_hex(const unsigned char *md, char hex[BLOB_HASH_HEX + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < BLOB_HASH_HEX / 2; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0xf];
    }
    hex[BLOB_HASH_HEX] = '\0';
}

/* Errors of the file system that mean "try again later" rather than a bug. */
static int errno_rc(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EROFS:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
        return STORE_UNAVAILABLE;
    default:
        return STORE_ERROR;
    }
}

static int blob_paths(struct store *s, const char *hash, char dir[PATH_MAX], char path[PATH_MAX])
{
    int n = snprintf(dir, PATH_MAX, "%s/%.2s", store_blob_dir(s), hash);
    if (n < 0 || n >= PATH_MAX)
        goto toolong;
    n = snprintf(path, PATH_MAX, "%s/%s", dir, hash);
    if (n < 0 || n >= PATH_MAX)
        goto toolong;
    return STORE_OK;
toolong:
    store_set_errmsg("blob path too long");
    return STORE_ERROR;
}

static int fsync_dir(const char *dir)
{
    int rc = STORE_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        store_set_errmsg("fsync %s: %s", dir, strerror(errno));
        rc = errno_rc(errno);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/*
 * Reads the file at fd to its end, hashing it; appends the bytes to out when
 * out is not NULL. *len gets the bytes read. STORE_TOOBIG when the file grows
 * past out->max.
 */
static int read_hash(int fd, const char *path, struct buf *out, unsigned char md[32], size_t *len)
{
    unsigned char chunk[BLOB_IO_CHUNK];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int mdlen = 0;
    int rc = STORE_OK;

    *len = 0;
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        store_set_errmsg("EVP_DigestInit failed");
        rc = STORE_ERROR;
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            store_set_errmsg("read %s: %s", path, strerror(errno));
            rc = errno_rc(errno);
            goto out;
        }
        if (n == 0)
            break;
        if (out != NULL) {
            int brc = buf_append(out, chunk, (size_t)n);
            if (brc != BUF_OK) {
                store_set_errmsg("blob %s is larger than the buffer's %zu bytes", path, out->max);
                rc = brc == BUF_TOOBIG ? STORE_TOOBIG : STORE_ERROR;
                goto out;
            }
        }
        EVP_DigestUpdate(ctx, chunk, (size_t)n);
        *len += (size_t)n;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
        store_set_errmsg("EVP_DigestFinal failed");
        rc = STORE_ERROR;
    }
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* Does the file at path exist and hash to hex? */
static bool file_matches(const char *path, const char *hex, size_t want_len)
{
    unsigned char md[32];
    char got[BLOB_HASH_HEX + 1];
    size_t len = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool ok = false;
    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != want_len)
        goto out;
    if (read_hash(fd, path, NULL, md, &len) != STORE_OK || len != want_len)
        goto out;
    to_hex(md, got);
    ok = memcmp(got, hex, BLOB_HASH_HEX) == 0;
out:
    close(fd);
    return ok;
}

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int blob_put(struct store *s, const void *data, size_t len, char hash[BLOB_HASH_HEX + 1])
{
    const struct store_driver *drv = store_driver_of(s);
    unsigned char md[32];
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    bool dir_created = false;
    int fd = -1;
    int rc;

    hash[0] = '\0';
    if (data == NULL && len > 0) {
        store_set_errmsg("blob_put: NULL data");
        return STORE_ERROR;
    }
    if (EVP_Digest(len > 0 ? data : "", len, md, NULL, EVP_sha256(), NULL) != 1) {
        store_set_errmsg("EVP_Digest failed");
        return STORE_ERROR;
    }
    to_hex(md, hash);
    if (drv->blob_put != NULL)
        return drv->blob_put(s, data, len, hash);

    rc = blob_paths(s, hash, dir, path);
    if (rc != STORE_OK)
        return rc;
    if (access(path, F_OK) == 0) {
        if (file_matches(path, hash, len))
            return STORE_OK;
        log_warn("store: blob %s on disk is damaged; writing it again", hash);
    }
    if (mkdir(dir, 0750) == 0) {
        dir_created = true;
    } else if (errno != EEXIST) {
        store_set_errmsg("mkdir %s: %s", dir, strerror(errno));
        return errno_rc(errno);
    }
    int n = snprintf(tmp, sizeof(tmp), "%s/.tmp-%.16s-XXXXXX", dir, hash);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        store_set_errmsg("blob path too long");
        return STORE_ERROR;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        store_set_errmsg("create %s: %s", tmp, strerror(errno));
        return errno_rc(errno);
    }
    if (fchmod(fd, 0640) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        store_set_errmsg("write %s: %s", tmp, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        store_set_errmsg("close %s: %s", tmp, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        store_set_errmsg("rename %s: %s", tmp, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    tmp[0] = '\0'; /* renamed: nothing to clean up */
    rc = fsync_dir(dir);
    if (rc == STORE_OK && dir_created)
        rc = fsync_dir(store_blob_dir(s));
out:
    if (fd >= 0)
        close(fd);
    if (tmp[0] != '\0')
        unlink(tmp);
    return rc;
}

int blob_put_file(struct store *s, const char *path, size_t len, const char *hash)
{
    const struct store_driver *drv = store_driver_of(s);
    char dir[PATH_MAX], final[PATH_MAX];
    bool dir_created = false, renamed = false;
    int rc = STORE_OK;
    int fd = -1;

    if (!hash_ok(hash) || len == 0) {
        store_set_errmsg("blob_put_file: bad hash or empty file");
        rc = STORE_ERROR;
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        store_set_errmsg("open %s: %s", path, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    if (drv->blob_put != NULL) {
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            store_set_errmsg("mmap %s: %s", path, strerror(errno));
            rc = errno_rc(errno);
            goto out;
        }
        madvise(map, len, MADV_SEQUENTIAL);
        rc = drv->blob_put(s, map, len, hash);
        munmap(map, len);
        goto out;
    }
    rc = blob_paths(s, hash, dir, final);
    if (rc != STORE_OK)
        goto out;
    if (access(final, F_OK) == 0 && file_matches(final, hash, len))
        goto out; /* already there: the spool file just goes */
    if (fsync(fd) != 0) {
        store_set_errmsg("fsync %s: %s", path, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    if (mkdir(dir, 0750) == 0) {
        dir_created = true;
    } else if (errno != EEXIST) {
        store_set_errmsg("mkdir %s: %s", dir, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    if (fchmod(fd, 0640) != 0 || rename(path, final) != 0) {
        store_set_errmsg("rename %s: %s", path, strerror(errno));
        rc = errno_rc(errno);
        goto out;
    }
    renamed = true;
    rc = fsync_dir(dir);
    if (rc == STORE_OK && dir_created)
        rc = fsync_dir(store_blob_dir(s));
out:
    if (fd >= 0)
        close(fd);
    if (!renamed)
        unlink(path); /* never after the rename: the name may be another upload's by now */
    return rc;
}

int blob_get(struct store *s, const char *hash, struct buf *out)
{
    const struct store_driver *drv = store_driver_of(s);
    unsigned char md[32];
    char dir[PATH_MAX], path[PATH_MAX], got[BLOB_HASH_HEX + 1];
    struct stat st;
    size_t len = 0;
    int fd = -1;
    int rc;

    buf_reset(out);
    if (!hash_ok(hash)) {
        store_set_errmsg("malformed blob hash");
        return STORE_NOTFOUND;
    }
    if (drv->blob_get != NULL)
        return drv->blob_get(s, hash, out);
    rc = blob_paths(s, hash, dir, path);
    if (rc != STORE_OK)
        return rc;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        store_set_errmsg("blob %s: %s", hash, strerror(errno));
        return errno == ENOENT ? STORE_NOTFOUND : errno_rc(errno);
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        store_set_errmsg("blob %s is not a regular file", hash);
        rc = STORE_ERROR;
        goto out;
    }
    if ((uint64_t)st.st_size > out->max) {
        store_set_errmsg("blob %s has %lld bytes, more than the buffer's %zu", hash,
                         (long long)st.st_size, out->max);
        rc = STORE_TOOBIG;
        goto out;
    }
    if (buf_reserve(out, (size_t)st.st_size) != BUF_OK) {
        store_set_errmsg("out of memory");
        rc = STORE_ERROR;
        goto out;
    }
    rc = read_hash(fd, path, out, md, &len);
    if (rc != STORE_OK)
        goto out;
    to_hex(md, got);
    if (memcmp(got, hash, BLOB_HASH_HEX) != 0) {
        store_set_errmsg("blob %s is damaged: its content hashes to %s", hash, got);
        log_error("store: blob %s is damaged: its content hashes to %s", hash, got);
        rc = STORE_ERROR;
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != STORE_OK)
        buf_reset(out);
    return rc;
}

int blob_exists(struct store *s, const char *hash, bool *exists, size_t *len)
{
    const struct store_driver *drv = store_driver_of(s);
    char dir[PATH_MAX], path[PATH_MAX];
    struct stat st;
    int rc;

    *exists = false;
    if (len != NULL)
        *len = 0;
    if (!hash_ok(hash))
        return STORE_OK; /* no blob has that name */
    if (drv->blob_exists != NULL)
        return drv->blob_exists(s, hash, exists, len);
    rc = blob_paths(s, hash, dir, path);
    if (rc != STORE_OK)
        return rc;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return STORE_OK;
        store_set_errmsg("stat %s: %s", path, strerror(errno));
        return errno_rc(errno);
    }
    *exists = S_ISREG(st.st_mode);
    if (len != NULL && *exists)
        *len = (size_t)st.st_size;
    return STORE_OK;
}

/* ---- small blobs inside a transaction: the journal ----
 *
 * blob_put_tx makes a blob durable by the commit of the caller's write
 * transaction, so a row and the bytes it names cost one durable write
 * between them. A backend that keeps blobs itself inserts them into its
 * blob tables in that transaction. On disk, the file is written and renamed
 * into place without an fsync, and the bytes go into blob_journal (hash,
 * data) in the transaction: after a crash the row still holds them.
 * blob_journal_flush, run at start and then every few hundred milliseconds
 * (domain/bids.c), fsyncs the files and their directories and deletes the
 * rows; a file that is missing or damaged is first written again from its
 * row. A row is deleted only if the file it fsync'd is still the one at the
 * blob's path (same inode), so a concurrent put that replaced the file keeps
 * its row for the next flush.
 */

int blob_put_tx(struct store_tx *tx, const void *data, size_t len, const char *hash)
{
    struct store *s = store_tx_store(tx);
    const struct store_driver *drv = store_driver_of(s);
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    int64_t changes = 0;
    int fd = -1, rc;

    if (!hash_ok(hash) || data == NULL || len == 0 || len > BLOB_TX_MAX) {
        store_set_errmsg("blob_put_tx: bad hash, or not 1..%d bytes", BLOB_TX_MAX);
        return STORE_ERROR;
    }
    if (drv->blob_put != NULL) {
        struct store_param p[] = {SP_T(hash), SP_I(len), SP_I(1), SP_I(clock_now_ms())};
        rc =
            store_exec(tx,
                       "INSERT INTO blobs (hash, size, nchunks, created_ms) VALUES ($1, $2, $3, $4)"
                       " ON CONFLICT (hash) DO NOTHING",
                       p, 4, &changes);
        if (rc != STORE_OK || changes == 0)
            return rc; /* there already (blob_get checks its bytes when read) */
        struct store_param q[] = {SP_T(hash), SP_B(data, len)};
        return store_exec(tx, "INSERT INTO blob_chunks (hash, n, data) VALUES ($1, 0, $2)", q, 2,
                          NULL);
    }
    rc = blob_paths(s, hash, dir, path);
    if (rc != STORE_OK)
        return rc;
    if (access(path, F_OK) != 0 || !file_matches(path, hash, len)) {
        int n = snprintf(tmp, sizeof(tmp), "%s/.tmp-%.16s-XXXXXX", dir, hash);
        if (n < 0 || (size_t)n >= sizeof(tmp)) {
            store_set_errmsg("blob path too long");
            return STORE_ERROR;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) { /* the directory's first blob: mkdir only then */
            if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
                store_set_errmsg("mkdir %s: %s", dir, strerror(errno));
                return errno_rc(errno);
            }
            n = snprintf(tmp, sizeof(tmp), "%s/.tmp-%.16s-XXXXXX", dir, hash);
            fd = n > 0 && (size_t)n < sizeof(tmp) ? mkostemp(tmp, O_CLOEXEC) : -1;
        }
        if (fd < 0) {
            store_set_errmsg("create %s: %s", tmp, strerror(errno));
            return errno_rc(errno);
        }
        bool written = fchmod(fd, 0640) == 0 && write_all(fd, data, len) == 0;
        int e = errno;
        if (close(fd) != 0 && written) {
            written = false;
            e = errno;
        }
        if (!written) {
            store_set_errmsg("write %s: %s", tmp, strerror(e));
            unlink(tmp);
            return errno_rc(e);
        }
        if (rename(tmp, path) != 0) {
            store_set_errmsg("rename %s: %s", tmp, strerror(errno));
            rc = errno_rc(errno);
            unlink(tmp);
            return rc;
        }
    }
    /* even when the file was there: it may be an unsynced one of a put whose
     * transaction rolled back */
    struct store_param j[] = {SP_T(hash), SP_B(data, len), SP_I(clock_now_ms())};
    return store_exec(tx,
                      "INSERT INTO blob_journal (hash, data, created_ms) VALUES ($1, $2, $3)"
                      " ON CONFLICT (hash) DO NOTHING",
                      j, 3, NULL);
}

/* One journal row being flushed. */
struct jrow {
    char hash[BLOB_HASH_HEX + 1];
    dev_t dev; /* the file fsync'd; dev 0 and ino 0: not flushed */
    ino_t ino;
};

/* Writes row r's bytes to its blob again (fsync'd, blob_put's way). */
static int journal_restore(struct store *s, const char *hash)
{
    struct store_tx *tx = NULL;
    struct buf b;
    char got[BLOB_HASH_HEX + 1];
    struct store_param p[] = {SP_T(hash)};
    buf_init(&b, (size_t)BLOB_TX_MAX + 1);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK) {
        struct store_rows *r = NULL;
        rc = store_query(tx, "SELECT data FROM blob_journal WHERE hash = $1", p, 1, &r);
        if (rc == STORE_OK) {
            int k = store_rows_next(r);
            size_t n = 0;
            const void *d = k == 1 ? store_col_blob(r, 0, &n) : NULL;
            if (k == 1 && d != NULL && buf_append(&b, d, n) == BUF_OK)
                rc = STORE_OK;
            else
                rc = k < 0 ? -k : STORE_NOTFOUND;
            store_rows_free(r);
        }
        store_rollback(tx);
    }
    if (rc == STORE_OK)
        rc = blob_put(s, b.data, b.len, got);
    if (rc == STORE_OK && strcmp(got, hash) != 0) {
        log_error("store: journal row %s holds bytes that hash to %s", hash, got);
        rc = STORE_ERROR;
    }
    buf_release(&b);
    return rc;
}

int blob_journal_flush(struct store *s, int *flushed, int *restored)
{
    const struct store_driver *drv = store_driver_of(s);
    struct jrow *rows = NULL;
    struct store_tx *tx = NULL;
    struct store_rows *r = NULL;
    char dir[PATH_MAX], path[PATH_MAX];
    char dirs[256][3];
    int n = 0, ndirs = 0, rc, k;

    if (flushed != NULL)
        *flushed = 0;
    if (restored != NULL)
        *restored = 0;
    if (drv->blob_put != NULL)
        return STORE_OK; /* the backend's blobs are durable with their commit */
    rows = calloc(BLOB_JOURNAL_BATCH, sizeof(*rows));
    if (rows == NULL)
        return STORE_ERROR;
    rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK) {
        struct store_param p[] = {SP_I(BLOB_JOURNAL_BATCH)};
        rc =
            store_query(tx, "SELECT hash FROM blob_journal ORDER BY created_ms LIMIT $1", p, 1, &r);
    }
    while (rc == STORE_OK && (k = store_rows_next(r)) == 1) {
        const char *h = store_col_text(r, 0, NULL);
        if (h != NULL && hash_ok(h) && strlen(h) == BLOB_HASH_HEX)
            memcpy(rows[n++].hash, h, BLOB_HASH_HEX + 1);
    }
    store_rows_free(r);
    store_rollback(tx);
    if (rc != STORE_OK || n == 0)
        goto out;

    for (int i = 0; i < n; i++) {
        struct stat st;
        if (blob_paths(s, rows[i].hash, dir, path) != STORE_OK)
            continue;
        if (stat(path, &st) != 0 || !file_matches(path, rows[i].hash, (size_t)st.st_size)) {
            log_warn("store: blob %s of the journal is missing or damaged on disk; restoring it",
                     rows[i].hash);
            if (journal_restore(s, rows[i].hash) != STORE_OK || stat(path, &st) != 0)
                continue; /* stays in the journal */
            if (restored != NULL)
                (*restored)++;
        } else {
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || fsync(fd) != 0 || fstat(fd, &st) != 0) {
                log_error("store: fsync %s: %s", path, strerror(errno));
                if (fd >= 0)
                    close(fd);
                continue;
            }
            close(fd);
        }
        rows[i].dev = st.st_dev;
        rows[i].ino = st.st_ino;
        bool seen = false;
        for (int d = 0; d < ndirs && !seen; d++)
            seen = memcmp(dirs[d], rows[i].hash, 2) == 0;
        if (!seen && ndirs < 256) {
            memcpy(dirs[ndirs], rows[i].hash, 2);
            dirs[ndirs++][2] = '\0';
        }
    }
    for (int d = 0; d < ndirs; d++) {
        snprintf(dir, sizeof(dir), "%s/%s", store_blob_dir(s), dirs[d]);
        if (fsync_dir(dir) != STORE_OK) {
            log_error("store: %s", store_errmsg(s));
            goto out; /* nothing is deleted: the next flush tries again */
        }
    }
    if (ndirs > 0 && fsync_dir(store_blob_dir(s)) != STORE_OK)
        goto out;

    /* the rows of files that are still the ones fsync'd */
    rc = store_begin(s, STORE_WRITE, &tx);
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        struct stat st;
        if (rows[i].ino == 0 && rows[i].dev == 0)
            continue;
        if (blob_paths(s, rows[i].hash, dir, path) != STORE_OK || stat(path, &st) != 0 ||
            st.st_ino != rows[i].ino || st.st_dev != rows[i].dev)
            continue;
        struct store_param p[] = {SP_T(rows[i].hash)};
        rc = store_exec(tx, "DELETE FROM blob_journal WHERE hash = $1", p, 1, NULL);
        if (rc == STORE_OK && flushed != NULL)
            (*flushed)++;
    }
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else if (tx != NULL)
        store_rollback(tx);
    if (rc != STORE_OK && flushed != NULL)
        *flushed = 0;
out:
    free(rows);
    return rc;
}
