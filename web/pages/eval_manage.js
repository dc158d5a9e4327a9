// pages/eval_manage.js — the evaluation's logistics (评标组织) of one tender,
// at /evaluation/manage?tender=ID: the draw of the experts, the committee
// and the steps around the evaluation room (docs/draw.md, docs/experts.md,
// docs/evaluation.md). One page, a panel by who looks:
//
//   agent        asks for a draw (counts per specialty and region, reserves,
//                the planned tenderer's representatives, the evaluation's
//                dates; the recusal rules and the 30-day limit are the
//                platform's and shown as such), runs it once the witness
//                log has a signed checkpoint over the commitment (the server
//                says draw_not_ready with Retry-After before; the page
//                retries by itself), follows the invitations' answers (the
//                counts refresh every few seconds while any is pending; a
//                decline calls the next reserve on the server), adds the
//                representatives, forms the committee, designates a chair
//                when the members have not elected one, starts the
//                evaluation, then publishes the candidates, answers
//                objections and awards. The list of drawn experts is secret
//                until the evaluation ends: the agent sees what the API
//                gives it (states, counts, the commitment), never names.
//   supervisor   the read-only watch of ./eval_watch.js.
//   expert       its invitation for this tender (confirm or decline with a
//                reason) and, once the committee is formed, its vote for
//                the chair.
//
// Lots (docs/evaluation.md, "Lots and rounds"): the draw and the committee
// are the tender's; the evaluation card is one lot's (`&lot=N` in the URL,
// tabs with each lot's name and phase from ./lots.js when there are
// several): the agent starts each lot with its template, ends a lot as
// failed with a reason (该标段流标, POST .../evaluation/fail?lot=N), and
// runs its publicity, objections and award. Every evaluation call carries
// ?lot=N.
//
// The server decides what each caller sees; this page offers the steps
// that fit the state and shows the refusals with their codes.

import { api } from '../api.js';
import { h, replace, loading, table, field } from '../dom.js';
import { t, formatTime, errorText } from '../i18n.js';
import { messageSlot, kvList, timeEl, busy, tenderHref, fetchTender, stateTag, msToInput, inputToMs, formatFen } from './tender_common.js';
import * as watch from './eval_watch.js';
import { lotParam, withLot, pageHref, lotTabs, tabPanel, roundsBox, lotsFromTender, lotsElsewhere, lotName } from './lots.js';

const POLL_MS = 4000;
const AFTER_EVALUATION = ['publicity', 'awarded', 'contracted', 'archived', 'failed', 'cancelled'];

// An objection's answer for display: the system's answer to an objection of
// an ended round, "superseded: re-evaluation round N started"
// (docs/evaluation.md "Objections and rounds"), localized; others as given.
function objectionAnswer(o) {
  const m = /^superseded: re-evaluation round (\d+) started$/.exec(o.answer || '');
  return m ? t('lot.objection_superseded', { n: m[1] }) : o.answer || '';
}

function evaluationHref(id, lot) {
  return pageHref('/evaluation?tender=' + encodeURIComponent(id), lot);
}

export function manageHref(id, lot) {
  return pageHref('/evaluation/manage?tender=' + encodeURIComponent(id), lot);
}

function roles(ctx) {
  return (ctx.user && ctx.user.roles) || [];
}

// ---- pieces shared with the watch page --------------------------------------------

export function drawStateTag(d) {
  const kind = d.state === 'drawn' ? 'tag-ok' : d.state === 'cancelled' ? 'tag-danger' : d.state === 'revealed' ? 'tag-kind' : '';
  return h('span', { class: ['tag', kind], dataset: { state: d.state } }, t('em.dstate.' + d.state));
}

export function requestsTable(d, specs) {
  return table(
    [
      { key: 'group', label: t('em.group') },
      { label: t('em.specialty'), render: (q) => specName(specs, q.specialty) },
      { label: t('em.region'), render: (q) => q.region || t('em.any_region') },
      { key: 'count', label: t('em.count') },
      { key: 'reserves', label: t('em.reserves') },
    ],
    d.requests || [],
    t('em.requests'),
  );
}

export function countsList(d) {
  const c = d.counts || {};
  return h(
    'ul',
    { class: 'chips em-counts', dataset: { testid: 'draw-counts' } },
    ['notified', 'pending', 'confirmed', 'declined', 'skipped'].map((k) => h('li', { class: 'chip', dataset: { count: k } }, t('em.count.' + k) + '\u00a0', h('strong', null, String(c[k] || 0)))),
    d.short ? h('li', { class: 'chip', dataset: { count: 'short' } }, t('em.short') + '\u00a0', h('strong', null, String(d.short))) : null,
  );
}

