/*
 * cli/common.c — what the commands share: opening the store, reporting errors.
 */
#include "cli/cli.h"

#include "domain/accounts.h"

const char *cli_data_dir(const struct cli_store_opts *o)
{
    const char *dir = o->data_dir;
    if (dir == NULL)
        dir = getenv("SUNBID_DATA_DIR");
    if (dir == NULL)
        dir = "var/data";
    return dir;
}

struct store *cli_open_store(const char *cmd, const struct cli_store_opts *o)
{
    char err[512];
    struct store *s = NULL;
    int applied = 0;
    const char *dir = cli_data_dir(o);
    if (store_open(&s, o->db, dir, err, sizeof(err)) != STORE_OK) {
        fprintf(stderr, "sunbid: %s: cannot open the store: %s\n", cmd, err);
        return NULL;
    }
    int rc = store_migrate(s, &applied);
    if (rc != STORE_OK) {
        fprintf(stderr, "sunbid: %s: migration failed: %s (%s)\n", cmd, store_rc_name(rc),
                store_errmsg(s));
        store_close(s);
        return NULL;
    }
    return s;
}

int cli_report(const char *cmd, enum err e, const char *field)
{
    if (e == ERR_OK)
        return CLI_OK;
    fprintf(stderr, "sunbid: %s: %s%s%s: %s\n", cmd, err_code(e), field ? " in " : "",
            field ? field : "", err_message(e));
    switch (err_status(e)) {
    case 400:
    case 415:
    case 422:
        return CLI_INVALID;
    case 404:
    case 409:
        return CLI_CONFLICT;
    default:
        return CLI_FAIL;
    }
}
