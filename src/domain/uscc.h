/*
 * uscc.h — the unified social credit code (统一社会信用代码), GB 32100-2015.
 *
 * 18 characters from the 31-character set 0-9 A-H J-N P-R T-U W-Y (no I, O,
 * S, V, Z):
 *
 *   pos 1     registration authority (1 编制, 5 民政, 9 工商, Y 其他 ...)
 *   pos 2     organisation type
 *   pos 3-8   administrative division (GB/T 2260)
 *   pos 9-17  organisation code (GB 11714)
 *   pos 18    check digit: C18 = 31 - (sum_{i=1..17} v(c_i) * w_i mod 31),
 *             w_i = 3^(i-1) mod 31, and 31 maps to 0
 *
 * Lower-case input is accepted and upper-cased.
 */
#ifndef SUNBID_USCC_H
#define SUNBID_USCC_H

#include <stdbool.h>

#define USCC_LEN 18

/* True when code is a well-formed USCC with a correct check digit. If norm is
 * not NULL it receives the upper-cased code (19 bytes). */
bool uscc_valid(const char *code, char norm[USCC_LEN + 1]);
/* The check character for the first 17 characters, or 0 if they are invalid. */
char uscc_check_char(const char *first17);

#endif
