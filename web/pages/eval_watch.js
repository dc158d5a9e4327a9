// pages/eval_watch.js — the supervisor's read-only view of a tender's draw
// and evaluation (监督视图), shown by /evaluation/manage?tender=ID to a
// supervisor (./eval_manage.js dispatches here).
//
//   the draws      each draw with its members (names, roles, positions,
//                  statuses and reasons: declines, skips, releases, who
//                  replaces whom), and its record (GET /api/draws/:id/record)
//                  checked here in the browser with WebCrypto, the checks of
//                  `sunbid draw verify` (docs/draw.md, "Verifying") that a
//                  browser can do: the commitment against the seed (once
//                  revealed), the draw.commit entry and its RFC 9162
//                  inclusion in the mixed checkpoint (SHA-256 logs; ../tlog.js),
//                  the snapshot's hash from its canonical text, the order
//                  reproduced from seed, checkpoint, snapshot and requests
//                  (the algorithm of docs/draw.md written again here), and
//                  every member at its recorded position. Checks that need
//                  the seed wait for the reveal and say so.
//   the committee  members with names, the tenderer's representatives
//                  marked, the chair and how it was chosen.
//   the room       phase, each member's entries and signature, every score
//                  warning with the expert's confirm or revise reason, the
//                  inquiries (询标) and the report's hash and signatures.
//
// The room is one lot's (`&lot=N`; tabs with each lot's name and phase from
// ./lots.js when the tender has several; ?lot=N on the evaluation calls);
// from a re-evaluation on, the round and the earlier rounds' report hashes.
//
// Nothing here writes: the supervisor's own steps (releasing a member,
// leads) are on their pages.

import { api } from '../api.js';
import { h, replace, loading, table } from '../dom.js';
import { t, formatTime, errorText } from '../i18n.js';
import { messageSlot, kvList, tenderHref, fetchTender, stateTag } from './tender_common.js';
import { drawStateTag, requestsTable, countsList, commitmentList, membersTable, committeeRules } from './eval_manage.js';
import { lotParam, withLot, lotTabs, tabPanel, roundsBox, lotsFromTender, lotsElsewhere, lotName } from './lots.js';
import { hex, concat, sha256, leafHash, equal, rootFromInclusion, parseCheckpoint } from '../tlog.js';

const enc = new TextEncoder();

function fromHex(s) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function hmac(key, msg) {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, msg));
}

// ---- the draw algorithm (docs/draw.md, "The algorithm") ---------------------------

export function requestsText(reqs) {
  return 'sunbid-draw-requests/1\n' + reqs.map((q, i) => `g ${i + 1} ${q.specialty} ${q.region || '-'} ${q.count} ${q.reserves}\n`).join('');
}

export function snapshotText(experts) {
  return 'sunbid-draw-snapshot/1\n' + experts.map(([id, region, codes]) => `e ${id} ${region} ${codes.join(',')}\n`).join('');
}

function under(req, region) {
  let r = req || '';
  while (r.length >= 2 && r.endsWith('00')) r = r.slice(0, -2);
  return region.startsWith(r);
}

// The orders, each as long as lengths[g] (the positions the record used).
export async function drawOrders(seed, note, experts, reqs, lengths) {
  const K = await hmac(seed, concat(enc.encode('sunbid-draw/1\0'), await sha256(enc.encode(note)), await sha256(enc.encode(snapshotText(experts))), await sha256(enc.encode(requestsText(reqs)))));
  const two64 = 1n << 64n;
  const taken = new Set();
  const orders = [];
  for (let g = 0; g < reqs.length; g++) {
    const q = reqs[g];
    const a = experts.filter(([id, region, codes]) => codes.includes(q.specialty) && under(q.region, region) && !taken.has(id)).map((e) => e[0]);
    let ctr = 0n;
    let buf = [];
    const next = async () => {
      if (buf.length === 0) {
        const msg = new Uint8Array(21 + 12);
        msg.set(enc.encode('sunbid-draw-stream/1\0'), 0);
        const dv = new DataView(msg.buffer);
        dv.setUint32(21, g + 1);
        dv.setBigUint64(25, ctr);
        ctr += 1n;
        const b = await hmac(K, msg);
        const bv = new DataView(b.buffer);
        buf = [0, 1, 2, 3].map((k) => bv.getBigUint64(8 * k));
      }
      return buf.shift();
    };
    const n = a.length;
    const upto = Math.min(n, lengths[g]);
    for (let i = 0; i < upto; i++) {
      const k = BigInt(n - i);
      let x;
      do x = await next();
      while (x >= two64 - (two64 % k));
      const j = i + Number(x % k);
      [a[i], a[j]] = [a[j], a[i]];
    }
    orders.push(a.slice(0, upto));
    for (const id of a.slice(0, Math.min(n, q.count + q.reserves))) taken.add(id);
  }
  return orders;
}

