/*
 * uscc.c — GB 32100 check digit (see uscc.h). Pure functions, thread-safe.
 */
#include "domain/uscc.h"

#include <ctype.h>

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static int value_of(char c)
{
    const char *p = strchr(alphabet, toupper((unsigned char)c));
    if (c == '\0' || p == NULL)
        return -1;
    return (int)(p - alphabet);
}

char uscc_check_char(const char *first17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = value_of(first17[i]);
        if (v < 0)
            return 0;
        sum += v * weights[i];
    }
    int c = 31 - sum % 31;
    if (c == 31)
        c = 0;
    return alphabet[c];
}

bool uscc_valid(const char *code, char norm[USCC_LEN + 1])
{
    if (code == NULL || strlen(code) != USCC_LEN)
        return false;
    char check = uscc_check_char(code);
    if (check == 0 || toupper((unsigned char)code[17]) != check)
        return false;
    if (norm != NULL) {
        for (int i = 0; i < USCC_LEN; i++)
            norm[i] = (char)toupper((unsigned char)code[i]);
        norm[USCC_LEN] = '\0';
    }
    return true;
}
