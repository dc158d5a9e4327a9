/*
 * visibility.h — which witness-log entries are public.
 *
 * Every entry's leaf hash is public and provable; the entry BYTES are
 * served to anyone only when the event is public (a notice, an opening
 * record, a result). Other entries' bytes (who downloaded what, bid
 * receipts before the opening, ...) go only to roles that may read them;
 * the hash still proves the entry is in the log.
 *
 * Thread-safe, pure.
 */
#ifndef SUNBID_LEDGER_VISIBILITY_H
#define SUNBID_LEDGER_VISIBILITY_H

#include <stdbool.h>
#include <stddef.h>

/* True when the entry (canonical JSON bytes, as stored in the log) is of a
 * public event type. Malformed bytes are not public. */
bool ledger_entry_public(const void *entry, size_t n);

#endif