// Each check: {id, state: 'ok'|'fail'|'wait'|'skip', note}.
export async function verifyRecord(rec, draw) {
  const out = [];
  const add = (id, state, note) => out.push({ id, state, note: note || '' });
  const seed = rec.seed ? fromHex(rec.seed) : null;
  const cp = parseCheckpoint(rec.checkpoint || '');
  add('format', cp && rec.format === 'sunbid-draw-record/1' ? 'ok' : 'fail', cp ? `${cp.origin} · ${cp.size}` : '');
  if (seed) add('commitment', hex(await sha256(seed)) === rec.commitment ? 'ok' : 'fail');
  else add('commitment', 'wait');
  const c = rec.log && rec.log.commit;
  let entry = null;
  try {
    entry = c ? JSON.parse(c.entry) : null;
  } catch {
    entry = null;
  }
  add('commit-entry', entry && entry.type === 'draw.commit' && entry.doc_hash === rec.commitment && rec.commitment === draw.commitment ? 'ok' : 'fail', c ? '#' + c.index : '');
  if (rec.log && rec.log.hash !== 'sha256') add('commit-inclusion', 'skip', rec.log.hash);
  else if (c && cp) {
    const root = await rootFromInclusion(c.index, cp.size, await leafHash(enc.encode(c.entry)), (c.proof || []).map(fromHex));
    add('commit-inclusion', root && equal(root, cp.root) ? 'ok' : 'fail', `#${c.index} < ${cp.size}`);
  } else add('commit-inclusion', 'fail');
  const snap = rec.snapshot || { experts: [] };
  const sh = hex(await sha256(enc.encode(snapshotText(snap.experts))));
  add('snapshot', sh === snap.sha256 && (!draw.snapshot_sha256 || sh === draw.snapshot_sha256) ? 'ok' : 'fail', t('ew.n_experts', { n: snap.experts.length }));
  if (seed && cp) {
    const lens = (rec.orders || []).map((o) => o.length);
    const mine = await drawOrders(seed, rec.checkpoint, snap.experts, rec.requests || [], lens);
    add('order', JSON.stringify(mine) === JSON.stringify(rec.orders) ? 'ok' : 'fail');
  } else add('order', 'wait');
  const ms = rec.members || [];
  const atPos = ms.every((m) => {
    const o = (rec.orders || [])[m.group - 1] || [];
    const q = (rec.requests || [])[m.group - 1] || { count: 0, reserves: 0 };
    const role = m.position < q.count ? 'primary' : m.position < q.count + q.reserves ? 'reserve' : 'replacement';
    return o[m.position] === m.expert && (m.role === role || (m.role === 'replacement' && m.position >= q.count));
  });
  const used = (rec.orders || []).every((o, g) => o.every((_, p) => ms.some((m) => m.group === g + 1 && m.position === p)));
  add('members', atPos && used ? 'ok' : 'fail', String(ms.length));
  return out;
}

function checksList(checks) {
  const mark = { ok: '✓', fail: '✗', wait: '…', skip: '–' };
  return h(
    'ul',
    { class: 'pub-checks plain-list draw-checks' },
    checks.map((c) =>
      h(
        'li',
        { class: c.state === 'ok' ? 'check-ok' : c.state === 'fail' ? 'check-no' : 'muted', dataset: { check: c.id, state: c.state } },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, mark[c.state]),
        ' ',
        h('code', null, c.id),
        ' ',
        t('ew.check.' + c.id),
        ' — ',
        t('ew.state.' + c.state),
        c.note ? h('span', { class: 'muted small' }, ' (' + c.note + ')') : null,
      ),
    ),
  );
}

