/*
 * api/auctions.c — online auctions over HTTP (routes in api/auctions.h).
 *
 * Reading is from the stored snapshot the auction's writer keeps (one read
 * transaction); the times a client needs are the server's now_ms and the
 * end_ms, never a duration. Bids go to this node's writer through
 * auction_engine_bid() and are answered only once durable; when no writer of
 * the auction runs here the answer comes from the stored state (not started,
 * ended) or is 503 auction_not_here with Retry-After.
 *
 * What is hidden: the reserve (from everyone but the agent that runs it and
 * supervisors); sealed bids until the end; reverse offers until the start;
 * bidders' names (only numbers, 競買號) until the signed result names the
 * winner. Worker threads.
 */
#include "api/auctions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/log.h"
#include "domain/auction.h"

_Static_assert(API_AUCTION_ENVELOPE_MAX == AUCTION_ENVELOPE_MAX, "the route's body limit");

/* ---- shared ---- */

static enum err load_view(struct http_request *req, struct auction_view *v)
{
    int64_t id = api_param_id(req);
    if (id == 0)
        return ERR_NOT_FOUND;
    return auction_load(api_app(req)->store, req->arena, id, true, v);
}

static bool is_owner(const struct http_request *req, const struct auction_view *v)
{
    return req->who != NULL &&
           ((req->who->roles & ROLE_SUPERVISOR) ||
            ((req->who->roles & ROLE_AGENT) && req->who->org_id == v->row.agent_org_id));
}

enum err api_auctions_owner(struct http_request *req)
{
    struct auction_view v;
    if (req->who->roles & ROLE_SUPERVISOR)
        return ERR_OK;
    enum err e = load_view(req, &v);
    if (e != ERR_OK)
        return e;
    return is_owner(req, &v) ? ERR_OK : ERR_NOT_OWNER;
}

/* Sealed bids until the end, reverse offers until the start. */
static bool amounts_hidden(const struct auction_view *v)
{
    const struct auction_book *b = v->book;
    return !auction_state_closed(b->state) &&
           (v->terms.kind == AUCTION_SEALED ||
            (v->terms.kind == AUCTION_REVERSE && b->state == AUCTION_SCHEDULED));
}

/* The caller's registration (bidders), or NULL. */
static struct store_auction_reg *caller_reg(struct http_request *req, int64_t auction_id)
{
    struct store_tx *tx = NULL;
    struct store_auction_reg *r;
    if (req->who == NULL || req->who->org_id == 0 || !(req->who->roles & ROLE_BIDDER))
        return NULL;
    r = arena_calloc(req->arena, sizeof(*r));
    if (r == NULL || store_begin(api_app(req)->store, STORE_READ, &tx) != STORE_OK)
        return NULL;
    int rc = store_auction_reg_by_org(tx, req->arena, auction_id, req->who->org_id, r);
    store_rollback(tx);
    return rc == STORE_OK ? r : NULL;
}

static const char *paddle_of(struct http_request *req, int64_t auction_id, int64_t reg)
{
    struct store_tx *tx = NULL;
    struct store_auction_reg r;
    if (reg == 0 || store_begin(api_app(req)->store, STORE_READ, &tx) != STORE_OK)
        return NULL;
    int rc = store_auction_reg_get(tx, req->arena, reg, &r);
    store_rollback(tx);
    return rc == STORE_OK && r.auction_id == auction_id ? r.paddle : NULL;
}

