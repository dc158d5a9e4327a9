// pages/supervision.js — 监管工作台 (supervisors): warnings (异常行为预警) as
// they happen (SSE topic "supervision"), tenders by risk score, one tender's
// evidence (its bids plotted per lot with the price screens, every flag with
// its rule and evidence, the shared machine fingerprints, certificates and
// addresses), the expert-score analysis of an uploaded scores file, and the
// leads workflow (线索: open, attach, transfer 移送, close, export the
// evidence package). docs/supervision.md describes the rules.
//
// A tender's evidence also shows the similarity of its bid documents
// (GET /api/supervision/tenders/:id/similarity): the pairs of documents of
// different bidders that share passages, each passage side by side in both
// documents with its context (the shared text marked, rare strings
// flagged), and the document properties bidders share. The expert-patterns
// card runs the favour test over the scores the evaluation room stored
// (GET /api/supervision/experts/bias).
//
// The page's strings are the 'sup.*' keys of i18n.js (zh-CN and en); error
// codes go through i18n.js like everywhere else. Query: ?tender=ID shows a
// tender's evidence, ?lead=ID a lead.

import { api, withQuery } from '../api.js';
import { h, replace, field, alertBox, showFormError, table, emptyState, loading } from '../dom.js';
import { t, has, getLang, errorText, formatTime } from '../i18n.js';
import { relationLabel } from './org_relations.js';


// The navigation's label (app.js).
export function navLabel() {
  return t('sup.nav');
}

const tr = (key, vars) => t('sup.' + key, vars);

const yuan = (fen) => (typeof fen === 'number' ? (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : t('app.none'));
const short = (s) => (s ? s.slice(0, 10) + '…' : tr('unknown'));
const num = (v, d = 4) => (typeof v === 'number' ? (Math.abs(v) >= 1e4 ? v.toExponential(3) : Number(v.toFixed(d)).toString()) : '—');

function levelTag(level) {
  const cls = level === 'high' ? 'tag-danger' : level === 'low' ? 'tag-kind' : 'tag-ok';
  return h('span', { class: 'badge tag ' + cls, dataset: { level } }, tr('level_' + level));
}

function card(title, id, ...children) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

// ---- the plot ---------------------------------------------------------

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of kids) if (c) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

// The bids of one lot on a price axis: each bid a dot (red when it shares
// its price with another), the ceiling a dashed line, the CV in the corner.
// Horizontal positions are percentages, so the plot takes the card's width
// (the CSP allows no inline style to size it) while dots stay round.
function plotLot(lot, flagged) {
  const prices = lot.bids.filter((b) => typeof b.price_fen === 'number').map((b) => b.price_fen);
  if (!prices.length) return null;
  const all = prices.concat(lot.ceiling_fen ? [lot.ceiling_fen] : []);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi === lo) { lo *= 0.99; hi *= 1.01; }
  const pad = (hi - lo) * 0.06;
  lo -= pad; hi += pad;
  const x = (v) => (4 + ((v - lo) / (hi - lo)) * 92).toFixed(2) + '%';
  const counts = {};
  const svg = s('svg', { width: '100%', height: 132, role: 'img', 'aria-label': tr('plot_label', { n: lot.lot_no }), class: 'risk-plot' },
    s('line', { x1: '4%', y1: 86, x2: '96%', y2: 86, stroke: '#b8c3d1', 'stroke-width': 1 }));
  if (lot.ceiling_fen) {
    svg.appendChild(s('line', { x1: x(lot.ceiling_fen), y1: 20, x2: x(lot.ceiling_fen), y2: 98, stroke: '#b3261e', 'stroke-dasharray': '4 3', 'stroke-width': 1 }));
    const right = (lot.ceiling_fen - lo) / (hi - lo) > 0.5;
    svg.appendChild(s('text', { x: x(lot.ceiling_fen), y: 14, 'font-size': 11, fill: '#b3261e', 'text-anchor': right ? 'end' : 'start' }, tr('ceiling') + ' ' + yuan(lot.ceiling_fen)));
  }
  for (const b of lot.bids) {
    if (typeof b.price_fen !== 'number') continue;
    const k = b.price_fen;
    counts[k] = (counts[k] || 0) + 1;
    const hot = flagged.has(b.org_id + ':' + k);
    const dot = s('circle', { cx: x(k), cy: 86 - (counts[k] - 1) * 14, r: 6, fill: hot ? '#b3261e' : '#0b4a8b', stroke: '#fff', 'stroke-width': 1.5 });
    dot.appendChild(s('title', null, `${b.org_name}: ${yuan(k)}`));
    svg.appendChild(dot);
  }
  const mn = Math.min(...prices), mx = Math.max(...prices);
  svg.appendChild(s('text', { x: x(mn), y: 116, 'font-size': 11, fill: '#5a6675', 'text-anchor': 'start' }, yuan(mn)));
  if (mx !== mn) svg.appendChild(s('text', { x: x(mx), y: 130, 'font-size': 11, fill: '#5a6675', 'text-anchor': 'end' }, yuan(mx)));
  if (lot.screens && typeof lot.screens.cv === 'number') svg.appendChild(s('text', { x: '4%', y: 40, 'font-size': 11, fill: '#5a6675' }, 'CV ' + num(lot.screens.cv)));
  return svg;
}