// ---- the panels ------------------------------------------------------------------

function recordPanel(d) {
  const msg = messageSlot();
  const out = h('div', { class: 'draw-record' });
  const btn = h('button', { type: 'button', class: 'btn btn-secondary', dataset: { action: 'verify' } }, t('ew.verify'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.clear();
    try {
      const rec = await api('GET', `/api/draws/${d.id}/record`);
      const checks = await verifyRecord(rec, d);
      const reasons = {};
      for (const [, r] of rec.excluded || []) reasons[r] = (reasons[r] || 0) + 1;
      replace(
        out,
        checksList(checks),
        kvList([
          [t('ew.seed'), rec.seed ? h('code', { class: 'mono wrap-any code-sm' }, rec.seed) : t('ew.seed_secret')],
          [t('ew.log_hash'), rec.log ? rec.log.hash : ''],
          [t('ew.excluded'), Object.keys(reasons).length ? Object.entries(reasons).map(([r, n]) => `${t('em.why.' + r)} ${n}`).join(' · ') : t('app.none'), 'draw-excluded'],
          [t('ew.orders'), (rec.orders || []).map((o, g) => `${g + 1}: ${o.join(' → ')}`).join(' ; ')],
        ]),
        h('details', null, h('summary', null, t('ew.checkpoint')), h('pre', { class: 'mono wrap-any code-sm' }, rec.checkpoint || '')),
        h('p', { class: 'muted small' }, t('ew.cli_hint', { id: d.id })),
      );
    } catch (e) {
      msg.error(e);
    } finally {
      btn.disabled = false;
    }
  });
  return h('div', null, h('div', { class: 'form-actions' }, btn, h('a', { class: 'btn btn-ghost', href: `/api/draws/${d.id}/record`, download: `draw-${d.id}.json` }, t('ew.download'))), msg.el, out);
}

function drawCard(d, specs) {
  return h(
    'article',
    { class: 'card em-draw', dataset: { draw: String(d.id), state: d.state } },
    h('h3', null, t('em.draw_n', { id: d.id }), ' ', drawStateTag(d)),
    commitmentList(d),
    requestsTable(d, specs),
    d.state !== 'committed' ? countsList(d) : null,
    d.members && d.members.length ? membersTable(d.members, specs) : null,
    d.state !== 'committed' && d.state !== 'cancelled' ? recordPanel(d) : null,
  );
}

function committeeCard(cm, settings) {
  if (!cm) return null;
  return h(
    'section',
    { class: 'card', id: 'committee', 'aria-labelledby': 'ew-cm-h' },
    h('h2', { id: 'ew-cm-h' }, t('em.committee')),
    kvList([
      [t('em.cm_state'), cm.formed ? h('span', { class: 'tag tag-ok' }, t('em.formed')) : h('span', { class: 'tag' }, t('em.not_formed')), 'committee-state'],
      cm.formed ? [t('em.cm_size'), String(cm.size)] : null,
      cm.formed ? [t('em.chair'), cm.chair_kind ? t('em.chair_kind.' + cm.chair_kind) + ' · ' + t('em.chair_how.' + (cm.chair_how || 'elected')) : t('em.no_chair'), 'committee-chair'] : null,
    ]),
    cm.formed ? committeeRules(cm.size, cm.experts, settings.committee_min || 5) : null,
    (cm.members || []).length
      ? table(
          [
            { label: t('ew.member'), render: (m) => '#' + m.id },
            { key: 'name', label: t('em.rep_name') },
            { label: t('ew.kind'), render: (m) => (m.tenderer_rep ? h('span', { class: 'tag tag-kind' }, t('em.tenderer_rep')) : t('em.expert')) },
            { key: 'title', label: t('em.rep_title') },
            { label: t('em.chair'), render: (m) => (m.chair ? t('em.is_chair') : '') },
          ],
          cm.members,
          t('em.members'),
        )
      : null,
  );
}

