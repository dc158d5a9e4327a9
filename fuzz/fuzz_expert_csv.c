/*
 * fuzz_expert_csv.c — libFuzzer target for the expert pool's CSV import:
 * the CSV reader (sheet/csv.c, with its GB 18030 fallback) and the
 * importer's reading of the table (expert_import_rows: header mapping, list
 * cells, day ranges) and field checks (expert_input_check), which is every
 * step of an import before the store.
 *
 * What is checked beyond "does not crash, leak or trip a sanitizer" is in
 * fuzz/sheet_check.h, shared with the other spreadsheet target.
 *
 * Seeds: fuzz/corpus/expert_csv/. Run: fuzz/run BUILD_DIR SECONDS
 * expert_csv, or replay the corpus through fuzz/replay.c.
 */
#define FUZZ_NAME "fuzz_expert_csv"
#include "sheet_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sheet_limits lim = sheet_default_limits;
    lim.max_rows = 500;
    return fuzz_sheet_run(data, size, &lim, sheet_read_csv);
}
