/*
 * errors.c — lookups into the error table of errors.h. The lower_snake_case
 * code strings are generated once, at first use, from the enum names.
 */
#include "base/errors.h"

#include <ctype.h>
#include <pthread.h>

static const int statuses[] = {
#define X_STATUS(name, status, msg) status,
    SUNBID_ERRORS(X_STATUS)
#undef X_STATUS
};

static const char *const messages[] = {
#define X_MSG(name, status, msg) msg,
    SUNBID_ERRORS(X_MSG)
#undef X_MSG
};

static const char *const names[] = {
#define X_NAME(name, status, msg) #name,
    SUNBID_ERRORS(X_NAME)
#undef X_NAME
};

static char codes[ERR__COUNT][40];
static pthread_once_t codes_once = PTHREAD_ONCE_INIT;

static void codes_init(void)
{
    for (int i = 0; i < ERR__COUNT; i++) {
        size_t j = 0;
        for (; names[i][j] != '\0' && j < sizeof(codes[i]) - 1; j++)
            codes[i][j] = (char)tolower((unsigned char)names[i][j]);
        codes[i][j] = '\0';
    }
}

int err_status(enum err e)
{
    if ((int)e < 0 || e >= ERR__COUNT)
        return 500;
    return statuses[e];
}

const char *err_code(enum err e)
{
    if ((int)e < 0 || e >= ERR__COUNT)
        e = ERR_INTERNAL;
    pthread_once(&codes_once, codes_init);
    return codes[e];
}

const char *err_message(enum err e)
{
    if ((int)e < 0 || e >= ERR__COUNT)
        e = ERR_INTERNAL;
    return messages[e];
}

enum err err_from_code(const char *code)
{
    pthread_once(&codes_once, codes_init);
    for (int i = 0; i < ERR__COUNT; i++)
        if (strcmp(codes[i], code) == 0)
            return (enum err)i;
    return ERR__COUNT;
}
