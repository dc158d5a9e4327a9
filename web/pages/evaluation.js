// pages/evaluation.js — the evaluation room (评标室) of one tender, at
// /evaluation?tender=ID: one page, a panel by who looks (docs/evaluation.md).
//
//   member       the bids as read out at the opening; the qualification
//                sheet (pass/fail per bid and criterion, a fail with its
//                reason); the scoring sheet (the subjective items of every
//                valid bid, a revision with its reason); its own score
//                warnings, each confirmed with a reason; the report's hash
//                and the signature, made here with the member's signing
//                key file (PKCS#8 PEM, P-256; read in the browser and never
//                uploaded: ../seal.js signRecord over the message
//                "sunbid-evaluation-report/1:<hash>")
//   chair        besides: every member's warnings and the next step
//   supervisor   every warning and entry count, the report
//   agent        starts the evaluation with a template, publishes the
//                candidates, answers objections, awards, records the
//                contract; sees the logistics only
//   everyone     from the publicity on: the candidates, the objections, the
//                award and the contract; a bidder may object
//
// The server decides what each caller sees (evaluation_view_json); this
// page shows what the view holds and offers the steps that fit the phase.

import { api } from '../api.js';
import { h, replace, loading, table } from '../dom.js';
import { t } from '../i18n.js';
import { formatFen, messageSlot, kvList, timeEl, busy, tenderHref } from './tender_common.js';
import { signRecord, SealError } from '../seal.js';

export const PHASES = ['qualification', 'scoring', 'signing', 'signed', 'publicity', 'awarded', 'contracted'];
const SIGN_PREFIX = 'sunbid-evaluation-report/1:';

export function evaluationHref(id) {
  return '/evaluation?tender=' + encodeURIComponent(id);
}

function roles(ctx) {
  return (ctx.user && ctx.user.roles) || [];
}

// Points as the server writes them (a number with two decimals).
function pts(v) {
  return typeof v === 'number' ? v.toFixed(2) : t('app.none');
}

function phaseBar(phase) {
  const at = PHASES.indexOf(phase);
  return h(
    'ol',
    { class: 'phase-bar', id: 'eval-phases', 'aria-label': t('eval.phases') },
    PHASES.map((p, i) =>
      h(
        'li',
        { class: ['phase', i < at ? 'phase-done' : null, i === at ? 'phase-now' : null], dataset: { phase: p }, 'aria-current': i === at ? 'step' : null },
        h('span', { class: 'phase-n', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'phase-name' }, t('eval.phase.' + p)),
      ),
    ),
  );
}

function bidderName(view, org) {
  const b = (view.bidders || []).find((x) => x.org_id === org);
  if (b) return b.bidder;
  const c = ((view.result && view.result.candidates) || []).find((x) => x.org_id === org);
  return c ? c.bidder : '#' + org;
}

function entry(view, org, item) {
  return (view.entries || []).find((e) => e.member_id === view.you && e.org_id === org && e.item === item);
}

// ---- the member's sheets --------------------------------------------------------

function qualificationSheet(view, tpl, id, reload) {
  const msg = messageSlot();
  const rows = [];
  for (const b of view.bidders || [])
    for (const c of tpl.qualification || []) {
      const e = entry(view, b.org_id, 'q:' + c.code);
      const pass = h('input', { type: 'checkbox', checked: !e || e.value === 1, 'aria-label': t('eval.pass') });
      const reason = h('input', { type: 'text', maxlength: 2000, value: (e && e.reason) || '', 'aria-label': t('eval.reason') });
      rows.push({ org: b.org_id, bidder: b.bidder, code: c.code, name: c.name, pass, reason });
    }
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('eval.submit_sheet'));
  const form = h(
    'form',
    {
      class: 'eval-sheet',
      id: 'eval-qualification',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const votes = rows.map((r) => ({ org_id: r.org, criterion: r.code, pass: r.pass.checked, ...(r.reason.value.trim() ? { reason: r.reason.value.trim() } : {}) }));
        await busy(submit, async () => {
          try {
            await api('POST', `/api/tenders/${id}/evaluation/qualification`, { votes, submit: true });
            reload(t('eval.saved'));
          } catch (e) {
            msg.error(e);
          }
        });
      },
    },
    table(
      [
        { key: 'bidder', label: t('eval.bidder') },
        { key: 'name', label: t('eval.criterion') },
        { label: t('eval.pass'), render: (r) => r.pass },
        { label: t('eval.reason'), render: (r) => r.reason },
      ],
      rows,
    ),
    msg.el,
    submit,
  );
  return h('section', { class: 'card' }, h('h2', null, t('eval.qualification')), form);
}

