/*
 * password.h — password hashing with scrypt (RFC 7914) through OpenSSL 3.
 *
 * The stored form carries its parameters, so they can be raised later and
 * old hashes still verify:
 *
 *     $scrypt$ln=15,r=8,p=1$<salt, base64 unpadded>$<32-byte key, base64 unpadded>
 *
 * ln is log2(N). Defaults: N=2^15, r=8, p=1 (32 MiB, tens of ms): OWASP's
 * minimum for scrypt is N=2^17 with r=8,p=1 *or* equivalent; we choose 2^15
 * with the login throttle as the second line, and keep it configurable via
 * password_set_cost() (tests lower it). Thread-safe.
 */
#ifndef SUNBID_PASSWORD_H
#define SUNBID_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 160

/* Sets log2(N) for new hashes (10..20). */
void password_set_cost(int ln);
/* Hashes pw into out (PASSWORD_HASH_MAX bytes). Returns 0, or -1 on failure. */
int password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);
/* True when pw matches stored; false on mismatch or a malformed stored hash.
 * Runs in time independent of where the hashes differ. */
bool password_verify(const char *pw, const char *stored);
/* True when stored uses weaker parameters than the current ones. */
bool password_needs_rehash(const char *stored);
/* Rejects passwords a platform should not accept: shorter than 8 characters,
 * longer than 256 bytes, or of one character class only. Returns NULL when
 * acceptable, else a short English reason. */
const char *password_weakness(const char *pw);

#endif