export function commitmentList(d) {
  return kvList([
    [t('em.commitment'), h('code', { class: 'mono wrap-any code-sm' }, d.commitment || t('app.none')), 'draw-commitment'],
    [t('em.commit_leaf'), d.commit_leaf === null || d.commit_leaf === undefined ? t('em.not_logged') : '#' + d.commit_leaf],
    [t('em.checkpoint_size'), d.checkpoint_size ? String(d.checkpoint_size) : t('em.no_checkpoint')],
    d.snapshot_sha256 ? [t('em.snapshot'), h('code', { class: 'mono wrap-any code-sm' }, d.snapshot_sha256)] : null,
    [t('em.eval_dates'), h('span', null, timeEl(d.eval_start_ms), ' – ', timeEl(d.eval_end_ms))],
    [t('em.requested'), timeEl(d.requested_ms)],
    d.drawn_ms ? [t('em.drawn'), timeEl(d.drawn_ms)] : null,
    d.revealed_ms ? [t('em.revealed'), timeEl(d.revealed_ms)] : null,
    d.cancelled_ms ? [t('em.cancelled'), h('span', null, timeEl(d.cancelled_ms), ' ', d.cancel_reason || '')] : null,
  ]);
}

export function specName(specs, code) {
  const s = (specs || []).find((x) => x.code === code);
  if (!s) return code;
  const name = document.documentElement.lang === 'en' && s.name_en ? s.name_en : s.name;
  return `${code} ${name}`;
}

export function membersTable(members, specs, extra) {
  return table(
    [
      { label: t('em.group'), render: (m) => String(m.group) },
      { label: t('em.position'), render: (m) => String(m.position + 1) },
      { label: t('em.expert'), render: (m) => `${m.expert_name || ''} (${m.expert_code || '#' + m.expert_id})` },
      { label: t('em.role'), render: (m) => t('em.mrole.' + m.role) + (m.replaces ? ' ' + t('em.replaces', { id: m.replaces }) : '') },
      { label: t('em.status'), render: (m) => h('span', { class: ['tag', m.status === 'confirmed' ? 'tag-ok' : m.status === 'declined' || m.status === 'released' || m.status === 'skipped' ? 'tag-danger' : ''], dataset: { status: m.status } }, t('em.mstatus.' + m.status)) },
      { label: t('em.reason'), render: (m) => (m.reason ? (t('em.why.' + m.reason) !== 'em.why.' + m.reason ? t('em.why.' + m.reason) : m.reason) : '') },
      { label: t('em.answered'), render: (m) => (m.answered_ms ? formatTime(m.answered_ms) : m.notified_ms ? t('em.waiting') : '') },
      ...(extra || []),
    ],
    members,
    t('em.members'),
  );
}