// ---- one tender's evidence --------------------------------------------

// One evidence value as shown: money in yuan; for a shared relationship key
// (L1) its kind and each holder's "org: kind (source)" in words.
function evidenceValue(f, k, v) {
  if (k.endsWith('_fen')) return yuan(v);
  if (f.evidence.key !== undefined && k === 'key') return relationLabel(String(v));
  if (k === 'holders' && Array.isArray(v))
    return v.map((s) => String(s).replace(/: (\w+) \((\w+)\)$/, (m, kind, src) => (getLang() === 'en' ? `: ${relationLabel(kind)} (${relationLabel(src)})` : `：${relationLabel(kind)}（${relationLabel(src)}）`))).join(getLang() === 'en' ? '; ' : '；');
  return String(v);
}

function evidenceLabel(f, k) {
  if (has('sup.evk_' + k)) return tr('evk_' + k);
  if (f.evidence.key === k) return relationLabel(k);
  return k;
}

function flagItem(f) {
  const ev = Object.entries(f.evidence || {}).map(([k, v]) => [h('dt', null, evidenceLabel(f, k)), h('dd', { class: 'mono wrap-any' }, evidenceValue(f, k, v))]);
  return h(
    'li',
    { class: 'card', dataset: { kind: f.kind, rule: f.rule } },
    h('p', null, h('span', { class: 'badge tag tag-danger' }, f.rule), ' ', h('strong', null, tr('kind_' + f.kind)), ' ',
      h('span', { class: 'muted small' }, `${tr('weight')} ${f.weight} · ${tr('lot', { n: f.lot_no })}`)),
    h('dl', { class: 'kv' }, h('dt', null, tr('orgs')), h('dd', null, (f.orgs || []).map((o) => o.name).join('、')), ev),
  );
}

function bidderTable(lot, flags) {
  const sharedKeys = new Set();
  for (const f of flags) {
    if (f.lot_no !== lot.lot_no) continue;
    for (const v of Object.values(f.evidence || {})) sharedKeys.add(String(v));
  }
  const mark = (v) => (v && sharedKeys.has(v) ? h('span', { class: 'badge tag tag-danger' }, tr('shared')) : null);
  const cell = (v) => h('span', { class: 'mono small' }, short(v), ' ', mark(v));
  return table(
    [
      { label: tr('col_org'), render: (b) => b.org_name },
      { label: tr('col_status'), render: (b) => tr('bid_' + b.status) },
      { label: tr('col_price'), render: (b) => h('span', null, yuan(b.price_fen), ' ', typeof b.price_fen === 'number' ? mark(String(b.price_fen)) : null) },
      { label: tr('col_host'), render: (b) => cell(b.host_hash || b.mac_hash) },
      { label: tr('col_cert'), render: (b) => cell(b.signer_fp) },
      { label: tr('col_ip'), render: (b) => h('span', { class: 'mono small' }, b.remote_addr || tr('unknown'), ' ', mark(b.remote_addr)) },
    ],
    lot.bids.map((b) => ({ ...b, id: b.org_id })),
    tr('bidders'),
  );
}