function scoringSheet(view, tpl, id, reload) {
  const msg = messageSlot();
  const items = (tpl.items || []).filter((i) => i.kind === 'subjective');
  const qualified = new Set(view.qualified || []);
  const rows = [];
  for (const b of view.bidders || [])
    for (const it of items) {
      if (!qualified.has(b.org_id)) continue;
      const e = entry(view, b.org_id, 's:' + it.code);
      const input = h('input', { type: 'number', min: 0, max: it.points, step: '0.01', value: e ? (e.value / 100).toFixed(2) : '', 'aria-label': `${b.bidder} ${it.name}` });
      rows.push({ org: b.org_id, bidder: b.bidder, code: it.code, name: `${it.name} (${pts(it.min)}–${pts(it.max)})`, input });
    }
  const reason = h('input', { type: 'text', id: 'eval-revise-reason', maxlength: 2000, 'aria-label': t('eval.revise_reason') });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('eval.submit_sheet'));
  const form = h(
    'form',
    {
      class: 'eval-sheet',
      id: 'eval-scoring',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const scores = rows.filter((r) => r.input.value !== '').map((r) => ({ org_id: r.org, item: r.code, score: Number(r.input.value) }));
        const body = { scores, submit: true };
        if (reason.value.trim()) body.reason = reason.value.trim();
        await busy(submit, async () => {
          try {
            await api('POST', `/api/tenders/${id}/evaluation/scores`, body);
            reload(t('eval.saved'));
          } catch (e) {
            msg.error(e);
          }
        });
      },
    },
    table(
      [
        { key: 'bidder', label: t('eval.bidder') },
        { key: 'name', label: t('eval.item') },
        { label: t('eval.score'), render: (r) => r.input },
      ],
      rows,
    ),
    h('div', { class: 'field' }, h('label', { for: 'eval-revise-reason' }, t('eval.revise_reason')), reason),
    msg.el,
    submit,
  );
  return h('section', { class: 'card' }, h('h2', null, t('eval.scoring')), form);
}

function warningsPanel(view, id, reload) {
  const ws = view.warnings || [];
  if (ws.length === 0) return h('section', { class: 'card', id: 'eval-warnings' }, h('h2', null, t('eval.warnings')), h('p', { class: 'muted' }, t('eval.no_warnings')));
  const msg = messageSlot();
  return h(
    'section',
    { class: 'card', id: 'eval-warnings' },
    h('h2', null, t('eval.warnings')),
    table(
      [
        { label: t('eval.warning_kind'), render: (w) => t('eval.warn.' + w.kind) },
        { label: t('eval.member'), render: (w) => '#' + w.member_id },
        { label: t('eval.bidder'), render: (w) => (w.org_id ? bidderName(view, w.org_id) : t('app.none')) },
        { label: t('eval.item'), render: (w) => w.item || t('eval.whole_sheet') },
        { label: t('eval.score'), render: (w) => `${pts(w.score)} (${pts(w.median)})` },
        { label: t('eval.status'), render: (w) => t('eval.wstatus.' + w.status) + (w.reason ? ' — ' + w.reason : '') },
        {
          label: t('eval.action'),
          render: (w) => {
            if (w.status !== 'open' || w.member_id !== view.you) return '';
            const reason = h('input', { type: 'text', maxlength: 2000, 'aria-label': t('eval.reason') });
            const btn = h('button', { type: 'button', class: 'btn' }, t('eval.confirm'));
            btn.addEventListener('click', () =>
              busy(btn, async () => {
                try {
                  await api('POST', `/api/tenders/${id}/evaluation/warnings/${w.id}/confirm`, { reason: reason.value.trim() });
                  reload();
                } catch (e) {
                  msg.error(e);
                }
              }),
            );
            return h('span', null, reason, btn);
          },
        },
      ],
      ws.map((w) => ({ ...w })),
    ),
    msg.el,
  );
}