// The committee's rules (招标投标法 art. 37) on the numbers given.
export function committeeRules(size, experts, min) {
  const rule = (ok, text, id) => h('li', { class: ok ? 'check-ok' : 'check-no', dataset: { rule: id } }, h('span', { class: 'check-mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'), ' ', text);
  return h(
    'ul',
    { class: 'pub-checks plain-list', id: 'committee-rules' },
    rule(size >= min, t('em.rule_min', { n: size, min }), 'min'),
    rule(size % 2 === 1, t('em.rule_odd', { n: size }), 'odd'),
    rule(size > 0 && experts * 3 >= size * 2, t('em.rule_share', { e: experts, n: size }), 'share'),
  );
}

// An input in a styled field with its label (ids for the label's for=).
let boxN = 0;
function boxed(input, text) {
  boxN += 1;
  input.id = input.id || 'em-box-' + boxN;
  return h('div', { class: 'field' }, h('label', { for: input.id }, text), input);
}

// ---- the agent: the draw request -----------------------------------------------

function groupRow(specs, onRemove) {
  const spec = h(
    'select',
    { 'aria-label': t('em.specialty'), class: 'em-spec' },
    specs.map((s) => h('option', { value: s.code }, specName(specs, s.code))),
  );
  const region = h('input', { type: 'text', inputmode: 'numeric', maxlength: 6, placeholder: '350100', 'aria-label': t('em.region'), class: 'em-region' });
  const count = h('input', { type: 'number', min: 1, max: 49, value: 5, 'aria-label': t('em.count'), class: 'em-count' });
  const reserves = h('input', { type: 'number', min: 0, max: 50, value: 2, 'aria-label': t('em.reserves'), class: 'em-reserves' });
  const remove = h('button', { type: 'button', class: 'btn btn-small btn-secondary' }, t('em.remove_group'));
  const el = h('li', { class: 'em-group form-grid' }, h('div', { class: 'field' }, h('label', null, t('em.specialty')), spec), h('div', { class: 'field' }, h('label', null, t('em.region')), region), h('div', { class: 'field' }, h('label', null, t('em.count')), count), h('div', { class: 'field' }, h('label', null, t('em.reserves')), reserves), remove);
  remove.addEventListener('click', () => onRemove(el));
  return {
    el,
    value: () => {
      const g = { specialty: spec.value, count: Number(count.value), reserves: Number(reserves.value || 0) };
      if (region.value.trim()) g.region = region.value.trim();
      return g;
    },
  };
}

function drawForm(id, tender, specs, settings, reload, folded) {
  const msg = messageSlot();
  const groups = [];
  const list = h('ol', { class: 'plain-list em-groups', id: 'draw-groups' });
  const add = () => {
    const g = groupRow(specs, (el) => {
      const i = groups.findIndex((x) => x.el === el);
      if (i >= 0 && groups.length > 1) {
        groups.splice(i, 1);
        el.remove();
      }
    });
    groups.push(g);
    list.appendChild(g.el);
  };
  add();
  const base = tender.bid_deadline_ms || Date.now();
  const start = field({ name: 'eval_start_ms', label: t('em.eval_start'), type: 'datetime-local', required: true });
  const end = field({ name: 'eval_end_ms', label: t('em.eval_end'), type: 'datetime-local', required: true });
  start.input.value = msToInput(base + 3600 * 1000);
  end.input.value = msToInput(base + 2 * 86400 * 1000);
  const reps = field({ name: 'reps', label: t('em.reps_planned'), type: 'number', hint: t('em.reps_hint') });
  reps.input.value = '0';
  reps.input.min = '0';
  const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'draw-add-group' }, t('em.add_group'));
  addBtn.addEventListener('click', add);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'draw-submit' }, t('em.request_draw'));
  const form = h(
    'form',
    {
      class: 'tender-form',
      id: 'draw-form',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        msg.clear();
        const body = {
          eval_start_ms: inputToMs(start.input.value),
          eval_end_ms: inputToMs(end.input.value),
          reps: Number(reps.input.value || 0),
          requests: groups.map((g) => g.value()),
        };
        await busy(submit, async () => {
          try {
            await api('POST', `/api/tenders/${id}/draws`, body);
            reload(t('em.requested_ok'));
          } catch (e) {
            msg.error(e);
          }
        });
      },
    },
    list,
    addBtn,
    h('div', { class: 'form-grid' }, start.el, end.el, reps.el),
    h(
      'details',
      { class: 'form-advanced', id: 'draw-recusal' },
      h('summary', null, t('em.recusal')),
      h('p', { class: 'muted small' }, t('em.recusal_intro')),
      h(
        'ul',
        { class: 'plain-list small' },
        ['employee', 'relation', 'unavailable', 'limit_30d', 'already_drawn', 'suspended'].map((r) => h('li', null, h('strong', null, t('em.why.' + r)), ' — ', t('em.rule.' + r, { n: settings.max_draws_30d }))),
      ),
      kvList([
        [t('em.max_draws_30d'), String(settings.max_draws_30d ?? t('app.none'))],
        [t('em.committee_min'), String(settings.committee_min ?? t('app.none'))],
      ]),
    ),
    h('div', { class: 'form-actions' }, submit),
    msg.el,
  );
  // once a draw stands, another is a supplementary draw (补抽): folded away
  if (folded) return h('section', { class: 'card', id: 'draw-request' }, h('details', null, h('summary', null, t('em.request_more')), h('p', { class: 'muted small' }, t('em.request_intro')), form));
  return h('section', { class: 'card', id: 'draw-request', 'aria-labelledby': 'em-req-h' }, h('h2', { id: 'em-req-h' }, t('em.request_title')), h('p', { class: 'muted small' }, t('em.request_intro')), form);
}