// ---- bid document similarity ------------------------------------------

const docLabel = (d) => (d ? `${d.org_name} · ${d.name}` : '?');

// One side of a shared passage: the document, the byte offsets, and the
// passage marked in its context.
function passageSide(doc, side) {
  return h('div', { class: 'card', dataset: { testid: 'sim-side' } },
    h('p', { class: 'small' }, h('strong', null, doc.org_name), ' ', h('span', { class: 'mono small wrap-any' }, doc.name), ' ',
      h('span', { class: 'muted small nowrap' }, tr('sim_offsets', { s: side.start, e: side.end }))),
    h('p', { class: 'wrap-any' },
      side.before ? h('span', { class: 'muted' }, '…' + side.before) : null,
      h('mark', null, side.text),
      side.truncated ? h('span', { class: 'muted small' }, ' ' + tr('sim_truncated') + ' ') : null,
      side.after ? h('span', { class: 'muted' }, side.after + '…') : null));
}

function simPair(sim, p) {
  const a = sim.documents[p.a], b = sim.documents[p.b];
  return h('li', { class: 'card', dataset: { testid: 'sim-pair', flagged: p.flagged ? '1' : '0' } },
    h('p', null, p.flagged ? [h('span', { class: 'badge tag tag-danger' }, tr('sim_flagged')), ' '] : null,
      h('strong', null, `${docLabel(a)} ↔ ${docLabel(b)}`), ' ',
      h('span', { class: 'muted small' }, tr('sim_stats', { j: num(p.jaccard, 3), chars: p.shared_chars, n: p.passages_found }))),
    p.passages.map((ps, i) =>
      h('div', { dataset: { testid: 'sim-passage', rare: ps.rare ? '1' : '0' } },
        h('p', { class: 'small' }, h('strong', null, tr('sim_passage', { n: i + 1, chars: ps.chars })), ' ',
          ps.rare ? [h('span', { class: 'badge tag tag-danger', dataset: { testid: 'rare' } }, tr('sim_rare')), ' '] : null,
          h('span', { class: 'muted small' }, tr('sim_rarity', { r: num(ps.rarity, 2), df: ps.min_df }))),
        h('div', { class: 'grid-2' }, passageSide(a, ps.in_a), passageSide(b, ps.in_b)))));
}

function drawSimilarity(sim) {
  if (sim.status !== 'done') return h('p', { class: 'alert alert-error' }, tr('sim_failed', { reason: sim.reason || '?' }));
  const bad = (sim.bids || []).filter((b) => b.status !== 'read');
  const badDocs = (sim.documents || []).filter((d) => d.error);
  const usedTmpl = (sim.templates || []).filter((x) => !x.error).length;
  return [
    h('p', { class: 'muted small', dataset: { testid: 'sim-summary' } },
      tr('sim_summary', { docs: sim.documents.length, tmpl: usedTmpl, pairs: sim.pairs.length })),
    sim.pairs.length
      ? h('ul', { class: 'plain-list', dataset: { testid: 'sim-pairs' } }, sim.pairs.map((p) => simPair(sim, p)))
      : h('p', { class: 'alert alert-ok' }, tr('sim_pairs_none')),
    h('h4', null, tr('sim_meta')),
    sim.metadata && sim.metadata.length
      ? h('div', { dataset: { testid: 'sim-meta' } }, table(
          [
            { label: tr('col_field'), render: (m) => h('span', null, h('span', { class: 'badge tag tag-danger' }, 'S2'), ' ', tr('mf_' + m.field)) },
            { label: tr('col_value'), render: (m) => h('span', { class: 'mono wrap-any' }, m.value) },
            { label: tr('col_docs'), render: (m) => m.documents.map((i) => docLabel(sim.documents[i])).join('；') },
          ],
          sim.metadata.map((m, i) => ({ ...m, id: i })),
          tr('sim_meta'),
        ))
      : h('p', { class: 'muted' }, tr('sim_meta_none')),
    bad.length || badDocs.length
      ? h('details', null, h('summary', null, tr('sim_bids_bad')),
          h('ul', { class: 'plain-list small' },
            bad.map((b) => h('li', null, `${b.org_name}：${tr('sim_status_' + b.status)}`, b.reason ? h('span', { class: 'muted' }, ' ' + b.reason) : null)),
            badDocs.map((d) => h('li', null, `${docLabel(d)}：`, h('code', { class: 'code-sm' }, d.error)))))
      : null,
  ];
}

