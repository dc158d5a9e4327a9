/*
 * banned.h — functions that must not be used in sunbid, force-included into
 * every translation unit of ours (-include). Each one either cannot bound its
 * output (sprintf, strcpy, strcat, gets), keeps hidden state (strtok), or
 * cannot report errors (atoi). Use snprintf, memcpy with a known length,
 * struct buf, strtok_r-free parsing, and strtol/strtoll with end checks.
 */
#ifndef SUNBID_BANNED_H
#define SUNBID_BANNED_H

/* The declarations come first, so the macros below only catch our calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUNBID_BANNED(func) sorry_##func##_is_banned_in_sunbid

#undef sprintf
#define sprintf(...) SUNBID_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SUNBID_BANNED(vsprintf)
#undef strcpy
#define strcpy(x, y) SUNBID_BANNED(strcpy)
#undef strcat
#define strcat(x, y) SUNBID_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) SUNBID_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) SUNBID_BANNED(strncat)
#undef strtok
#define strtok(x, y) SUNBID_BANNED(strtok)
#undef gets
#define gets(x) SUNBID_BANNED(gets)
#undef atoi
#define atoi(x) SUNBID_BANNED(atoi)
#undef atol
#define atol(x) SUNBID_BANNED(atol)

#endif