function roomCard(ctx, id, lot, lots, view, viewErr, cm, inquiries) {
  const head = [h('h2', { id: 'ew-room-h' }, t('ew.room')), lotTabs(ctx, lots, lot, 'ew-room-panel')];
  const panel = tabPanel(h('div', { id: 'ew-room-panel' }), lots, lot);
  const card = (...parts) => h('section', { class: 'card', id: 'ew-room', 'aria-labelledby': 'ew-room-h' }, ...head, replace(panel, ...parts));
  const parts = lots.length > 1 ? [h('h3', { id: 'ew-lot', dataset: { lot: String(lot) } }, lotName(lots, lot))] : [];
  if (!view) {
    parts.push(h('p', { class: 'muted' }, viewErr && viewErr.code !== 'eval_wrong_phase' ? errorText(viewErr) : t('ew.not_started')));
    return card(...parts);
  }
  const names = new Map((cm && cm.members ? cm.members : []).map((m) => [m.id, m.name]));
  const who = (mid) => (names.get(mid) ? `${names.get(mid)} (#${mid})` : '#' + mid);
  const bidder = (org) => {
    const b = (view.bidders || []).find((x) => x.org_id === org);
    return b ? b.bidder : org ? '#' + org : t('eval.whole_sheet');
  };
  parts.push(
    kvList([
      [t('em.phase'), h('strong', { dataset: { phase: view.phase } }, t('eval.phase.' + view.phase)), 'eval-phase'],
      view.round > 1 ? [t('lot.round'), t('lot.round_n', { n: view.round }), 'eval-round'] : null,
      view.phase === 'failed' ? [t('lot.fail_reason'), view.failed_reason || view.fail_reason || '', 'eval-fail-reason'] : null,
      [t('eval.method'), t('eval.method.' + view.method)],
      view.sheets ? [t('em.sheets'), t('em.sheets_v', { q: view.sheets.qualification, s: view.sheets.scoring, n: view.members })] : null,
      view.template_sha256 ? [t('ew.template_sha'), h('code', { class: 'mono wrap-any code-sm' }, view.template_sha256)] : null,
    ]),
  );
  // each member's progress: entries made, warnings, signature
  const ids = cm && cm.members ? cm.members.map((m) => m.id) : [...new Set((view.entries || []).map((e) => e.member_id))];
  const rows = ids.map((mid) => {
    const es = (view.entries || []).filter((e) => e.member_id === mid);
    return {
      id: mid,
      who: who(mid),
      q: es.filter((e) => e.item.startsWith('q:')).length,
      s: es.filter((e) => e.item.startsWith('s:')).length,
      w: (view.warnings || []).filter((w) => w.member_id === mid).length,
      signed: (view.signatures || []).find((x) => x.member_id === mid),
    };
  });
  parts.push(
    h('h3', null, t('ew.progress')),
    table(
      [
        { key: 'who', label: t('ew.member') },
        { label: t('ew.votes'), render: (r) => String(r.q) },
        { label: t('ew.scores'), render: (r) => String(r.s) },
        { label: t('eval.warnings'), render: (r) => String(r.w) },
        { label: t('ew.signed'), render: (r) => (r.signed ? formatTime(r.signed.signed_ms) : t('ew.not_signed')) },
      ],
      rows,
      t('ew.progress'),
    ),
  );
  const ws = view.warnings || [];
  parts.push(
    h('h3', null, t('eval.warnings')),
    ws.length === 0
      ? h('p', { class: 'muted', id: 'ew-no-warnings' }, t('eval.no_warnings'))
      : h(
          'div',
          { id: 'ew-warnings' },
          table(
            [
              { label: t('eval.warning_kind'), render: (w) => t('eval.warn.' + w.kind) },
              { label: t('ew.member'), render: (w) => who(w.member_id) },
              { label: t('eval.bidder'), render: (w) => bidder(w.org_id) },
              { label: t('eval.item'), render: (w) => w.item || t('eval.whole_sheet') },
              { label: t('eval.score'), render: (w) => `${typeof w.score === 'number' ? w.score.toFixed(2) : ''} (${typeof w.median === 'number' ? w.median.toFixed(2) : ''})` },
              { label: t('eval.status'), render: (w) => h('span', { class: ['tag', w.status === 'open' ? 'tag-danger' : 'tag-ok'], dataset: { status: w.status } }, t('eval.wstatus.' + w.status)) },
              { label: t('ew.reason'), render: (w) => w.reason || '' },
            ],
            ws,
            t('eval.warnings'),
          ),
        ),
  );
  const qs = inquiries || [];
  parts.push(
    h('h3', null, t('ew.inquiries')),
    qs.length === 0
      ? h('p', { class: 'muted' }, t('ew.no_inquiries'))
      : h(
          'ul',
          { class: 'qa-list', id: 'ew-inquiries' },
          qs.map((q) =>
            h(
              'li',
              { class: 'qa-item' },
              h('p', { class: 'qa-meta' }, q.org_name || '#' + q.org_id, ' · ', formatTime(q.asked_ms), ' · ', t('ew.deadline'), ' ', formatTime(q.deadline_ms)),
              h('p', { class: 'qa-body' }, q.body),
              q.answer ? h('p', { class: 'qa-answer' }, q.answer, ' ', h('span', { class: 'tag tag-ok' }, t('ew.signed_answer'))) : h('p', { class: 'muted small' }, t('ew.unanswered')),
            ),
          ),
        ),
  );
  parts.push(h('h3', null, t('eval.report')));
  if (view.report_sha256)
    parts.push(
      kvList([
        [t('eval.report_sha'), h('code', { class: 'mono wrap-any code-sm' }, view.report_sha256), 'report-sha'],
        [t('eval.signed_count'), `${(view.signatures || []).length} / ${view.members}`, 'report-signed'],
      ]),
      h('p', null, h('a', { href: withLot(`/api/tenders/${id}/evaluation/report?format=pdf`, lot) }, t('eval.report_pdf')), ' · ', h('a', { href: withLot(`/api/tenders/${id}/evaluation/report`, lot) }, t('eval.report_json'))),
    );
  else parts.push(h('p', { class: 'muted' }, t('ew.no_report')));
  const rounds = roundsBox(view, 'ew-rounds', true);
  if (rounds) parts.push(rounds);
  return card(...parts);
}