// The similarity of the tender's bid documents (supervisors only).
function similaritySection(ctx, id) {
  const body = h('div', null, loading());
  async function load(recompute) {
    try {
      const r = recompute
        ? await api('POST', `/api/supervision/tenders/${id}/similarity`, {})
        : await api('GET', `/api/supervision/tenders/${id}/similarity`);
      if (ctx.alive()) replace(body, drawSimilarity(r.similarity));
    } catch (e) {
      if (!ctx.alive()) return;
      replace(body, e.status === 404 ? h('p', { class: 'muted' }, tr('sim_none')) : h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
    }
  }
  load(false);
  return h('div', { class: 'sim-evidence', dataset: { testid: 'similarity' } },
    h('h3', null, tr('sim')),
    h('p', { class: 'muted small' }, tr('sim_intro')),
    h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => { replace(body, loading()); load(true); } }, tr('sim_recompute'))),
    body);
}

function tenderEvidence(ctx, id, onLead) {
  const body = h('div', { class: 'tender-form' }, loading());
  const el = card(tr('evidence', { code: '#' + id }), 'sup-evidence', body);
  el.dataset.testid = 'evidence';
  const alert = alertBox();
  async function load(recompute) {
    try {
      const r = recompute
        ? await api('POST', `/api/supervision/risks/${id}/recompute`, {})
        : await api('GET', `/api/supervision/risks/${id}`);
      if (!ctx.alive()) return;
      draw(r.risk);
    } catch (e) {
      if (!ctx.alive()) return;
      replace(body, h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
    }
  }
  function draw(risk) {
    const an = risk.analysis || { lots: [], flags: [] };
    el.querySelector('h2').textContent = tr('evidence', { code: risk.code });
    const flagged = new Set();
    for (const f of an.flags) if (f.kind === 'identical_prices') for (const o of f.orgs) flagged.add(o.id + ':' + f.evidence.price_fen);
    replace(
      body,
      alert.el,
      h('p', null, h('strong', null, risk.title), ' ', levelTag(risk.level), ' ',
        h('span', { class: 'badge tag', dataset: { testid: 'score' } }, `${tr('col_score')} ${risk.score}`), ' ',
        h('span', { class: 'muted small' }, formatTime(risk.computed_ms))),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => load(true) }, tr('recompute')),
        h('button', { type: 'button', class: 'btn btn-primary', dataset: { testid: 'lead-from-risk' }, onclick: () => onLead(risk) }, tr('open_lead')),
        h('a', { class: 'btn btn-ghost', href: '/supervision', 'data-link': true }, tr('back'))),
      h('h3', null, tr('flags')),
      an.flags.length ? h('ul', { class: 'plain-list', dataset: { testid: 'flags' } }, an.flags.map(flagItem)) : h('p', { class: 'muted' }, tr('flags_none')),
      an.lots.map((lot) =>
        h('div', { class: 'lot-evidence', dataset: { lot: lot.lot_no } },
          h('h3', null, tr('lot', { n: lot.lot_no })),
          plotLot(lot, flagged),
          lot.screens
            ? h('details', null, h('summary', null, tr('screens')),
                h('dl', { class: 'kv' }, Object.entries(lot.screens).map(([k, v]) => [h('dt', null, k.toUpperCase()), h('dd', { class: 'mono' }, num(v))])))
            : null,
          bidderTable(lot, an.flags))),
      similaritySection(ctx, id),
    );
    import('./sup_graph.js').then((m) => ctx.alive() && body.appendChild(m.tenderGraph(ctx, id))); // the relationship graph
  }
  load(false);
  return el;
}

// ---- expert scores ----------------------------------------------------