// One draw as the agent sees it, with the steps its state allows.
function drawCard(ctx, d, tender, specs, reload, tries, formed) {
  const msg = messageSlot();
  const parts = [h('h3', null, t('em.draw_n', { id: d.id }), ' ', drawStateTag(d)), commitmentList(d), requestsTable(d, specs)];
  if (d.state !== 'committed') parts.push(countsList(d));
  if (d.members) parts.push(membersTable(d.members, specs));
  else if (d.state === 'drawn') parts.push(h('p', { class: 'alert alert-info', dataset: { testid: 'draw-secret' } }, t('em.list_secret')));
  const actions = h('div', { class: 'form-actions' });
  if (d.state === 'committed') {
    const run = h('button', { type: 'button', class: 'btn btn-primary', dataset: { action: 'run' } }, t('em.run'));
    run.addEventListener('click', () =>
      busy(run, async () => {
        try {
          await api('POST', `/api/draws/${d.id}/run`, {});
          reload(t('em.run_ok'));
        } catch (e) {
          // the checkpoint over the commitment is a second or so away: retry
          if (e.code === 'draw_not_ready' && tries.n < 30 && ctx.alive()) {
            tries.n += 1;
            msg.ok(t('em.waiting_checkpoint'));
            setTimeout(() => ctx.alive() && run.click(), Math.min(5, Math.max(1, e.retryAfter || 1)) * 1000);
            return;
          }
          msg.error(e);
        }
      }),
    );
    actions.append(run);
  }
  if (d.state === 'drawn' && AFTER_EVALUATION.includes(tender.state)) {
    const rv = h('button', { type: 'button', class: 'btn', dataset: { action: 'reveal' } }, t('em.reveal'));
    rv.addEventListener('click', () =>
      busy(rv, async () => {
        try {
          await api('POST', `/api/draws/${d.id}/reveal`, {});
          reload(t('em.reveal_ok'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    actions.append(rv);
  }
  if (d.state === 'committed' || (d.state === 'drawn' && !formed && !AFTER_EVALUATION.includes(tender.state))) {
    const reason = h('input', { type: 'text', maxlength: 400, 'aria-label': t('em.cancel_reason'), placeholder: t('em.cancel_reason') });
    const cancel = h('button', { type: 'button', class: 'btn btn-danger btn-small', dataset: { action: 'cancel' } }, t('em.cancel'));
    cancel.addEventListener('click', () =>
      busy(cancel, async () => {
        try {
          await api('POST', `/api/draws/${d.id}/cancel`, { reason: reason.value.trim() });
          reload(t('em.cancel_ok'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    actions.append(h('details', { class: 'danger-zone' }, h('summary', null, t('em.cancel')), boxed(reason, t('em.cancel_reason')), cancel));
  }
  parts.push(actions, msg.el);
  return h('article', { class: 'card em-draw', dataset: { draw: String(d.id), state: d.state } }, ...parts);
}

// ---- the agent: the committee ---------------------------------------------------

function committeeCard(id, cm, draws, settings, reload) {
  const msg = messageSlot();
  const parts = [h('h2', { id: 'em-cm-h' }, t('em.committee'))];
  const live = draws.filter((d) => d.state === 'drawn' || d.state === 'revealed');
  const confirmed = live.reduce((n, d) => n + ((d.counts && d.counts.confirmed) || 0), 0);
  const pending = live.reduce((n, d) => n + ((d.counts && d.counts.pending) || 0), 0);
  const reps = (cm.members || []).filter((m) => m.tenderer_rep);
  // before the committee is formed the rules are checked on the plan: the
  // experts asked for less the shortfalls, plus the representatives
  const planned = live.reduce((n, d) => n + (d.requests || []).reduce((k, q) => k + q.count, 0) - (d.short || 0), 0);
  const plannedReps = Math.max(reps.length, ...live.map((d) => d.reps || 0));
  const size = cm.formed ? cm.size : planned + plannedReps;
  const experts = cm.formed ? cm.experts : planned;
  parts.push(
    kvList([
      [t('em.cm_state'), cm.formed ? h('span', { class: 'tag tag-ok' }, t('em.formed')) : h('span', { class: 'tag' }, t('em.not_formed')), 'committee-state'],
      cm.formed ? null : [t('em.count.confirmed'), `${confirmed} / ${planned}`],
      [t('em.cm_size'), String(size)],
      [t('em.cm_experts'), String(experts)],
      [t('em.cm_reps'), String(cm.formed ? cm.reps : plannedReps)],
      cm.formed ? [t('em.chair'), cm.chair_kind ? t('em.chair_kind.' + cm.chair_kind) + ' · ' + t('em.chair_how.' + (cm.chair_how || 'elected')) : t('em.no_chair'), 'committee-chair'] : null,
    ]),
    committeeRules(size, experts, settings.committee_min || 5),
  );
  if (reps.length)
    parts.push(
      table(
        [
          { key: 'name', label: t('em.rep_name') },
          { key: 'title', label: t('em.rep_title') },
          { label: t('em.rep_mark'), render: () => h('span', { class: 'tag tag-kind' }, t('em.tenderer_rep')) },
          { label: t('em.chair'), render: (m) => (m.chair ? t('em.is_chair') : '') },
        ],
        reps,
        t('em.cm_reps'),
      ),
    );
  if (!cm.formed) {
    const nameF = field({ name: 'rep_name', label: t('em.rep_name'), maxlength: 64 });
    const userF = field({ name: 'rep_user', label: t('em.rep_user'), maxlength: 64, autocomplete: 'off' });
    const titleF = field({ name: 'rep_title', label: t('em.rep_title'), maxlength: 64 });
    const name = nameF.input;
    const user = userF.input;
    const title = titleF.input;
    const addRep = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'rep-add' }, t('em.add_rep'));
    addRep.addEventListener('click', () =>
      busy(addRep, async () => {
        const body = { name: name.value.trim() };
        if (user.value.trim()) body.username = user.value.trim();
        if (title.value.trim()) body.title = title.value.trim();
        try {
          await api('POST', `/api/tenders/${id}/committee/reps`, body);
          reload(t('em.rep_added'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    const form = h('button', { type: 'button', class: 'btn btn-primary', id: 'committee-form', disabled: live.length === 0 || pending > 0 }, t('em.form'));
    form.addEventListener('click', () =>
      busy(form, async () => {
        try {
          await api('POST', `/api/tenders/${id}/committee/form`, {});
          reload(t('em.formed_ok'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    parts.push(
      h('h3', null, t('em.reps_title')),
      h('p', { class: 'muted small' }, t('em.reps_intro')),
      h('div', { class: 'form-grid' }, nameF.el, userF.el, titleF.el),
      h('div', { class: 'form-actions' }, addRep),
      h('p', { class: 'muted small' }, pending > 0 ? t('em.form_wait', { n: pending }) : t('em.form_intro')),
      h('div', { class: 'form-actions' }, form),
    );
  } else if (!cm.chair_kind) {
    parts.push(h('p', { class: 'muted small', id: 'chair-note' }, t('em.chair_intro')));
    if (reps.length) {
      const sel = h('select', { id: 'chair-pick', 'aria-label': t('em.designate') }, reps.map((m) => h('option', { value: String(m.id) }, m.name)));
      const btn = h('button', { type: 'button', class: 'btn' }, t('em.designate'));
      btn.addEventListener('click', () =>
        busy(btn, async () => {
          try {
            await api('POST', `/api/tenders/${id}/committee/designate`, { member_id: Number(sel.value) });
            reload(t('em.chair_ok'));
          } catch (e) {
            msg.error(e);
          }
        }),
      );
      parts.push(h('div', { class: 'field-inline' }, sel, btn));
    }
  }
  parts.push(msg.el);
  return h('section', { class: 'card', id: 'committee', 'aria-labelledby': 'em-cm-h' }, ...parts);
}

// ---- the agent: the evaluation and what follows ------------------------------------

function evaluationCard(ctx, id, lot, lots, cm, view, viewErr, reload) {
  const msg = messageSlot();
  const head = [h('h2', { id: 'em-ev-h' }, t('em.evaluation')), lotTabs(ctx, lots, lot, 'em-ev-panel')];
  const panel = tabPanel(h('div', { id: 'em-ev-panel' }), lots, lot);
  const parts = lots.length > 1 ? [h('h3', { id: 'em-lot', dataset: { lot: String(lot) } }, lotName(lots, lot))] : [];
  const post = (btn, path, body, ok) =>
    busy(btn, async () => {
      try {
        await api('POST', withLot(`/api/tenders/${id}/evaluation/${path}`, lot), body);
        reload(ok);
      } catch (e) {
        msg.error(e);
      }
    });
  if (!view) {
    if (viewErr && viewErr.code !== 'eval_wrong_phase') {
      msg.error(viewErr);
    } else {
      const ready = cm.formed && cm.chair_kind;
      const select = h('select', { id: 'em-template', 'aria-label': t('em.template') });
      api('GET', '/api/evaluation-templates')
        .then((r) => ctx.alive() && replace(select, (r.items || []).map((x) => h('option', { value: x.name }, x.name))))
        .catch((e) => msg.error(e));
      const start = h('button', { type: 'button', class: 'btn btn-primary', id: 'em-start', disabled: !ready }, t('em.start'));
      start.addEventListener('click', () => post(start, 'start', { template: select.value }, t('em.started')));
      parts.push(h('p', { class: 'muted small' }, ready ? t('em.start_intro') : t('em.start_wait')), h('div', { class: 'field-inline' }, h('label', { for: 'em-template' }, t('em.template')), select, start));
    }
  } else {
    parts.push(
      kvList([
        [t('em.phase'), h('strong', { dataset: { phase: view.phase } }, t('eval.phase.' + view.phase)), 'eval-phase'],
        view.round > 1 ? [t('lot.round'), t('lot.round_n', { n: view.round }), 'eval-round'] : null,
        view.phase === 'failed' ? [t('lot.fail_reason'), view.failed_reason || view.fail_reason || '', 'eval-fail-reason'] : null,
        [t('eval.method'), t('eval.method.' + view.method)],
        [t('eval.members'), String(view.members)],
        [t('eval.bids'), String(view.bids)],
        view.sheets ? [t('em.sheets'), t('em.sheets_v', { q: view.sheets.qualification, s: view.sheets.scoring, n: view.members })] : null,
        view.report_sha256 ? [t('eval.report_sha'), h('code', { class: 'mono wrap-any code-sm' }, view.report_sha256)] : null,
        view.report_sha256 ? [t('eval.signed_count'), `${(view.signatures || []).length} / ${view.members}`] : null,
        view.publicity ? [t('em.publicity'), h('span', null, timeEl(view.publicity.start_ms), ' – ', timeEl(view.publicity.end_ms))] : null,
        view.award ? [t('em.award'), view.award.bidder || ''] : null,
      ]),
    );
    if (view.result && view.result.candidates && ['signing', 'signed', 'publicity', 'awarded', 'contracted'].includes(view.phase))
      parts.push(
        table(
          [
            { key: 'rank', label: t('eval.rank') },
            { key: 'bidder', label: t('eval.bidder') },
            { label: t('eval.price'), render: (c) => formatFen(c.price_fen) },
          ],
          view.result.candidates,
          t('eval.candidates'),
        ),
      );
    if (view.phase === 'signed') {
      const days = h('input', { type: 'number', min: 3, max: 30, value: 3, id: 'em-days' });
      const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'em-publish' }, t('eval.publish'));
      btn.addEventListener('click', () => post(btn, 'publish', { days: Number(days.value) }, t('em.published')));
      parts.push(h('div', { class: 'field-inline' }, h('label', { for: 'em-days' }, t('eval.publicity_days')), days, btn));
    }
    if (view.phase === 'publicity') {
      const obs = view.objections || [];
      if (obs.length)
        parts.push(
          h('h3', null, t('em.objections')),
          h(
            'ul',
            { class: 'qa-list', id: 'em-objections' },
            obs.map((o) => {
              const item = [h('p', { class: 'qa-meta' }, '#' + o.id, ' · ', view.round > 1 ? [t('lot.round_n', { n: o.round }), ' · '] : null, formatTime(o.raised_ms), ' · ', t('em.due'), ' ', formatTime(o.due_ms)), h('p', { class: 'qa-body' }, o.body || '')];
              if (o.answered_ms) item.push(h('p', { class: 'qa-answer' }, t('em.answered_with'), ' ', objectionAnswer(o)));
              else {
                const ans = h('input', { type: 'text', maxlength: 2000, 'aria-label': t('eval.answer') });
                const b = h('button', { type: 'button', class: 'btn btn-small' }, t('eval.answer'));
                b.addEventListener('click', () => post(b, `objections/${o.id}/answer`, { answer: ans.value.trim() }, t('em.answered_ok')));
                item.push(boxed(ans, t('eval.answer')), b);
              }
              return h('li', { class: 'qa-item', dataset: { objection: String(o.id) } }, item);
            }),
          ),
        );
      const award = h('button', { type: 'button', class: 'btn btn-primary', id: 'em-award' }, t('eval.award'));
      award.addEventListener('click', () => post(award, 'award', {}, t('em.awarded')));
      parts.push(h('p', { class: 'muted small' }, t('em.award_intro')), h('div', { class: 'form-actions' }, award));
    }
    const rounds = roundsBox(view, 'em-rounds', true);
    if (rounds) parts.push(rounds);
    parts.push(h('p', null, h('a', { href: evaluationHref(id, lot), 'data-link': true, class: 'btn btn-secondary', id: 'em-room' }, t('em.to_room'))));
  }
  // the way out of a lot (该标段流标): from any phase before the contract
  const open = view ? !['failed', 'contracted'].includes(view.phase) : !viewErr || viewErr.code === 'eval_wrong_phase';
  if (open) {
    const reason = h('input', { type: 'text', id: 'em-fail-reason', maxlength: 2000, 'aria-label': t('lot.fail_reason'), placeholder: t('em.fail_placeholder') });
    const fail = h('button', { type: 'button', class: 'btn btn-danger btn-small', id: 'em-fail' }, t('em.fail'));
    fail.addEventListener('click', () => post(fail, 'fail', { reason: reason.value.trim() }, t('em.failed_ok')));
    parts.push(h('details', { class: 'danger-zone', id: 'em-fail-zone' }, h('summary', null, t('em.fail')), h('p', { class: 'muted small' }, t('em.fail_intro')), boxed(reason, t('lot.fail_reason')), fail));
  }
  parts.push(msg.el);
  replace(panel, ...parts);
  return h('section', { class: 'card', id: 'em-evaluation', 'aria-labelledby': 'em-ev-h' }, ...head, panel);
}

// ---- the expert: its invitation and its vote ------------------------------------

async function expertPanel(ctx, id, body, status, reload) {
  const msg = messageSlot();
  const [inv, cm] = await Promise.all([api('GET', '/api/experts/me/invitations').catch(() => ({ items: [] })), api('GET', `/api/tenders/${id}/committee`).catch(() => null)]);
  if (!ctx.alive()) return;
  const mine = (inv.items || []).filter((x) => x.tender_id === id);
  const parts = [];
  parts.push(
    h(
      'section',
      { class: 'card', id: 'em-invitations' },
      h('h2', null, t('em.invitations')),
      mine.length === 0
        ? h('p', { class: 'muted' }, t('em.no_invitation'))
        : h(
            'ul',
            { class: 'plain-list' },
            mine.map((x) => {
              const li = h('li', { dataset: { invitation: String(x.id), status: x.status } }, h('p', null, h('strong', null, t('em.mstatus.' + x.status)), ' · ', t('em.eval_dates'), ' ', formatTime(x.eval_start_ms), ' – ', formatTime(x.eval_end_ms)));
              if (x.status === 'notified') {
                const reason = h('input', { type: 'text', maxlength: 400, 'aria-label': t('em.reason'), placeholder: t('em.decline_reason') });
                const yes = h('button', { type: 'button', class: 'btn btn-primary btn-small', dataset: { action: 'confirm' } }, t('em.confirm'));
                const no = h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'decline' } }, t('em.decline'));
                const answer = (btn, what) =>
                  busy(btn, async () => {
                    try {
                      await api('POST', `/api/invitations/${x.id}/${what}`, reason.value.trim() ? { reason: reason.value.trim() } : {});
                      reload(t('em.answer_ok'));
                    } catch (e) {
                      msg.error(e);
                    }
                  });
                yes.addEventListener('click', () => answer(yes, 'confirm'));
                no.addEventListener('click', () => answer(no, 'decline'));
                li.append(boxed(reason, t('em.decline_reason')), h('div', { class: 'form-actions' }, yes, no));
              }
              return li;
            }),
          ),
    ),
  );
  if (cm && cm.formed && typeof cm.you === 'number') {
    const sel = h('select', { id: 'vote-pick', 'aria-label': t('em.vote') }, (cm.members || []).map((m) => h('option', { value: String(m.id) }, `${m.name}${m.tenderer_rep ? ' (' + t('em.tenderer_rep') + ')' : ''}`)));
    const btn = h('button', { type: 'button', class: 'btn', id: 'vote-submit' }, t('em.vote'));
    btn.addEventListener('click', () =>
      busy(btn, async () => {
        try {
          await api('POST', `/api/tenders/${id}/committee/vote`, { member_id: Number(sel.value) });
          reload(t('em.voted'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    const chair = (cm.members || []).find((m) => m.chair);
    parts.push(
      h(
        'section',
        { class: 'card', id: 'em-vote' },
        h('h2', null, t('em.committee')),
        kvList([
          [t('em.cm_size'), String(cm.size)],
          [t('em.chair'), chair ? chair.name : t('em.no_chair'), 'committee-chair'],
        ]),
        chair ? null : h('div', { class: 'field-inline' }, sel, btn),
        h('p', null, h('a', { href: evaluationHref(id, lotParam(ctx)), 'data-link': true }, t('em.to_room'))),
      ),
    );
  }
  parts.push(msg.el);
  replace(body, ...parts);
  body.removeAttribute('aria-busy');
}

// ---- the page ------------------------------------------------------------------

export function render(ctx) {
  const idStr = ctx.params.get('tender') || '';
  const root = h('section', { class: 'page page-eval-manage', dataset: { page: 'eval-manage' }, 'aria-labelledby': 'em-h' });
  const head = h('div', { class: 'page-head' }, h('h1', { id: 'em-h' }, t('em.title')));
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, head, h('p', { class: 'alert alert-error' }, t('eval.no_tender')));
    return root;
  }
  const id = Number(idStr);
  const lot = lotParam(ctx);
  const r = roles(ctx);
  if (r.includes('supervisor') && !r.includes('agent')) return watch.render(ctx, id);
  const sub = h('p', { class: 'heading-note', id: 'em-tender' });
  const status = h('p', { class: 'status-line', id: 'em-status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { 'aria-busy': 'true' }, loading());
  replace(root, head, sub, h('p', null, h('a', { href: tenderHref(id), 'data-link': true }, t('eval.to_tender')), ' · ', h('a', { href: evaluationHref(id, lot), 'data-link': true }, t('em.to_room'))), status, body);
  let timer = null;
  const tries = { n: 0 };
  // Reloads unless the user is typing (then asks again later).
  function poll() {
    if (!ctx.alive()) return;
    if (document.activeElement && document.activeElement.matches('input, select, textarea, [role="tab"]')) timer = setTimeout(poll, POLL_MS);
    else load();
  }

  async function load(done) {
    if (timer) clearTimeout(timer);
    timer = null;
    if (typeof done === 'string') status.textContent = done;
    let d;
    try {
      d = await fetchTender(id);
    } catch (e) {
      if (!ctx.alive()) return;
      const m = messageSlot();
      m.error(e);
      replace(body, m.el);
      body.removeAttribute('aria-busy');
      return;
    }
    if (!ctx.alive()) return;
    const tender = d.tender;
    replace(sub, tender.code || '', ' ', tender.title || '', ' ', stateTag(tender));
    if (!r.includes('agent')) {
      if (r.includes('expert')) return expertPanel(ctx, id, body, status, load);
      replace(body, h('p', { class: 'alert alert-error' }, t('err.forbidden')));
      body.removeAttribute('aria-busy');
      return;
    }
    if (!(d.you && d.you.owner)) {
      replace(body, h('p', { class: 'alert alert-error' }, t('err.not_owner')));
      body.removeAttribute('aria-busy');
      return;
    }
    const [drawsR, specsR, settings, cm, ev] = await Promise.all([
      api('GET', `/api/tenders/${id}/draws`).catch((e) => ({ error: e })),
      api('GET', '/api/expert-specialties').catch(() => ({ items: [] })),
      api('GET', '/api/expert-settings').catch(() => ({})),
      api('GET', `/api/tenders/${id}/committee`).catch(() => ({ formed: false, members: [] })),
      api('GET', withLot(`/api/tenders/${id}/evaluation`, lot)).then(
        (v) => ({ v }),
        (e) => ({ e }),
      ),
    ]);
    if (!ctx.alive()) return;
    const draws = drawsR.items || [];
    const specs = specsR.items || [];
    const parts = [];
    const anyLive = draws.some((x) => x.state === 'committed' || x.state === 'drawn');
    if (!cm.formed && ['published', 'bidding', 'opening', 'evaluation'].includes(tender.state) && !draws.some((x) => x.state === 'committed'))
      parts.push(drawForm(id, tender, specs, settings, load, draws.some((x) => x.state === 'drawn')));
    parts.push(
      h(
        'section',
        { class: 'card', id: 'draws', 'aria-labelledby': 'em-draws-h' },
        h('h2', { id: 'em-draws-h' }, t('em.draws')),
        h('p', { class: 'muted small' }, t('em.draws_intro')),
        drawsR.error ? h('p', { class: 'alert alert-error' }, errorText(drawsR.error)) : draws.length === 0 ? h('p', { class: 'muted' }, t('em.no_draws')) : draws.map((x) => drawCard(ctx, x, tender, specs, load, tries, cm.formed)),
      ),
    );
    if (anyLive || cm.formed) parts.push(committeeCard(id, cm, draws, settings, load));
    // the lots with their phases as the view gives them; before any view the tender's
    if (cm.formed || ev.v) {
      const lots = ev.v && Array.isArray(ev.v.lots) ? ev.v.lots : await lotsElsewhere(id, lot, lotsFromTender(d));
      if (!ctx.alive()) return;
      parts.push(evaluationCard(ctx, id, lot, lots, cm, ev.v || null, ev.e || null, load));
    }
    replace(body, ...parts);
    body.removeAttribute('aria-busy');
    // follow the invitations' answers while any is pending
    const pending = draws.some((x) => x.state === 'drawn' && x.counts && x.counts.pending > 0) || (cm.formed && !cm.chair_kind);
    if (pending) timer = setTimeout(poll, POLL_MS);
  }
  load();
  return root;
}