function signPanel(view, id, reload) {
  const msg = messageSlot();
  const file = h('input', { type: 'file', id: 'eval-sign-key', accept: '.pem,.key' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.sign'));
  const signed = (view.signatures || []).some((s) => s.member_id === view.you);
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        const f = file.files && file.files[0];
        if (!f) throw new SealError('no_key', t('eval.choose_key'));
        const signature = await signRecord({ signKeyPem: await f.text(), message: SIGN_PREFIX + view.report_sha256 });
        await api('POST', `/api/tenders/${id}/evaluation/sign`, { signature });
        reload();
      } catch (e) {
        msg.error(e instanceof SealError ? { code: e.code, message: e.message } : e);
      }
    }),
  );
  return h(
    'section',
    { class: 'card', id: 'eval-sign' },
    h('h2', null, t('eval.report')),
    kvList([
      [t('eval.report_sha'), h('code', null, view.report_sha256)],
      [t('eval.signed_count'), `${(view.signatures || []).length} / ${view.members}`],
    ]),
    h('p', null, h('a', { href: `/api/tenders/${id}/evaluation/report?format=pdf` }, t('eval.report_pdf')), ' · ', h('a', { href: `/api/tenders/${id}/evaluation/report` }, t('eval.report_json'))),
    signed || view.phase !== 'signing' ? h('p', { class: 'alert alert-ok' }, signed ? t('eval.you_signed') : '') : h('div', null, h('div', { class: 'field' }, h('label', { for: 'eval-sign-key' }, t('eval.sign_key')), file), btn),
    msg.el,
  );
}

// ---- the agent's console --------------------------------------------------------

function agentPanel(view, id, reload) {
  const msg = messageSlot();
  const step = async (btn, path, body) =>
    busy(btn, async () => {
      try {
        await api('POST', `/api/tenders/${id}/evaluation/${path}`, body);
        reload();
      } catch (e) {
        msg.error(e);
      }
    });
  const parts = [];
  if (view.phase === 'signed') {
    const days = h('input', { type: 'number', min: 3, max: 30, value: 3, id: 'eval-days' });
    const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.publish'));
    btn.addEventListener('click', () => step(btn, 'publish', { days: Number(days.value) }));
    parts.push(h('div', { class: 'field' }, h('label', { for: 'eval-days' }, t('eval.publicity_days')), days), btn);
  }
  if (view.phase === 'publicity') {
    for (const o of view.objections || []) {
      if (o.answered_ms) continue;
      const ans = h('input', { type: 'text', maxlength: 2000, 'aria-label': t('eval.answer') });
      const btn = h('button', { type: 'button', class: 'btn' }, t('eval.answer'));
      btn.addEventListener('click', () => step(btn, `objections/${o.id}/answer`, { answer: ans.value.trim() }));
      parts.push(h('p', null, `#${o.id} ${o.body || ''} `, ans, btn));
    }
    const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.award'));
    btn.addEventListener('click', () => step(btn, 'award', {}));
    parts.push(btn);
  }
  if (view.phase === 'awarded') {
    const amount = h('input', { type: 'number', min: 0.01, step: '0.01', id: 'eval-amount' });
    const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.contract'));
    btn.addEventListener('click', () => step(btn, 'contract', { amount_fen: Math.round(Number(amount.value) * 100) }));
    parts.push(h('div', { class: 'field' }, h('label', { for: 'eval-amount' }, t('eval.contract_amount')), amount), btn);
  }
  if (parts.length === 0) return null;
  return h('section', { class: 'card', id: 'eval-agent' }, h('h2', null, t('eval.console')), ...parts, msg.el);
}

function startPanel(id, reload) {
  const msg = messageSlot();
  const select = h('select', { id: 'eval-template' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.start'));
  api('GET', '/api/evaluation-templates')
    .then((r) => replace(select, (r.items || []).map((x) => h('option', { value: x.name }, x.name))))
    .catch((e) => msg.error(e));
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        await api('POST', `/api/tenders/${id}/evaluation/start`, { template: select.value });
        reload();
      } catch (e) {
        msg.error(e);
      }
    }),
  );
  return h('section', { class: 'card', id: 'eval-start' }, h('h2', null, t('eval.start')), h('div', { class: 'field' }, h('label', { for: 'eval-template' }, t('eval.template')), select), btn, msg.el);
}

// ---- everyone, from the publicity on ---------------------------------------------

