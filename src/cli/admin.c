/*
 * cli/admin.c — `sunbid migrate`, `sunbid user add|passwd|list`,
 * `sunbid org add|list`: the operator's commands on the store. Writes are
 * audited with actor "cli".
 */
#include <getopt.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/roles.h"
#include "cli/cli.h"
#include "domain/accounts.h"

static const struct actor cli_actor = {0, "cli", NULL, NULL};

#define STORE_LONGOPTS                                                                             \
    {"data-dir", required_argument, NULL, 'd'}, {"db", required_argument, NULL, 'b'},              \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* Reads one line from stdin into buf (without the newline). */
static int read_password_stdin(char *buf, size_t len)
{
    if (fgets(buf, (int)len, stdin) == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int cli_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {STORE_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    char err[512];
    struct store *s = NULL;
    int opt, applied = 0, version = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'd')
            so.data_dir = optarg;
        else if (opt == 'b')
            so.db = optarg;
        else if (opt == 'h') {
            puts("usage: sunbid migrate [--data-dir DIR] [--db URL]\n\n"
                 "Applies pending schema migrations and prints the schema version.");
            return CLI_OK;
        } else
            return CLI_USAGE;
    }
    if (store_open(&s, so.db, cli_data_dir(&so), err, sizeof(err)) != STORE_OK) {
        fprintf(stderr, "sunbid: migrate: cannot open the store: %s\n", err);
        return CLI_FAIL;
    }
    int rc = store_migrate(s, &applied);
    if (rc == STORE_OK)
        rc = store_schema_version(s, &version);
    if (rc != STORE_OK) {
        fprintf(stderr, "sunbid: migrate: %s (%s)\n", store_rc_name(rc), store_errmsg(s));
        store_close(s);
        return CLI_FAIL;
    }
    printf("applied %d migration%s; schema version %d (%s)\n", applied, applied == 1 ? "" : "s",
           version, store_backend(s));
    store_close(s);
    return CLI_OK;
}

/* Finds an organisation by id or USCC; 0 when not found. */
static int64_t find_org(struct store *s, const char *ref)
{
    struct store_tx *tx = NULL;
    int64_t id = 0;
    char *end;
    long long v = strtoll(ref, &end, 10);
    if (store_begin(s, STORE_READ, &tx) != STORE_OK)
        return 0;
    if (*end == '\0' && v > 0) {
        struct store_param p[] = {SP_I(v)};
        store_query_int(tx, "SELECT id FROM orgs WHERE id = $1", p, 1, &id);
    } else {
        struct store_param p[] = {SP_T(ref)};
        store_query_int(tx, "SELECT id FROM orgs WHERE uscc = upper($1)", p, 1, &id);
    }
    store_rollback(tx);
    return id;
}

static void user_usage(FILE *f)
{
    fputs("usage: sunbid user add USERNAME --role ROLE[,ROLE] --name DISPLAY_NAME\n"
          "                     [--org ID|USCC] [--email E] [--phone P]\n"
          "                     (--password PW | --password-stdin)\n"
          "       sunbid user passwd USERNAME (--password PW | --password-stdin)\n"
          "       sunbid user list\n"
          "   all take [--data-dir DIR] [--db URL]\n"
          "\n"
          "roles: agent, bidder, expert, supervisor, admin\n",
          f);
}

