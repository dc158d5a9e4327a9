/*
 * http/proxy.c — trusted reverse proxies and the client address behind
 * them (proxy.h). inet_pton / inet_ntop do the parsing: only a whole,
 * plain literal is accepted (no names, no ports, no zones, no brackets).
 */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define LIT_MAX 64 /* longer is not an address (INET6_ADDRSTRLEN is 46) */

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses one literal (exactly len bytes, nothing around it) into family
 * and addr; an IPv4-mapped IPv6 address is given as IPv4. */
static bool ip_parse(const char *s, size_t len, int *family, uint8_t addr[16])
{
    char tmp[LIT_MAX];
    if (len == 0 || len >= sizeof tmp)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                  (ch >= 'A' && ch <= 'F') || ch == '.' || ch == ':';
        if (!ok)
            return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (inet_pton(AF_INET, tmp, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, addr) != 1)
        return false;
    *family = AF_INET6;
    if (memcmp(addr, V4_MAPPED, sizeof V4_MAPPED) == 0) {
        memmove(addr, addr + 12, 4);
        *family = AF_INET;
    }
    return true;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

bool http_ip_normalize(const char *s, size_t len, char *out, size_t outlen)
{
    int family = 0;
    uint8_t addr[16];
    trim(&s, &len);
    if (outlen < INET6_ADDRSTRLEN || !ip_parse(s, len, &family, addr))
        return false;
    return inet_ntop(family, addr, out, (socklen_t)outlen) != NULL;
}

int http_proxies_add(struct http_proxies *p, const char *spec, char *err, size_t errlen)
{
    struct http_proxy_net net = {0};
    const char *slash = strchr(spec, '/');
    size_t alen = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
    if (p->n >= HTTP_PROXIES_MAX) {
        snprintf(err, errlen, "at most %d trusted proxies", HTTP_PROXIES_MAX);
        return -1;
    }
    if (!ip_parse(spec, alen, &net.family, net.addr)) {
        snprintf(err, errlen, "'%s' is not an IP address or ADDR/BITS network", spec);
        return -1;
    }
    unsigned max = net.family == AF_INET ? 32 : 128;
    /* an IPv4-mapped IPv6 network (::ffff:a.b.c.d/N, N >= 96) was folded
     * to IPv4 by ip_parse: its prefix counts 96 bits fewer */
    bool mapped = net.family == AF_INET && memchr(spec, ':', alen) != NULL;
    net.bits = max;
    if (slash != NULL) {
        char *end = NULL;
        long b = strtol(slash + 1, &end, 10);
        if (mapped)
            b -= 96;
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || b < 0 || b > (long)max) {
            snprintf(err, errlen, "'%s': the prefix length must be 0..%u", spec,
                     mapped ? 128 : max);
            return -1;
        }
        net.bits = (unsigned)b;
    }
    for (unsigned i = net.bits; i < max; i++)
        if (net.addr[i / 8] & (0x80u >> (i % 8))) {
            snprintf(err, errlen, "'%s' has bits set past its prefix length", spec);
            return -1;
        }
    p->nets[p->n++] = net;
    return 0;
}

static bool net_has(const struct http_proxy_net *n, int family, const uint8_t addr[16])
{
    if (n->family != family)
        return false;
    unsigned full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(n->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (n->addr[full] & mask) == (addr[full] & mask);
}

bool http_proxies_trusts(const struct http_proxies *p, const char *addr)
{
    int family = 0;
    uint8_t a[16];
    if (p == NULL || p->n == 0 || addr == NULL || !ip_parse(addr, strlen(addr), &family, a))
        return false;
    for (int i = 0; i < p->n; i++)
        if (net_has(&p->nets[i], family, a))
            return true;
    return false;
}

bool http_proxy_client(const struct http_proxies *p, const char *peer, const char *x_real_ip,
                       const char *x_forwarded_for, char *out, size_t outlen)
{
    if (outlen == 0)
        return false;
    snprintf(out, outlen, "%s", peer != NULL ? peer : "");
    if (!http_proxies_trusts(p, peer))
        return false;
    if (x_real_ip != NULL)
        return http_ip_normalize(x_real_ip, strlen(x_real_ip), out, outlen);
    if (x_forwarded_for != NULL) {
        const char *last = strrchr(x_forwarded_for, ',');
        last = last != NULL ? last + 1 : x_forwarded_for;
        return http_ip_normalize(last, strlen(last), out, outlen);
    }
    return false;
}
