/*
 * roles.h — the roles a user may hold, as bits (a user may hold several).
 * Shared by http/ (route declarations) and domain/ (accounts).
 */
#ifndef SUNBID_ROLES_H
#define SUNBID_ROLES_H

#include <stddef.h>

enum {
    ROLE_AGENT = 1u << 0,      /* 招标人/代理: runs tenders */
    ROLE_BIDDER = 1u << 1,     /* 投标人/竞买人 */
    ROLE_EXPERT = 1u << 2,     /* 评标专家 */
    ROLE_SUPERVISOR = 1u << 3, /* 行政监督 */
    ROLE_ADMIN = 1u << 4,      /* 平台管理 */
    ROLE_ALL = 0x1Fu           /* any signed-in user */
};

#define ROLE_COUNT 5

/* "agent", "bidder", ... for one bit; NULL for anything else. */
const char *role_name(unsigned bit);
/* The bit for a name, or 0 when unknown. */
unsigned role_parse(const char *name);
/* Parses "agent,bidder" into bits; returns 0 when any name is unknown or
 * the list is empty. */
unsigned role_parse_list(const char *list);
/* Writes "agent,bidder" into out. */
void role_format_list(unsigned roles, char *out, size_t outlen);

#endif