function expertsCard() {
  const out = h('div', { dataset: { testid: 'experts-out' } });
  const input = h('input', { type: 'file', accept: '.csv,text/csv', name: 'scores' });
  const f = field({ name: 'scores', label: tr('experts_file'), control: input });
  const alert = alertBox();
  async function run(e) {
    e.preventDefault();
    alert.clear();
    const file = input.files && input.files[0];
    if (!file) {
      f.setError(t('err.missing_field'));
      return;
    }
    f.setError(null);
    replace(out, loading());
    try {
      const r = await api('POST', '/api/supervision/experts-bias', file, { contentType: 'text/csv' });
      drawExperts(out, r);
    } catch (err) {
      replace(out);
      alert.show(errorText(err) + (err.message && err.message !== err.code ? ' — ' + err.message : ''));
    }
  }
  return card(tr('experts_upload'), 'sup-experts',
    h('p', { class: 'muted small' }, tr('experts_intro')),
    h('form', { onsubmit: run, novalidate: true }, alert.el, f.el,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, tr('experts_run')))),
    out);
}

// The stored scores' analysis: the flagged expert-firm pairs with their
// cases, the ids named (GET /api/supervision/experts/bias).
function expertPatternsCard(ctx) {
  const out = h('div', { dataset: { testid: 'patterns-out' } }, loading());
  (async () => {
    try {
      const r = await api('GET', '/api/supervision/experts/bias');
      if (!ctx.alive()) return;
      drawExperts(out, r.report, r.names, h('p', { class: 'muted small', dataset: { testid: 'patterns-source' } },
        tr('experts_source', { evals: r.source.evaluations, scores: r.source.scores })));
    } catch (e) {
      if (ctx.alive()) replace(out, h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
    }
  })();
  return card(tr('experts_patterns'), 'sup-patterns', h('p', { class: 'muted small' }, tr('experts_patterns_intro')), out);
}

// names (the stored analysis): {tenders: {id: {code, title}}, experts:
// {id: name}, firms: {id: name}}; an uploaded file's ids stand as they are.
function drawExperts(out, r, names, head) {
  const st = r.stats || {};
  const rows = r.flags || [];
  const nm = names || { tenders: {}, experts: {}, firms: {} };
  const expert = (id) => nm.experts[id] || id;
  const firm = (id) => nm.firms[id] || id;
  const tender = (id) => {
    const x = nm.tenders[id];
    return x ? h('a', { href: '/tender?id=' + encodeURIComponent(id), 'data-link': true }, h('span', { class: 'mono small' }, x.code), ' ', x.title) : id;
  };
  replace(
    out,
    head || null,
    h('p', { class: 'muted' }, tr('experts_summary', { rows: st.rows, pairs: st.pairs_tested, thr: num(st.threshold, 6) })),
    rows.length
      ? [
          table(
            [
              { label: tr('col_expert'), render: (p) => expert(p.expert) },
              { label: tr('col_firm'), render: (p) => firm(p.firm) },
              { label: tr('col_tenders'), render: (p) => String(p.tenders) },
              { label: tr('col_dev'), render: (p) => num(p.mean_deviation, 2) },
              { label: tr('col_p'), render: (p) => num(p.p_value, 6) },
            ],
            rows.map((p, i) => ({ ...p, id: i })),
            tr('experts'),
          ),
          rows.map((p) =>
            h('details', { dataset: { testid: 'cases' } }, h('summary', null, `${tr('cases')}：${expert(p.expert)} → ${firm(p.firm)}`),
              table(
                [
                  { label: tr('col_case_tender'), render: (c) => tender(c.tender) },
                  { label: tr('col_case_score'), render: (c) => num(c.score, 2) },
                  { label: tr('col_case_panel'), render: (c) => num(c.panel_mean, 2) },
                  { label: tr('col_case_dev'), render: (c) => num(c.deviation, 2) },
                ],
                p.cases,
                tr('cases'),
              ))),
        ]
      : h('p', { class: 'alert alert-ok' }, tr('experts_none')),
  );
}

// ---- leads ------------------------------------------------------------

function statusTag(st) {
  return h('span', { class: 'badge tag ' + (st === 'closed' ? 'tag-ok' : st === 'transferred' ? 'tag-kind' : 'tag-danger'), dataset: { status: st } }, tr('status_' + st));
}

function leadsCard(ctx, prefill) {
  const list = h('div', null, loading());
  const fTender = field({ name: 'tender_id', label: tr('lead_tender'), required: true, inputmode: 'numeric' });
  const fTitle = field({ name: 'title', label: tr('lead_title'), required: true, maxlength: 200 });
  if (prefill) {
    fTender.input.value = String(prefill.tender_id);
    fTitle.input.value = prefill.title;
  }
  const alert = alertBox();
  async function create(e) {
    e.preventDefault();
    alert.clear();
    try {
      const r = await api('POST', '/api/leads', {
        tender_id: Number.parseInt(fTender.input.value, 10) || 0,
        title: fTitle.input.value.trim(),
        source: prefill ? 'warning' : 'manual',
      });
      ctx.navigate('/supervision?lead=' + r.lead.id);
    } catch (err) {
      showFormError(err, { tender_id: fTender, title: fTitle }, alert);
    }
  }
  (async () => {
    try {
      const r = await api('GET', withQuery('/api/leads', { limit: 50 }));
      if (!ctx.alive()) return;
      replace(
        list,
        r.items.length
          ? table(
              [
                { label: '#', render: (l) => h('a', { href: '/supervision?lead=' + l.id, 'data-link': true }, '#' + l.id) },
                { label: tr('lead_title'), render: (l) => l.title },
                { label: tr('col_tender'), render: (l) => h('span', null, h('span', { class: 'mono small' }, l.tender_code), ' ', l.tender_title) },
                { label: tr('col_status_lead'), render: (l) => statusTag(l.status) },
                { label: tr('col_opened'), render: (l) => formatTime(l.opened_ms), class: 'nowrap' },
              ],
              r.items,
              tr('leads'),
            )
          : emptyState(tr('leads_empty')),
      );
    } catch (err) {
      if (ctx.alive()) replace(list, h('p', { class: 'alert alert-error' }, errorText(err)));
    }
  })();
  return card(tr('leads'), 'sup-leads', list,
    h('details', { open: prefill ? true : null, dataset: { testid: 'lead-new' } }, h('summary', null, tr('lead_new')),
      h('form', { onsubmit: create, novalidate: true }, alert.el, h('div', { class: 'form-grid' }, fTender.el, fTitle.el),
        h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, tr('lead_create'))))));
}

