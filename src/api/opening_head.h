/*
 * api/opening_head.h — the head of a bidder's own envelope at the opening
 * (api/opening_head.c), for the browser's key release:
 *
 *   GET /api/tenders/:id/opening/envelope-head?lot_no=N      bidder, phase decrypt
 *
 * Worker threads.
 */
#ifndef SUNBID_API_OPENING_HEAD_H
#define SUNBID_API_OPENING_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

void api_opening_envelope_head(struct http_request *req, struct http_response *res);

/* Where the recipient blocks of the envelope bytes env (len of them) end:
 * the length of the head the route answers; 0 when env does not start
 * with a well-formed preamble and header. */
size_t api_opening_head_end(const uint8_t *env, size_t len);

#endif