static void write_auction(struct http_request *req, struct jsonw *w, const struct auction_view *v,
                          const struct store_auction_reg *me, bool full)
{
    const struct auction_terms *t = &v->terms;
    const struct auction_book *b = v->book;
    int64_t now = clock_now_ms();
    bool hide = amounts_hidden(v);
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", v->row.id);
    jsonw_kstr(w, "title", v->row.title);
    jsonw_kstr(w, "kind", auction_kind_name(t->kind));
    jsonw_kstr(w, "preset", t->preset);
    jsonw_kstr(w, "state", auction_state_name(b->state));
    if (b->reason != NULL)
        jsonw_kstr(w, "reason", b->reason);
    jsonw_kint(w, "agent_org_id", v->row.agent_org_id);
    jsonw_kint(w, "start_price", t->start_price);
    jsonw_kint(w, "increment", t->increment);
    jsonw_kint(w, "deposit", v->row.deposit);
    if (t->max_price > 0)
        jsonw_kint(w, "max_price", t->max_price);
    if (full && t->reserve > 0)
        jsonw_kint(w, "reserve", t->reserve);
    jsonw_kbool(w, "has_reserve", t->reserve > 0);
    jsonw_kint(w, "now_ms", now); /* the server's clock: the only one */
    jsonw_kint(w, "start_ms", auction_live_from(t, b));
    jsonw_kint(w, "end_ms", auction_end_at(t, b));
    jsonw_kint(w, "planned_end_ms", t->end_ms);
    jsonw_kint(w, "shift_ms", b->shift_ms);
    jsonw_kint(w, "window_ms", t->window_ms);
    if (t->kind == AUCTION_ENGLISH)
        jsonw_kint(w, "timed_from_ms", t->end_ms + b->shift_ms - t->window_ms);
    if (t->kind == AUCTION_DUTCH || t->kind == AUCTION_REVERSE)
        jsonw_kint(w, "step_ms", t->step_ms);
    if (t->kind == AUCTION_SEALED) /* bidding ends at end_ms; keys are released until this */
        jsonw_kint(w, "reveal_end_ms", auction_reveal_end(t, b));
    if (t->kind == AUCTION_REVERSE) {
        jsonw_kint(w, "rounds", t->rounds);
        jsonw_kint(w, "pause_ms", t->pause_ms);
        jsonw_kint(w, "first_pause_ms", t->first_pause_ms);
    }
    jsonw_kint(w, "nbids", b->nbids);
    jsonw_kint(w, "seq", b->seq);
    if (!hide && b->leader != 0) {
        jsonw_kint(w, "price", b->price);
        jsonw_kstr(w, "leader", paddle_of(req, v->row.id, b->leader));
    }
    if (auction_state_closed(b->state) && t->reserve > 0 && b->nbids > 0)
        jsonw_kbool(w, "reserve_met", b->state == AUCTION_SOLD);
    if (b->state == AUCTION_LIVE && t->kind == AUCTION_DUTCH)
        jsonw_kint(w, "current_price", auction_dutch_price(t, b, now));
    if (b->state == AUCTION_LIVE && t->kind == AUCTION_REVERSE) {
        int round;
        int64_t reg, turn_end;
        auction_reverse_turn(t, b, now, &round, &reg, &turn_end);
        jsonw_kint(w, "round", round);
        jsonw_kstr(w, "turn", reg ? paddle_of(req, v->row.id, reg) : NULL);
        jsonw_kint(w, "turn_end_ms", turn_end);
    }
    if (!auction_state_closed(b->state) && t->kind != AUCTION_REVERSE) {
        int64_t m = auction_next_min(t, b, 0, now);
        if (m > 0 && !(t->kind == AUCTION_SEALED))
            jsonw_kint(w, "next_min", m);
    }
    if (me != NULL) {
        jsonw_key(w, "me");
        jsonw_obj_begin(w);
        jsonw_kint(w, "registration", me->id);
        jsonw_kstr(w, "state", me->state);
        jsonw_kstr(w, "paddle", me->paddle);
        const struct auction_standing *mine = NULL;
        for (int i = 0; i < b->nstand; i++)
            if (b->stand[i].reg == me->id)
                mine = &b->stand[i];
        if (mine != NULL && t->kind == AUCTION_SEALED) {
            char hex[65];
            const char *why = auction_open_reason((enum auction_open)mine->open);
            hex_encode(mine->envelope, sizeof mine->envelope, hex);
            jsonw_kstr(w, "envelope_sha256", hex); /* the receipt */
            jsonw_kstr(w, "opened",
                       mine->open == AUCTION_OPEN_PENDING ? "pending"
                       : why != NULL                      ? why
                                                          : "valid");
        }
        if (mine != NULL && mine->amount > 0)
            jsonw_kint(w, "my_amount", mine->amount);
        if (!hide && b->nbids > 0)
            jsonw_kbool(w, "leading", b->leader == me->id);
        if (!auction_state_closed(b->state) && strcmp(me->state, "qualified") == 0) {
            int64_t m = auction_next_min(t, b, me->id, now);
            if (t->kind == AUCTION_REVERSE && b->state == AUCTION_LIVE)
                jsonw_kint(w, "max_offer", m);
            else if (m > 0)
                jsonw_kint(w, "next_min", m);
        }
        jsonw_obj_end(w);
    }
    jsonw_obj_end(w);
}