function leadView(ctx, id) {
  // tender-form: the shared look of h3 and textareas in long forms (app.css)
  const body = h('div', { class: 'tender-form' }, loading());
  const el = card(tr('lead', { id, title: '' }), 'sup-lead', body);
  el.dataset.testid = 'lead';
  async function load() {
    try {
      const r = await api('GET', `/api/leads/${id}`);
      if (ctx.alive()) draw(r);
    } catch (e) {
      if (ctx.alive()) replace(body, h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
    }
  }
  function draw(r) {
    const l = r.lead;
    const closed = l.status === 'closed';
    el.querySelector('h2').textContent = tr('lead', { id: l.id, title: l.title });
    const alert = alertBox();
    const step = async (fn, fields) => {
      alert.clear();
      try {
        await fn();
        ctx.refresh(); // the lead and the list of leads as they are now
      } catch (err) {
        showFormError(err, fields || {}, alert);
      }
    };
    const fNote = field({ name: 'text', label: tr('note'), control: h('textarea', { rows: 3, maxlength: 20000 }) });
    const fileIn = h('input', { type: 'file' });
    const fFile = field({ name: 'name', label: tr('file'), control: fileIn });
    const bodies = ['body_discipline', 'body_audit', 'body_police', 'body_finance'].map(tr);
    const dl = h('datalist', { id: 'lead-bodies' }, bodies.map((b) => h('option', { value: b })));
    const toIn = h('input', { list: 'lead-bodies', maxlength: 200, autocomplete: 'off' });
    const fTo = field({ name: 'to', label: tr('transfer_to'), required: true, control: toIn });
    const fOn = field({ name: 'on', label: tr('transfer_on'), required: true, type: 'date' });
    fOn.input.value = new Date().toISOString().slice(0, 10);
    const fTNote = field({ name: 'note', label: tr('transfer_note') });
    const fReason = field({ name: 'reason', label: tr('close_reason'), required: true, control: h('textarea', { rows: 2 }) });
    replace(
      body,
      alert.el,
      h('dl', { class: 'kv' },
        h('dt', null, tr('col_tender')), h('dd', null, h('a', { href: '/supervision?tender=' + l.tender_id, 'data-link': true }, l.tender_code), ' ', l.tender_title),
        h('dt', null, tr('col_status_lead')), h('dd', { dataset: { testid: 'lead-status' } }, statusTag(l.status), ' ', h('span', { class: 'muted small' }, tr('lead_source_' + l.source))),
        l.transferred_to ? [h('dt', null, tr('transfer')), h('dd', null, tr('transferred', { to: l.transferred_to, on: l.transferred_on }))] : null,
        l.close_reason ? [h('dt', null, tr('close')), h('dd', null, l.close_reason)] : null),
      h('p', null, h('a', { class: 'btn btn-primary', href: `/api/leads/${l.id}/package`, download: `lead-${l.id}-evidence.zip`, dataset: { testid: 'package' } }, tr('package'))),
      h('p', { class: 'muted small' }, tr('package_hint')),
      h('h3', null, tr('evidence_list')),
      r.evidence.length
        ? h('ul', { class: 'plain-list', dataset: { testid: 'evidence-list' } }, r.evidence.map((e) =>
            h('li', null, h('span', { class: 'badge tag' }, tr('ev_' + e.kind)), ' ', e.name || e.text || '', ' ',
              h('span', { class: 'mono small muted wrap-any' }, 'SHA-256 ' + e.sha256.slice(0, 16) + '…'), ' ', h('span', { class: 'muted small' }, formatTime(e.added_ms)))))
        : h('p', { class: 'muted' }, tr('evidence_none')),
      closed
        ? null
        : [
            h('h3', null, tr('attach')),
            h('form', { novalidate: true, onsubmit: (e) => { e.preventDefault(); step(() => api('POST', `/api/leads/${l.id}/notes`, { text: fNote.input.value }), { text: fNote }); } },
              fNote.el, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, tr('note_add')))),
            h('form', { novalidate: true, onsubmit: (e) => {
                e.preventDefault();
                const file = fileIn.files && fileIn.files[0];
                if (!file) { fFile.setError(t('err.missing_field')); return; }
                step(() => api('POST', withQuery(`/api/leads/${l.id}/files`, { name: file.name, type: file.type || 'application/octet-stream' }), file, { contentType: file.type || 'application/octet-stream' }), { name: fFile });
              } },
              fFile.el, h('div', { class: 'form-actions' },
                h('button', { type: 'submit', class: 'btn btn-secondary' }, tr('file_add')),
                h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => step(() => api('POST', `/api/leads/${l.id}/flags`, {})) }, tr('flags_add')))),
            l.status === 'open'
              ? [h('h3', null, tr('transfer')),
                 h('form', { novalidate: true, dataset: { testid: 'transfer' }, onsubmit: (e) => {
                     e.preventDefault();
                     step(() => api('POST', `/api/leads/${l.id}/transfer`, { to: toIn.value.trim(), on: fOn.input.value, note: fTNote.input.value.trim() || null }), { to: fTo, on: fOn, note: fTNote });
                   } },
                   dl, h('div', { class: 'form-grid' }, fTo.el, fOn.el, fTNote.el),
                   h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, tr('transfer_do'))))]
              : null,
            h('h3', null, tr('close')),
            h('form', { novalidate: true, dataset: { testid: 'close' }, onsubmit: (e) => { e.preventDefault(); step(() => api('POST', `/api/leads/${l.id}/close`, { reason: fReason.input.value.trim() }), { reason: fReason }); } },
              fReason.el, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-danger' }, tr('close_do')))),
          ],
      h('details', null, h('summary', null, tr('history')),
        h('ol', { class: 'plain-list small', dataset: { testid: 'history' } }, r.history.map((s2) =>
          h('li', null, h('span', { class: 'muted' }, formatTime(s2.at_ms)), ' ', h('code', { class: 'code-sm' }, s2.action), ' ', s2.actor)))),
    );
  }
  load();
  return el;
}

