/*
 * base64.h — base64 (RFC 4648 §4) and base64url without padding (§5), and
 * lower-case hex. Encoders write a NUL-terminated string; decoders reject any
 * character outside the alphabet. Thread-safe, no allocation.
 */
#ifndef SUNBID_BASE64_H
#define SUNBID_BASE64_H

#include <stddef.h>

/* Output sizes including the NUL. */
#define B64_LEN(n)    ((((n) + 2) / 3) * 4 + 1)
#define B64URL_LEN(n) (((n)*4 + 2) / 3 + 1)
#define HEX_LEN(n)    ((n)*2 + 1)

size_t b64_encode(const void *in, size_t n, char *out);    /* padded */
size_t b64url_encode(const void *in, size_t n, char *out); /* unpadded */
/* Decode into out (capacity outcap); returns bytes written, or -1 on bad input
 * or overflow. Accepts padded or unpadded input of either alphabet variant
 * given by `url`. */
long b64_decode(const char *in, size_t n, void *out, size_t outcap, int url);
void hex_encode(const void *in, size_t n, char *out);
long hex_decode(const char *in, size_t n, void *out, size_t outcap);
/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);

#endif
