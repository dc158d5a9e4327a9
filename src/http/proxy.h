/*
 * http/proxy.h — trusted reverse proxies and the client address behind
 * them (`sunbid serve --trusted-proxy`, docs/deploy.md, docs/bids.md).
 *
 * Behind nginx every request's TCP peer is nginx. The server records a
 * client address with each bid, login, audit row and download, and the
 * risk watcher compares bidders' upload addresses: with the proxy's
 * address everywhere, every pair of bidders would look alike. nginx passes
 * the client as X-Real-IP (and appends it to X-Forwarded-For); those
 * headers are anyone's to write, so they are believed only when the TCP
 * peer is one of the operator's proxies:
 *
 *   peer in the trusted set  and  X-Real-IP is an IP literal   -> that address
 *   ... no X-Real-IP, the last X-Forwarded-For hop is one      -> that address
 *   anything else (peer not trusted, header absent or malformed) -> the peer
 *
 * The last hop of X-Forwarded-For is the one the trusted proxy itself
 * added; earlier hops are the client's own words and never used. The
 * result is printed back with inet_ntop (one spelling per address; an
 * IPv4-mapped IPv6 address becomes the IPv4 one, as the server writes
 * peers), so it is at most INET6_ADDRSTRLEN bytes and has no odd bytes.
 *
 * Threads: the set is built at start and read-only after; any thread.
 */
#ifndef SUNBID_HTTP_PROXY_H
#define SUNBID_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_PROXIES_MAX 32 /* --trusted-proxy entries */

/* One trusted address or network. */
struct http_proxy_net {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network address, host bits zero (4 bytes for IPv4) */
    unsigned bits;    /* prefix length: 32 / 128 for one address */
};

/* The trusted proxies; zeroed storage is the empty set. */
struct http_proxies {
    struct http_proxy_net nets[HTTP_PROXIES_MAX];
    int n; /* entries used */
};

/* Adds "ADDR" or "ADDR/BITS" (IPv4 or IPv6 literal, no brackets, no zone).
 * 0; -1 when malformed, BITS out of range, host bits set, or the set is
 * full (err says which). */
int http_proxies_add(struct http_proxies *p, const char *spec, char *err, size_t errlen);

/* Whether addr (an IP literal as the server prints peers) is in the set. */
bool http_proxies_trusts(const struct http_proxies *p, const char *addr);

/* Parses an IP literal of len bytes (optional spaces/tabs around it) into
 * its one printed form in out (outlen >= 46). true when it is one. */
bool http_ip_normalize(const char *s, size_t len, char *out, size_t outlen);

/* The client's address for a request from peer with those header values
 * (NULL when absent), per the table above, into out (outlen >= 46).
 * Returns true when a header was used. p NULL or empty: always the peer. */
bool http_proxy_client(const struct http_proxies *p, const char *peer, const char *x_real_ip,
                       const char *x_forwarded_for, char *out, size_t outlen);

#endif