// ---- the page ---------------------------------------------------------

export function render(ctx) {
  const tenderId = Number.parseInt(ctx.params.get('tender') || '', 10);
  const leadId = Number.parseInt(ctx.params.get('lead') || '', 10);
  const live = h('p', { class: 'muted small', role: 'status', dataset: { testid: 'live' } }, tr('live_off'));
  const warnList = h('div', null, loading());
  const riskList = h('div', null, loading());
  let prefill = null;
  const leadsSlot = h('div');

  const onLead = (risk) => {
    prefill = { tender_id: risk.tender_id, title: `${risk.code} ${risk.title}`.slice(0, 200) };
    replace(leadsSlot, leadsCard(ctx, prefill));
    leadsSlot.scrollIntoView({ block: 'start' });
  };

  async function loadRisks() {
    try {
      const r = await api('GET', withQuery('/api/supervision/risks', { limit: 100 }));
      if (!ctx.alive()) return;
      const warn = r.items.filter((x) => x.score >= r.warn_score);
      replace(
        warnList,
        warn.length
          ? h('ul', { class: 'plain-list', dataset: { testid: 'warnings' } }, warn.map((x) =>
              h('li', { class: 'alert ' + (x.level === 'high' ? 'alert-error' : 'alert-info') },
                levelTag(x.level), ' ', h('a', { href: '/supervision?tender=' + x.tender_id, 'data-link': true }, h('span', { class: 'mono small' }, x.code), ' ', x.title),
                ' ', h('strong', null, String(x.score)), ' ',
                h('button', { type: 'button', class: 'btn btn-small', onclick: () => onLead(x) }, tr('open_lead')))))
          : emptyState(tr('warnings_empty')),
      );
      replace(
        riskList,
        r.items.length
          ? table(
              [
                { label: tr('col_tender'), render: (x) => h('span', null, h('span', { class: 'mono small' }, x.code), ' ', x.title) },
                { label: tr('col_score'), render: (x) => h('strong', null, String(x.score)) },
                { label: tr('col_level'), render: (x) => levelTag(x.level) },
                { label: tr('col_when'), render: (x) => formatTime(x.computed_ms), class: 'nowrap' },
                { label: tr('col_action'), render: (x) => h('a', { class: 'btn btn-small btn-secondary', href: '/supervision?tender=' + x.tender_id, 'data-link': true }, tr('view')) },
              ],
              r.items.map((x) => ({ ...x, id: x.tender_id })),
              tr('risks'),
            )
          : emptyState(tr('risks_empty')),
      );
    } catch (e) {
      if (!ctx.alive()) return;
      replace(riskList, h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
      replace(warnList);
    }
  }

  // live warnings: the supervision topic (supervisors only); closed when
  // the page is left (ctx.alive() turns false)
  const flash = h('div', { 'aria-live': 'polite', dataset: { testid: 'flash' } });
  let es = null;
  try {
    es = new EventSource('/api/events?topic=supervision');
    es.onopen = () => { live.textContent = tr('live_on'); live.dataset.state = 'on'; };
    es.onerror = () => { if (ctx.alive()) { live.textContent = tr('live_off'); live.dataset.state = 'off'; } };
    es.addEventListener('risk.warning', (ev) => {
      if (!ctx.alive()) { es.close(); return; }
      try {
        const w = JSON.parse(ev.data);
        replace(flash, h('p', { class: 'alert alert-error', role: 'alert' }, tr('warning_new', { code: w.code, title: w.title, score: w.score })));
      } catch { /* a malformed event is ignored */ }
      loadRisks();
    });
    const stop = setInterval(() => { if (!ctx.alive()) { es.close(); clearInterval(stop); } }, 1000);
  } catch {
    es = null;
  }

  loadRisks();
  replace(leadsSlot, leadsCard(ctx, null));
  return h(
    'section',
    { class: 'page', dataset: { page: 'supervision' } },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, tr('title')), h('p', { class: 'muted' }, tr('intro')), live)),
    flash,
    Number.isFinite(leadId) && leadId > 0 ? leadView(ctx, leadId) : null,
    Number.isFinite(tenderId) && tenderId > 0 ? tenderEvidence(ctx, tenderId, onLead) : null,
    card(tr('warnings'), 'sup-warnings', warnList),
    card(tr('risks'), 'sup-risks', riskList),
    leadsSlot,
    expertPatternsCard(ctx),
    expertsCard(),
  );
}