function resultPanel(view, id, ctx, reload) {
  const res = view.result || {};
  const parts = [
    h('h2', null, t('eval.candidates')),
    table(
      [
        { key: 'rank', label: t('eval.rank') },
        { key: 'bidder', label: t('eval.bidder') },
        { label: t('eval.price'), render: (c) => formatFen(c.price_fen) },
        { label: t('eval.total'), render: (c) => (c.total !== undefined ? pts(c.total) : c.evaluated_fen !== undefined ? formatFen(c.evaluated_fen) : '') },
      ],
      res.candidates || [],
    ),
  ];
  if (view.publicity)
    parts.push(kvList([[t('eval.publicity_from'), timeEl(view.publicity.start_ms)], [t('eval.publicity_to'), timeEl(view.publicity.end_ms)]]));
  if (view.award) parts.push(h('p', { class: 'alert alert-ok', id: 'eval-award' }, t('eval.awarded_to', { bidder: view.award.bidder || '' })));
  if (view.phase === 'publicity' && roles(ctx).includes('bidder')) {
    const msg = messageSlot();
    const body = h('textarea', { rows: 3, maxlength: 8000, id: 'eval-objection' });
    const btn = h('button', { type: 'button', class: 'btn' }, t('eval.object'));
    btn.addEventListener('click', () =>
      busy(btn, async () => {
        try {
          await api('POST', `/api/tenders/${id}/evaluation/objections`, { body: body.value.trim() });
          reload(t('eval.objected'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    parts.push(h('div', { class: 'field' }, h('label', { for: 'eval-objection' }, t('eval.objection')), body), btn, msg.el);
  }
  return h('section', { class: 'card', id: 'eval-result' }, ...parts);
}

export function render(ctx) {
  const idStr = ctx.params.get('tender') || '';
  const root = h('section', { class: 'page page-evaluation', dataset: { page: 'evaluation' }, 'aria-labelledby': 'eval-h' });
  const head = h('div', { class: 'page-head' }, h('h1', { id: 'eval-h' }, t('eval.title')));
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, head, h('p', { class: 'alert alert-error' }, t('eval.no_tender')));
    return root;
  }
  const id = Number(idStr);
  const body = h('div', { 'aria-busy': 'true' }, loading());
  // What the last step did ("saved"): outside the body, so a reload keeps it.
  const status = h('p', { class: 'status-line', id: 'eval-status', role: 'status', 'aria-live': 'polite' });
  replace(root, head, h('p', null, h('a', { href: tenderHref(id) }, t('eval.to_tender'))), status, body);

  async function load(done) {
    status.textContent = typeof done === 'string' ? done : '';
    let view;
    try {
      view = await api('GET', `/api/tenders/${id}/evaluation`);
    } catch (e) {
      if (!ctx.alive()) return;
      const msg = messageSlot();
      msg.error(e);
      const parts = [msg.el];
      if (e.code === 'eval_wrong_phase' && roles(ctx).includes('agent')) parts.push(startPanel(id, load));
      replace(body, ...parts);
      body.removeAttribute('aria-busy');
      return;
    }
    if (!ctx.alive()) return;
    const tpl = view.template || {};
    const member = typeof view.you === 'number';
    const parts = [
      phaseBar(view.phase),
      kvList([
        [t('eval.method'), t('eval.method.' + view.method)],
        [t('eval.members'), String(view.members)],
        [t('eval.bids'), String(view.bids)],
        [t('eval.sheets'), `${view.sheets.qualification} / ${view.sheets.scoring}`],
        member ? [t('eval.you'), '#' + view.you + (view.chair ? ' · ' + t('eval.chair') : '')] : null,
      ]),
    ];
    if (member && view.phase === 'qualification' && (tpl.qualification || []).length) parts.push(qualificationSheet(view, tpl, id, load));
    if (member && view.phase === 'scoring') parts.push(scoringSheet(view, tpl, id, load));
    if (view.warnings) parts.push(warningsPanel(view, id, load));
    if (view.chair && (view.phase === 'qualification' || view.phase === 'scoring')) {
      const msg = messageSlot();
      const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'eval-advance' }, t('eval.advance'));
      btn.addEventListener('click', () =>
        busy(btn, async () => {
          try {
            await api('POST', `/api/tenders/${id}/evaluation/advance`, { from: view.phase });
            load();
          } catch (e) {
            msg.error(e);
          }
        }),
      );
      parts.push(h('section', { class: 'card' }, h('h2', null, t('eval.chair_console')), btn, msg.el));
    }
    if (view.report_sha256) parts.push(signPanel(view, id, load));
    if (roles(ctx).includes('agent')) {
      const a = agentPanel(view, id, load);
      if (a) parts.push(a);
    }
    if (view.result && PHASES.indexOf(view.phase) >= PHASES.indexOf('signing')) parts.push(resultPanel(view, id, ctx, load));
    if (view.contract) parts.push(kvList([[t('eval.contract_amount'), formatFen(view.contract.amount_fen)], [t('eval.contract_at'), timeEl(view.contract.contract_ms)]]));
    replace(body, ...parts);
    body.removeAttribute('aria-busy');
  }
  load();
  return root;
}
