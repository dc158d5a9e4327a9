/*
 * roles.c — role names (see roles.h).
 */
#include "base/roles.h"

static const char *const names[ROLE_COUNT] = {"agent", "bidder", "expert", "supervisor", "admin"};

const char *role_name(unsigned bit)
{
    for (int i = 0; i < ROLE_COUNT; i++)
        if (bit == (1u << i))
            return names[i];
    return NULL;
}

unsigned role_parse(const char *name)
{
    for (int i = 0; i < ROLE_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return 1u << i;
    return 0;
}

unsigned role_parse_list(const char *list)
{
    unsigned roles = 0;
    const char *p = list;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        char name[16];
        if (n == 0 || n >= sizeof(name))
            return 0;
        memcpy(name, p, n);
        name[n] = '\0';
        unsigned bit = role_parse(name);
        if (bit == 0)
            return 0;
        roles |= bit;
        p += n;
        if (*p == ',')
            p++;
    }
    return roles;
}

void role_format_list(unsigned roles, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return;
    out[0] = '\0';
    for (int i = 0; i < ROLE_COUNT; i++) {
        if (!(roles & (1u << i)))
            continue;
        int n = snprintf(out + o, outlen - o, "%s%s", o ? "," : "", names[i]);
        if (n < 0 || (size_t)n >= outlen - o)
            return;
        o += (size_t)n;
    }
}
