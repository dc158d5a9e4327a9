/*
 * fuzz_workcal_csv.c — libFuzzer target for the reader of working-day
 * calendar files that admins import (domain/workcal.h, workcal_csv_parse:
 * CSV date,kind,name).
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what the
 * reader promises: a failure is calendar_file_invalid with a message and
 * a line within the input (0 only for the whole file); a success has
 * rows whose dates parse and print back the same, kinds 'h' or 'w', names
 * within WORKCAL_NAME_MAX bytes, and no date twice.
 *
 * Seeds: fuzz/corpus/workcal_csv/. Run: fuzz/run BUILD_DIR SECONDS
 * workcal_csv, or replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/workcal.h"

#define MAX_ROWS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_workcal_csv: %s (input of %zu bytes)\n", what, size);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct workcal_row rows[MAX_ROWS];
    char msg[120], back[WORKCAL_DATE_LEN + 1];
    int n = -1, line = -1;
    size_t lines = 1;
    if (size > 65536)
        return 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    enum err e =
        workcal_csv_parse((const char *)data, size, rows, MAX_ROWS, &n, &line, msg, sizeof msg);
    if (e != ERR_OK) {
        if (e != ERR_CALENDAR_FILE_INVALID)
            fail("an error other than calendar_file_invalid", size);
        if (msg[0] == '\0' || strlen(msg) >= sizeof msg)
            fail("a refusal without a message", size);
        if (line < 0 || (size_t)line > lines)
            fail("a refusal outside the input's lines", size);
        return 0;
    }
    if (n < 0 || n > MAX_ROWS)
        fail("a row count out of range", size);
    for (int i = 0; i < n; i++) {
        int64_t day;
        if (!workcal_parse_date(rows[i].date, strlen(rows[i].date), &day))
            fail("a row whose date does not parse", size);
        workcal_format_date(day, back);
        if (strcmp(back, rows[i].date) != 0)
            fail("a date that does not print back the same", size);
        if (rows[i].kind != 'h' && rows[i].kind != 'w')
            fail("a kind other than holiday or workday", size);
        if (strlen(rows[i].name) > WORKCAL_NAME_MAX)
            fail("a name too long", size);
        for (int j = 0; j < i; j++)
            if (strcmp(rows[i].date, rows[j].date) == 0)
                fail("a date twice", size);
    }
    return 0;
}