/* An auction refusal with what the client needs to try again. */
static void bid_error(struct http_response *res, enum err e, const struct auction_bid_ack *a,
                      const char *owner)
{
    struct jsonw w;
    api_json_begin(res, &w, err_status(e));
    jsonw_obj_begin(&w);
    jsonw_key(&w, "error");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", err_code(e));
    jsonw_kstr(&w, "message", err_message(e));
    if (a->next_min > 0)
        jsonw_kint(&w, "next_min", a->next_min);
    if (a->received_ms > 0)
        jsonw_kint(&w, "received_ms", a->received_ms);
    if (a->end_ms > 0)
        jsonw_kint(&w, "end_ms", a->end_ms);
    jsonw_kint(&w, "now_ms", a->now_ms > 0 ? a->now_ms : clock_now_ms());
    if (owner != NULL) /* auction_not_here: the node that last ran it (a proxy can route) */
        jsonw_kstr(&w, "owner", owner);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    if (e == ERR_AUCTION_NOT_HERE || e == ERR_OVERLOADED)
        buf_puts(&res->headers, "Retry-After: 1\r\n");
}

/* ---- list, get, create, cancel ---- */

void api_auctions_list(struct http_request *req, struct http_response *res)
{
    int limit;
    int64_t cur = 0, unused = 0;
    struct store_auction *rows;
    int n = 0;
    bool more = false;
    struct store_tx *tx = NULL;
    struct jsonw w;
    if (!api_page_args(req, res, &limit, &cur, &unused))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_auction_list(tx, req->arena, cur, limit, &rows, &n, &more);
    store_rollback(tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "now_ms", clock_now_ms());
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        struct auction_terms t;
        struct auction_book *b = arena_calloc(req->arena, sizeof(*b));
        if (b == NULL)
            break;
        auction_from_row(&rows[i], &t, b);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", rows[i].id);
        jsonw_kstr(&w, "title", rows[i].title);
        jsonw_kstr(&w, "kind", rows[i].kind);
        jsonw_kstr(&w, "preset", rows[i].preset);
        jsonw_kstr(&w, "state", rows[i].state);
        jsonw_kint(&w, "start_price", rows[i].start_price);
        jsonw_kint(&w, "start_ms", auction_live_from(&t, b));
        if (t.kind == AUCTION_ENGLISH || t.kind == AUCTION_SEALED || t.kind == AUCTION_DUTCH)
            jsonw_kint(&w, "end_ms", auction_end_at(&t, b));
        jsonw_kint(&w, "nbids", rows[i].nbids);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, more, n > 0 ? rows[n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_auctions_get(struct http_request *req, struct http_response *res)
{
    struct auction_view v;
    struct jsonw w;
    enum err e = load_view(req, &v);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    struct store_auction_reg *me = caller_reg(req, v.row.id);
    api_json_begin(res, &w, 200);
    write_auction(req, &w, &v, me, is_owner(req, &v));
    api_json_end(res, &w);
}

void api_auctions_create(struct http_request *req, struct http_response *res)
{
    struct auction_input in = {0};
    const char *kind = NULL, *preset = NULL, *field = NULL;
    int64_t rounds = 0, id = 0;
    struct actor who = api_actor(req);
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    struct auction_terms *t = &in.terms;
    bool ok = api_field_str(req, res, body, "title", true, AUCTION_TITLE_MAX, &in.title) &&
              api_field_str(req, res, body, "kind", true, 16, &kind) &&
              api_field_str(req, res, body, "preset", false, 15, &preset) &&
              api_field_int(req, res, body, "start_price", true, &t->start_price) &&
              api_field_int(req, res, body, "increment", true, &t->increment) &&
              api_field_int(req, res, body, "reserve", false, &t->reserve) &&
              api_field_int(req, res, body, "max_price", false, &t->max_price) &&
              api_field_int(req, res, body, "deposit", false, &in.deposit) &&
              api_field_int(req, res, body, "start_ms", true, &t->start_ms) &&
              api_field_int(req, res, body, "end_ms", false, &t->end_ms) &&
              api_field_int(req, res, body, "window_ms", false, &t->window_ms) &&
              api_field_int(req, res, body, "step_ms", false, &t->step_ms) &&
              api_field_int(req, res, body, "pause_ms", false, &t->pause_ms) &&
              api_field_int(req, res, body, "first_pause_ms", false, &t->first_pause_ms) &&
              api_field_int(req, res, body, "rounds", false, &rounds);
    json_decref(body);
    if (!ok)
        return;
    if (auction_kind_parse(kind, &t->kind) != 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "kind",
                             "kind is english, dutch, sealed or reverse");
        return;
    }
    if (rounds < 0 || rounds > 10) {
        http_res_error_field(res, ERR_INVALID_FIELD, "rounds", NULL);
        return;
    }
    t->rounds = (int)rounds;
    if (preset != NULL)
        snprintf(t->preset, sizeof t->preset, "%s", preset);
    enum err e = auction_create(api_app(req)->store, &who, req->who->org_id, &in, &id, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    struct auction_view v;
    if (auction_load(api_app(req)->store, req->arena, id, true, &v) != ERR_OK) {
        api_error(res, ERR_INTERNAL, NULL);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 201);
    write_auction(req, &w, &v, NULL, true);
    api_json_end(res, &w);
}

void api_auctions_cancel(struct http_request *req, struct http_response *res)
{
    const char *reason = NULL;
    struct actor who = api_actor(req);
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "reason", true, 2000, &reason);
    json_decref(body);
    if (!ok)
        return;
    enum err e = auction_cancel(api_app(req)->store, &who, api_param_id(req), reason);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    api_auctions_get(req, res);
}

/* ---- registration ---- */

void api_auctions_register(struct http_request *req, struct http_response *res)
{
    const char *ref = NULL;
    int64_t reg = 0;
    struct actor who = api_actor(req);
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "deposit_ref", true, 128, &ref);
    json_decref(body);
    if (!ok)
        return;
    if (ref[0] == '\0') {
        http_res_error_field(res, ERR_INVALID_FIELD, "deposit_ref", NULL);
        return;
    }
    enum err e =
        auction_register(api_app(req)->store, &who, api_param_id(req), req->who->org_id, ref, &reg);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", reg);
    jsonw_kstr(&w, "state", "applied");
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_auctions_registrations(struct http_request *req, struct http_response *res)
{
    struct store_auction_reg *regs;
    int n = 0;
    struct store_tx *tx = NULL;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_auction_reg_list(tx, req->arena, api_param_id(req), AUCTION_MAX_BIDDERS * 4,
                                    &regs, &n);
    store_rollback(tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", regs[i].id);
        jsonw_kint(&w, "org_id", regs[i].org_id);
        jsonw_kstr(&w, "org_name", regs[i].org_name);
        jsonw_kstr(&w, "state", regs[i].state);
        jsonw_kstr(&w, "deposit_ref", regs[i].deposit_ref);
        jsonw_kstr(&w, "paddle", regs[i].paddle);
        jsonw_kint(&w, "applied_ms", regs[i].applied_ms);
        if (regs[i].decided_ms)
            jsonw_kint(&w, "decided_ms", regs[i].decided_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_auctions_decide(struct http_request *req, struct http_response *res)
{
    bool qualify = false;
    const char *paddle = NULL;
    struct actor who = api_actor(req);
    const char *rid_s = http_param(req, "rid");
    char *end = NULL;
    long long rid = rid_s ? strtoll(rid_s, &end, 10) : 0;
    if (rid <= 0 || end == NULL || *end != '\0') {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = json_object_get(body, "qualify") != NULL &&
              api_field_bool(req, res, body, "qualify", &qualify);
    if (json_object_get(body, "qualify") == NULL)
        http_res_error_field(res, ERR_MISSING_FIELD, "qualify", NULL);
    json_decref(body);
    if (!ok)
        return;
    enum err e = auction_decide(api_app(req)->store, &who, api_param_id(req), (int64_t)rid, qualify,
                                &paddle, req->arena);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    struct jsonw w;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", (int64_t)rid);
    jsonw_kstr(&w, "state", qualify ? "qualified" : "rejected");
    jsonw_kstr(&w, "paddle", paddle);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* ---- bids ---- */

/* No writer here: answer from the stored state. */
static enum err stored_refusal(struct http_request *req, int64_t id, struct auction_bid_ack *a,
                               const char **owner)
{
    struct auction_view v;
    enum err e = auction_load(api_app(req)->store, req->arena, id, true, &v);
    if (e != ERR_OK)
        return e;
    *owner = v.row.owner_node;
    a->now_ms = clock_now_ms();
    a->end_ms = auction_end_at(&v.terms, v.book);
    if (auction_state_closed(v.book->state))
        return ERR_AUCTION_ENDED;
    if (v.book->state == AUCTION_SCHEDULED && v.terms.kind != AUCTION_REVERSE &&
        a->now_ms < auction_live_from(&v.terms, v.book))
        return ERR_AUCTION_NOT_STARTED;
    return ERR_AUCTION_NOT_HERE;
}

/* The caller's qualified registration (the writer knows its bidders; the
 * store is asked otherwise), or NULL after answering the refusal. */
static struct store_auction_reg *qualified_reg(struct http_request *req, struct http_response *res,
                                               int64_t id, struct store_auction_reg *cached,
                                               char paddle[AUCTION_PADDLE_LEN + 2])
{
    struct store_auction_reg *reg = NULL;
    if (auction_engine_bidder(auction_engine_current(), id, req->who->org_id, &cached->id,
                              paddle)) {
        cached->state = "qualified";
        cached->paddle = paddle;
        reg = cached;
    } else {
        reg = caller_reg(req, id);
    }
    if (reg == NULL || strcmp(reg->state, "qualified") != 0) {
        struct auction_view v;
        enum err e = auction_load(api_app(req)->store, req->arena, id, false, &v);
        api_error(res, e != ERR_OK ? e : ERR_AUCTION_NOT_QUALIFIED, NULL);
        return NULL;
    }
    return reg;
}

/* Hands a bid (or envelope, or key release) to the writer: the ack, or the
 * refusal answered (ERR_OK only when accepted and durable). */
static enum err submit(struct http_request *req, struct http_response *res,
                       const struct auction_bid_req *in, struct auction_bid_ack *ack)
{
    const char *owner = NULL;
    enum err e = auction_engine_bid(auction_engine_current(), in, ack);
    if (e == ERR_AUCTION_NOT_HERE && ack->received_ms == 0)
        e = stored_refusal(req, in->auction_id, ack, &owner);
    if (e != ERR_OK)
        bid_error(res, e, ack, e == ERR_AUCTION_NOT_HERE ? owner : NULL);
    return e;
}

void api_auctions_bid(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req), amount = 0;
    const char *ref = NULL;
    struct auction_bid_ack ack = {0};
    if (id == 0) {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "amount", true, &amount) &&
              api_field_str(req, res, body, "ref", false, AUCTION_REF_MAX, &ref);
    json_decref(body);
    if (!ok)
        return;
    if (amount <= 0 || amount > AUCTION_PRICE_MAX) {
        http_res_error_field(res, ERR_INVALID_FIELD, "amount", "a positive amount in fen");
        return;
    }
    if (ref != NULL && ref[0] == '\0') {
        http_res_error_field(res, ERR_INVALID_FIELD, "ref", NULL);
        return;
    }
    struct store_auction_reg cached = {0};
    char paddle[AUCTION_PADDLE_LEN + 2];
    struct store_auction_reg *reg = qualified_reg(req, res, id, &cached, paddle);
    if (reg == NULL)
        return;
    struct auction_bid_req in = {.auction_id = id,
                                 .reg_id = reg->id,
                                 .org_id = req->who->org_id,
                                 .paddle = reg->paddle,
                                 .user_id = req->who->user_id,
                                 .actor = req->who->username,
                                 .amount = amount,
                                 .ref = ref,
                                 .remote_addr = req->remote_addr};
    if (submit(req, res, &in, &ack) != ERR_OK)
        return;
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "auction", id);
    jsonw_kint(&w, "seq", ack.seq);
    jsonw_kstr(&w, "bidder", reg->paddle);
    jsonw_kint(&w, "amount", ack.amount);
    if (ack.round > 0)
        jsonw_kint(&w, "round", ack.round);
    jsonw_kint(&w, "received_ms", ack.received_ms);
    jsonw_kint(&w, "now_ms", ack.now_ms);
    jsonw_kint(&w, "end_ms", ack.end_ms);
    if (ack.next_min > 0)
        jsonw_kint(&w, "next_min", ack.next_min);
    jsonw_kbool(&w, "extended", ack.extended);
    jsonw_kbool(&w, "closed", ack.closed);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* sealed: POST /api/auctions/:id/envelope, the raw envelope (.sbe). */
void api_auctions_envelope(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    struct auction_bid_ack ack = {0};
    struct store_auction_reg cached = {0};
    char paddle[AUCTION_PADDLE_LEN + 2], hash[BLOB_HASH_HEX + 1], mine[65];
    uint8_t sha[32];
    if (id == 0) {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    struct store_auction_reg *reg = qualified_reg(req, res, id, &cached, paddle);
    if (reg == NULL)
        return;
    enum err e = auction_envelope_check(api_app(req)->store, id, req->who->org_id, req->body,
                                        req->body_len, sha);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    /* stored before the writer records it: an acknowledged envelope is never
     * missing (a refused one leaves an unreferenced blob) */
    int rc = blob_put(api_app(req)->store, req->body, req->body_len, hash);
    hex_encode(sha, sizeof sha, mine);
    if (rc != STORE_OK || strcmp(hash, mine) != 0) {
        api_error(res, rc != STORE_OK ? domain_store_err(rc) : ERR_INTERNAL, NULL);
        return;
    }
    struct auction_bid_req in = {.auction_id = id,
                                 .reg_id = reg->id,
                                 .org_id = req->who->org_id,
                                 .paddle = reg->paddle,
                                 .user_id = req->who->user_id,
                                 .actor = req->who->username,
                                 .remote_addr = req->remote_addr,
                                 .envelope_sha256 = sha};
    if (submit(req, res, &in, &ack) != ERR_OK)
        return;
    struct jsonw w;
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "auction", id);
    jsonw_kint(&w, "seq", ack.seq);
    jsonw_kstr(&w, "bidder", reg->paddle);
    jsonw_kstr(&w, "envelope_sha256", mine); /* the receipt: in the witness log too */
    jsonw_kint(&w, "received_ms", ack.received_ms);
    jsonw_kint(&w, "now_ms", ack.now_ms);
    jsonw_kint(&w, "end_ms", ack.end_ms);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* sealed: GET /api/auctions/:id/envelope, the caller's own envelope as
 * stored (the page unwraps K from its head in the browser, as the opening
 * hall does; the bytes are the bidder's anyway). */
void api_auctions_my_envelope(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    struct auction_view v;
    struct buf env;
    char hex[65];
    struct store_auction_reg *me = id ? caller_reg(req, id) : NULL;
    enum err e = id ? auction_load(api_app(req)->store, req->arena, id, true, &v) : ERR_NOT_FOUND;
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    const struct auction_standing *st = NULL;
    for (int i = 0; me != NULL && v.terms.kind == AUCTION_SEALED && i < v.book->nstand; i++)
        if (v.book->stand[i].reg == me->id)
            st = &v.book->stand[i];
    if (st == NULL) {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    hex_encode(st->envelope, sizeof st->envelope, hex);
    buf_init(&env, AUCTION_ENVELOPE_MAX);
    int rc = blob_get(api_app(req)->store, hex, &env);
    if (rc != STORE_OK || buf_append(&res->body, env.data, env.len) != 0) {
        buf_reset(&res->body);
        api_error(res, rc == STORE_OK ? ERR_INTERNAL : domain_store_err(rc), NULL);
        buf_release(&env);
        return;
    }
    buf_release(&env);
    res->status = 200;
    res->content_type = "application/octet-stream";
    http_res_header(res, "Cache-Control", "no-store");
}

/* sealed: POST /api/auctions/:id/reveal {"key": K as 64 hex digits}. */
void api_auctions_reveal(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    const char *keyhex = NULL;
    uint8_t key[SUITE_KEY_LEN];
    struct auction_bid_ack ack = {0};
    struct store_auction_reg cached = {0};
    char paddle[AUCTION_PADDLE_LEN + 2];
    struct auction_view v;
    if (id == 0) {
        api_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "key", true, 2 * SUITE_KEY_LEN, &keyhex);
    json_decref(body);
    if (!ok)
        return;
    if (strlen(keyhex) != 2 * SUITE_KEY_LEN ||
        hex_decode(keyhex, strlen(keyhex), key, sizeof key) != SUITE_KEY_LEN) {
        http_res_error_field(res, ERR_INVALID_FIELD, "key", "the content key, 64 hex digits");
        return;
    }
    struct store_auction_reg *reg = qualified_reg(req, res, id, &cached, paddle);
    if (reg == NULL)
        return;
    enum err e = auction_load(api_app(req)->store, req->arena, id, true, &v);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    const struct auction_standing *st = NULL;
    for (int i = 0; v.terms.kind == AUCTION_SEALED && i < v.book->nstand; i++)
        if (v.book->stand[i].reg == reg->id)
            st = &v.book->stand[i];
    if (st == NULL || st->open != AUCTION_OPEN_PENDING) {
        api_error(res, ERR_AUCTION_NOTHING_TO_REVEAL, NULL);
        return;
    }
    struct auction_bid_req in = {.auction_id = id,
                                 .reg_id = reg->id,
                                 .org_id = req->who->org_id,
                                 .paddle = reg->paddle,
                                 .user_id = req->who->user_id,
                                 .actor = req->who->username,
                                 .remote_addr = req->remote_addr,
                                 .reveal = true,
                                 .key_hex = keyhex};
    e = auction_envelope_open(api_app(req)->store, st->envelope, key, &in.readable, &in.revealed);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    if (submit(req, res, &in, &ack) != ERR_OK)
        return;
    const char *why = auction_open_reason((enum auction_open)ack.open);
    struct jsonw w;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "auction", id);
    jsonw_kint(&w, "seq", ack.seq);
    jsonw_kstr(&w, "outcome", why ? why : "valid");
    if (in.readable)
        jsonw_kint(&w, "amount", in.revealed);
    jsonw_kint(&w, "received_ms", ack.received_ms);
    jsonw_kint(&w, "now_ms", ack.now_ms);
    jsonw_kbool(&w, "closed", ack.closed);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_auctions_bids(struct http_request *req, struct http_response *res)
{
    struct auction_view v;
    struct store_auction_bid *bids;
    int n = 0, limit;
    int64_t after = 0, unused = 0;
    bool more = false;
    struct store_tx *tx = NULL;
    struct jsonw w;
    if (!api_page_args(req, res, &limit, &after, &unused))
        return;
    enum err e = load_view(req, &v);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    bool hide = amounts_hidden(&v);
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_auction_bids(tx, req->arena, v.row.id, after, limit, &bids, &n, &more);
    store_rollback(tx);
    if (rc != STORE_OK) {
        api_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "now_ms", clock_now_ms());
    jsonw_kstr(&w, "state", auction_state_name(v.book->state));
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "seq", bids[i].seq);
        jsonw_kint(&w, "received_ms", bids[i].received_ms);
        if (!hide) {
            jsonw_kstr(&w, "bidder", bids[i].paddle);
            jsonw_kint(&w, "amount", bids[i].amount);
            if (v.terms.kind == AUCTION_REVERSE)
                jsonw_kint(&w, "round", bids[i].round);
        }
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, more, n > 0 ? bids[n - 1].seq : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_auctions_events(struct http_request *req, struct http_response *res)
{
    struct auction_view v;
    enum err e = load_view(req, &v);
    if (e != ERR_OK) {
        api_error(res, e, NULL);
        return;
    }
    res->sse_topic = arena_printf(req->arena, "auction.%lld", (long long)v.row.id);
}

void api_auctions_result(struct http_request *req, struct http_response *res)
{
    struct store_auction_result r;
    struct store_auction_reg wreg = {0};
    struct store_tx *tx = NULL;
    struct jsonw w;
    int64_t id = api_param_id(req);
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_auction_result_get(tx, req->arena, id, &r);
    if (rc == STORE_OK && r.winner_reg != 0)
        rc = store_auction_reg_get(tx, req->arena, r.winner_reg, &wreg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        api_error(res, rc == STORE_NOTFOUND ? ERR_NOT_FOUND : domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "auction", r.auction_id);
    jsonw_kstr(&w, "outcome", r.outcome);
    jsonw_kstr(&w, "reason", r.reason);
    if (r.winner_reg != 0) {
        jsonw_kstr(&w, "winner", wreg.paddle);
        jsonw_kstr(&w, "winner_name", wreg.org_name);
        jsonw_kint(&w, "price", r.price);
    }
    jsonw_kstr(&w, "body", r.body);
    jsonw_kstr(&w, "signature", r.signature);
    jsonw_kstr(&w, "alg", "ed25519");
    jsonw_kstr(&w, "key_id", r.key_id);
    jsonw_kstr(&w, "public_key", r.public_pem);
    jsonw_kint(&w, "created_ms", r.created_ms);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