export function render(ctx, id) {
  const lot = lotParam(ctx);
  const root = h('section', { class: 'page page-eval-watch', dataset: { page: 'eval-watch' }, 'aria-labelledby': 'ew-h' });
  const sub = h('p', { class: 'heading-note', id: 'em-tender' });
  const body = h('div', { 'aria-busy': 'true' }, loading());
  replace(
    root,
    h('div', { class: 'page-head' }, h('h1', { id: 'ew-h' }, t('ew.title'), ' ', h('span', { class: 'tag tag-muted' }, t('orgs.readonly')))),
    sub,
    h('p', null, h('a', { href: tenderHref(id), 'data-link': true }, t('eval.to_tender'))),
    body,
  );
  (async () => {
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
    const [drawsR, specsR, settings, cm, ev, inq] = await Promise.all([
      api('GET', `/api/tenders/${id}/draws`).catch((e) => ({ error: e })),
      api('GET', '/api/expert-specialties').catch(() => ({ items: [] })),
      api('GET', '/api/expert-settings').catch(() => ({})),
      api('GET', `/api/tenders/${id}/committee`).catch(() => null),
      api('GET', withLot(`/api/tenders/${id}/evaluation`, lot)).then(
        (v) => ({ v }),
        (e) => ({ e }),
      ),
      api('GET', `/api/tenders/${id}/inquiries`).catch(() => ({ items: [] })),
    ]);
    const lots = ev.v && Array.isArray(ev.v.lots) ? ev.v.lots : await lotsElsewhere(id, lot, lotsFromTender(d));
    if (!ctx.alive()) return;
    replace(sub, d.tender.code || '', ' ', d.tender.title || '', ' ', stateTag(d.tender));
    const draws = drawsR.items || [];
    const specs = specsR.items || [];
    replace(
      body,
      h(
        'section',
        { class: 'card', id: 'draws', 'aria-labelledby': 'ew-draws-h' },
        h('h2', { id: 'ew-draws-h' }, t('em.draws')),
        h('p', { class: 'muted small' }, t('ew.draws_intro')),
        drawsR.error ? h('p', { class: 'alert alert-error' }, errorText(drawsR.error)) : draws.length === 0 ? h('p', { class: 'muted' }, t('em.no_draws')) : draws.map((x) => drawCard(x, specs)),
      ),
      committeeCard(cm, settings),
      roomCard(ctx, id, lot, lots, ev.v || null, ev.e || null, cm, inq.items || []),
    );
    body.removeAttribute('aria-busy');
  })();
  return root;
}