int cli_user(int argc, char **argv)
{
    static const struct option longopts[] = {STORE_LONGOPTS,
                                             {"role", required_argument, NULL, 'r'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"org", required_argument, NULL, 'o'},
                                             {"email", required_argument, NULL, 'e'},
                                             {"phone", required_argument, NULL, 'p'},
                                             {"password", required_argument, NULL, 'w'},
                                             {"password-stdin", no_argument, NULL, 'i'},
                                             {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    struct user_input in = {0};
    const char *org_ref = NULL, *sub, *field = NULL;
    char pwbuf[300];
    bool pw_stdin = false;
    int opt, rc;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        user_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    sub = argv[1];
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            so.data_dir = optarg;
            break;
        case 'b':
            so.db = optarg;
            break;
        case 'r':
            in.roles = role_parse_list(optarg);
            if (in.roles == 0) {
                fprintf(stderr, "sunbid: user: unknown role in '%s'\n", optarg);
                return CLI_INVALID;
            }
            break;
        case 'n':
            in.display_name = optarg;
            break;
        case 'o':
            org_ref = optarg;
            break;
        case 'e':
            in.email = optarg;
            break;
        case 'p':
            in.phone = optarg;
            break;
        case 'w':
            in.password = optarg;
            break;
        case 'i':
            pw_stdin = true;
            break;
        case 'h':
            user_usage(stdout);
            return CLI_OK;
        default:
            user_usage(stderr);
            return CLI_USAGE;
        }
    }
    const char *username = optind < argc - 1 ? argv[optind + 1] : NULL;
    if (pw_stdin) {
        if (read_password_stdin(pwbuf, sizeof(pwbuf)) != 0) {
            fprintf(stderr, "sunbid: user: no password on stdin\n");
            return CLI_USAGE;
        }
        in.password = pwbuf;
    }

    if (strcmp(sub, "list") == 0) {
        struct store *s = cli_open_store("user list", &so);
        struct store_tx *tx = NULL;
        struct arena a;
        struct page pg;
        int64_t after = 0;
        char roles[64];
        if (s == NULL)
            return CLI_FAIL;
        arena_init(&a, 0);
        rc = store_begin(s, STORE_READ, &tx);
        printf("%-6s %-20s %-24s %-8s %s\n", "ID", "USERNAME", "ROLES", "ORG", "NAME");
        do {
            if (rc == STORE_OK)
                rc = store_user_list(tx, &a, after, 100, &pg);
            if (rc != STORE_OK)
                break;
            struct user *u = pg.items;
            for (int i = 0; i < pg.n; i++) {
                role_format_list(u[i].roles, roles, sizeof(roles));
                printf("%-6lld %-20s %-24s %-8lld %s%s\n", (long long)u[i].id, u[i].username, roles,
                       (long long)u[i].org_id, u[i].display_name,
                       u[i].disabled ? " (disabled)" : "");
                after = u[i].id;
            }
        } while (pg.more);
        store_rollback(tx);
        arena_release(&a);
        store_close(s);
        if (rc != STORE_OK) {
            fprintf(stderr, "sunbid: user list: %s\n", store_rc_name(rc));
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0) {
        fprintf(stderr, "sunbid: user: unknown subcommand '%s'\n", sub);
        user_usage(stderr);
        return CLI_USAGE;
    }
    if (username == NULL || in.password == NULL) {
        fprintf(stderr,
                "sunbid: user %s: USERNAME and --password or --password-stdin are required\n", sub);
        return CLI_USAGE;
    }
    if (strcmp(sub, "add") == 0 && (in.roles == 0 || in.display_name == NULL)) {
        fprintf(stderr, "sunbid: user add: --role and --name are required\n");
        return CLI_USAGE;
    }
    struct store *s = cli_open_store(strcmp(sub, "add") == 0 ? "user add" : "user passwd", &so);
    if (s == NULL)
        return CLI_FAIL;
    if (strcmp(sub, "add") == 0) {
        int64_t id = 0;
        in.username = username;
        if (org_ref != NULL) {
            in.org_id = find_org(s, org_ref);
            if (in.org_id == 0) {
                fprintf(stderr, "sunbid: user add: no organisation '%s'\n", org_ref);
                store_close(s);
                return CLI_CONFLICT;
            }
        }
        enum err e = user_create(s, &cli_actor, &in, &id, &field);
        rc = cli_report("user add", e, field);
        if (rc == CLI_OK)
            printf("%lld\n", (long long)id);
    } else {
        struct store_tx *tx = NULL;
        struct arena a;
        struct user u;
        arena_init(&a, 0);
        rc = store_begin(s, STORE_READ, &tx);
        if (rc == STORE_OK)
            rc = store_user_by_name(tx, &a, username, &u);
        store_rollback(tx);
        if (rc == STORE_OK) {
            rc = cli_report("user passwd",
                            user_set_password(s, &cli_actor, u.id, in.password, &field), field);
        } else {
            fprintf(stderr, "sunbid: user passwd: no user '%s'\n", username);
            rc = CLI_CONFLICT;
        }
        arena_release(&a);
    }
    store_close(s);
    return rc;
}

static void org_usage(FILE *f)
{
    fputs("usage: sunbid org add --name NAME --uscc CODE --legal-rep NAME\n"
          "                    [--contact-name N] [--contact-phone P] [--contact-email E]\n"
          "                    [--address A]\n"
          "       sunbid org list\n"
          "   all take [--data-dir DIR] [--db URL]\n"
          "\n"
          "CODE is the 18-character unified social credit code (GB 32100); its\n"
          "check digit is verified. Prints the new organisation's id.\n",
          f);
}

int cli_org(int argc, char **argv)
{
    static const struct option longopts[] = {STORE_LONGOPTS,
                                             {"name", required_argument, NULL, 'n'},
                                             {"uscc", required_argument, NULL, 'u'},
                                             {"legal-rep", required_argument, NULL, 'l'},
                                             {"contact-name", required_argument, NULL, 'c'},
                                             {"contact-phone", required_argument, NULL, 'p'},
                                             {"contact-email", required_argument, NULL, 'e'},
                                             {"address", required_argument, NULL, 'a'},
                                             {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    struct org in = {0};
    const char *field = NULL;
    int opt, rc;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        org_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            so.data_dir = optarg;
            break;
        case 'b':
            so.db = optarg;
            break;
        case 'n':
            in.name = optarg;
            break;
        case 'u':
            in.uscc = optarg;
            break;
        case 'l':
            in.legal_rep = optarg;
            break;
        case 'c':
            in.contact_name = optarg;
            break;
        case 'p':
            in.contact_phone = optarg;
            break;
        case 'e':
            in.contact_email = optarg;
            break;
        case 'a':
            in.address = optarg;
            break;
        case 'h':
            org_usage(stdout);
            return CLI_OK;
        default:
            org_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (strcmp(sub, "list") == 0) {
        struct store *s = cli_open_store("org list", &so);
        struct store_tx *tx = NULL;
        struct arena a;
        struct page pg;
        int64_t after = 0;
        if (s == NULL)
            return CLI_FAIL;
        arena_init(&a, 0);
        rc = store_begin(s, STORE_READ, &tx);
        printf("%-6s %-18s %s\n", "ID", "USCC", "NAME");
        do {
            if (rc == STORE_OK)
                rc = store_org_list(tx, &a, after, 100, &pg);
            if (rc != STORE_OK)
                break;
            struct org *o = pg.items;
            for (int i = 0; i < pg.n; i++) {
                printf("%-6lld %-18s %s\n", (long long)o[i].id, o[i].uscc, o[i].name);
                after = o[i].id;
            }
        } while (pg.more);
        store_rollback(tx);
        arena_release(&a);
        store_close(s);
        return rc == STORE_OK ? CLI_OK : CLI_FAIL;
    }
    if (strcmp(sub, "add") != 0) {
        fprintf(stderr, "sunbid: org: unknown subcommand '%s'\n", sub);
        return CLI_USAGE;
    }
    if (in.name == NULL || in.uscc == NULL || in.legal_rep == NULL) {
        fprintf(stderr, "sunbid: org add: --name, --uscc and --legal-rep are required\n");
        return CLI_USAGE;
    }
    struct store *s = cli_open_store("org add", &so);
    int64_t id = 0;
    if (s == NULL)
        return CLI_FAIL;
    rc = cli_report("org add", org_create(s, &cli_actor, &in, &id, &field), field);
    if (rc == CLI_OK)
        printf("%lld\n", (long long)id);
    store_close(s);
    return rc;
}
