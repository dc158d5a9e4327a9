// pages/supervision.js — 监管工作台 (supervisors): warnings (异常行为预警) as
// they happen (SSE topic "supervision"), tenders by risk score, one tender's
// evidence (its bids plotted per lot with the price screens, every flag with
// its rule and evidence, the shared machine fingerprints, certificates and
// addresses), the expert-score analysis of an uploaded scores file, and the
// leads workflow (线索: open, attach, transfer 移送, close, export the
// evidence package). docs/supervision.md describes the rules.
//
// The page's own strings are in S below (zh-CN and en); error codes go
// through i18n.js like everywhere else. Query: ?tender=ID shows a tender's
// evidence, ?lead=ID a lead.

import { api, withQuery } from '../api.js';
import { h, replace, field, alertBox, showFormError, table, emptyState, loading } from '../dom.js';
import { t, getLang, errorText, formatTime } from '../i18n.js';

const S = {
  'zh-CN': {
    title: '监管工作台',
    intro: '开标封存后自动计算每个项目的风险分与预警；每条预警都列出依据的规则和证据。',
    live_on: '实时预警已连接',
    live_off: '实时预警未连接，正在重试…',
    warnings: '异常行为预警',
    warnings_empty: '暂无预警',
    warning_new: '新预警：{code} {title}（风险分 {score}）',
    risks: '项目风险排序',
    risks_empty: '暂无已评估的项目（开标记录封存后自动评估）',
    col_tender: '项目',
    col_score: '风险分',
    col_level: '等级',
    col_when: '评估时间',
    col_action: '操作',
    view: '查看证据',
    open_lead: '立为线索',
    level_none: '无',
    level_low: '关注',
    level_high: '高风险',
    evidence: '证据：{code}',
    back: '返回列表',
    recompute: '重新计算',
    lot: '标段 {n}',
    plot_label: '标段 {n} 报价分布图',
    ceiling: '最高限价',
    screens: '价格筛查指标',
    flags: '风险标记',
    flags_none: '未发现风险标记',
    rule: '规则',
    weight: '权重',
    orgs: '涉及投标人',
    ev: '证据',
    bidders: '投标人及上传信息',
    col_org: '投标人',
    col_status: '状态',
    col_price: '报价（元）',
    col_host: '机器指纹',
    col_cert: '签名证书',
    col_ip: '上传地址',
    shared: '相同',
    unknown: '未知',
    kind_identical_prices: '报价完全相同',
    kind_arithmetic_progression: '报价呈等差数列',
    kind_near_ceiling: '报价贴近最高限价',
    kind_low_cv: '报价离散度过低',
    kind_same_machine: '同一台机器制作投标文件',
    kind_same_certificate: '使用同一签名证书',
    kind_same_upload_ip: '从同一地址上传',
    kind_linked_bidders: '投标人之间存在关联',
    experts: '专家评分分析',
    experts_intro: '上传评分表（CSV：tender_id,expert_id,firm_id,score）。对每位专家与每家企业，检验该专家给该企业的评分相对评委会其他成员的偏离是否显著高于其对同一项目其他企业的偏离（项目内置换检验，Bonferroni 校正）。',
    experts_file: '评分文件',
    experts_run: '开始分析',
    experts_summary: '{rows} 条评分，{pairs} 对专家-企业接受检验，显著阈值 p ≤ {thr}',
    experts_none: '未发现显著偏向',
    col_expert: '专家',
    col_firm: '企业',
    col_tenders: '共同项目',
    col_dev: '平均偏离（分）',
    col_p: 'p 值',
    cases: '依据案例',
    col_case_tender: '项目',
    col_case_score: '该专家评分',
    col_case_panel: '其他评委均分',
    col_case_dev: '偏离',
    leads: '线索处置',
    leads_empty: '暂无线索',
    lead_new: '新建线索',
    lead_tender: '项目编号（ID）',
    lead_title: '线索标题',
    lead_create: '立案',
    lead: '线索 #{id}：{title}',
    status_open: '办理中',
    status_transferred: '已移送',
    status_closed: '已办结',
    lead_source_warning: '来自预警',
    lead_source_manual: '人工立案',
    col_status_lead: '状态',
    col_opened: '立案时间',
    attach: '添加材料',
    note: '文字说明',
    note_add: '添加说明',
    file: '文件',
    file_add: '上传文件',
    flags_add: '附加当前风险标记快照',
    evidence_list: '已附材料',
    evidence_none: '尚无材料',
    ev_note: '说明',
    ev_file: '文件',
    ev_flags: '风险标记快照',
    transfer: '移送',
    transfer_to: '移送机关',
    transfer_on: '移送日期',
    transfer_note: '备注',
    transfer_do: '确认移送',
    transferred: '已于 {on} 移送至 {to}',
    close: '办结',
    close_reason: '办结意见',
    close_do: '办结',
    package: '导出证据包（ZIP）',
    package_hint: '证据包含风险标记、文件哈希清单、所附材料、见证证书及带 SHA-256 的清单。',
    history: '办理记录',
    saved: '已保存',
    body_discipline: '纪检监察机关',
    body_audit: '审计机关',
    body_police: '公安机关',
    body_finance: '财政部门',
    bid_opened: '已解密',
    bid_pending: '待解密',
    bid_revoked: '已撤销',
    bid_withdrawn: '已撤回',
    evk_price_fen: '报价（元）',
    evk_bids: '投标数',
    evk_gap_fen: '级差（元）',
    evk_ceiling_fen: '最高限价（元）',
    evk_cv: '变异系数 CV',
    evk_threshold: '阈值',
    evk_host_hash: '主机指纹',
    evk_mac_hash: '网卡指纹',
    evk_signer_fp: '签名证书指纹',
    evk_remote_addr: '上传地址',
    evk_legal_rep: '法定代表人',
    evk_phone: '电话',
    evk_email: '电子邮箱',
    evk_address: '地址',
  },
  en: {
    title: 'Supervision',
    intro: 'Each tender gets a risk score and warnings once its opening is sealed; every warning lists the rule and the evidence behind it.',
    live_on: 'Live warnings connected',
    live_off: 'Live warnings disconnected, retrying…',
    warnings: 'Abnormal-behaviour warnings',
    warnings_empty: 'No warnings',
    warning_new: 'New warning: {code} {title} (score {score})',
    risks: 'Tenders by risk',
    risks_empty: 'No tender assessed yet (a tender is assessed when its opening record is sealed)',
    col_tender: 'Tender',
    col_score: 'Score',
    col_level: 'Level',
    col_when: 'Assessed',
    col_action: 'Action',
    view: 'Evidence',
    open_lead: 'Open a lead',
    level_none: 'None',
    level_low: 'Watch',
    level_high: 'High',
    evidence: 'Evidence: {code}',
    back: 'Back to the list',
    recompute: 'Recompute',
    lot: 'Lot {n}',
    plot_label: 'Bids of lot {n}',
    ceiling: 'Ceiling',
    screens: 'Price screens',
    flags: 'Flags',
    flags_none: 'No flags',
    rule: 'Rule',
    weight: 'Weight',
    orgs: 'Bidders',
    ev: 'Evidence',
    bidders: 'Bidders and uploads',
    col_org: 'Bidder',
    col_status: 'Status',
    col_price: 'Price (yuan)',
    col_host: 'Machine',
    col_cert: 'Certificate',
    col_ip: 'Upload address',
    shared: 'shared',
    unknown: 'unknown',
    kind_identical_prices: 'Identical prices',
    kind_arithmetic_progression: 'Prices in arithmetic progression',
    kind_near_ceiling: 'Prices hugging the ceiling',
    kind_low_cv: 'Prices bunched together',
    kind_same_machine: 'Bids prepared on one machine',
    kind_same_certificate: 'One signing certificate',
    kind_same_upload_ip: 'Uploaded from one address',
    kind_linked_bidders: 'Linked bidders',
    experts: 'Expert scores',
    experts_intro: 'Upload a scores table (CSV: tender_id,expert_id,firm_id,score). For each expert and firm, a permutation test within tenders asks whether the expert scores the firm above the rest of the panel more than the other firms of the same tenders (Bonferroni-corrected).',
    experts_file: 'Scores file',
    experts_run: 'Analyse',
    experts_summary: '{rows} scores, {pairs} expert-firm pairs tested, flagged at p ≤ {thr}',
    experts_none: 'No expert favours a firm',
    col_expert: 'Expert',
    col_firm: 'Firm',
    col_tenders: 'Tenders',
    col_dev: 'Mean deviation (points)',
    col_p: 'p-value',
    cases: 'Cases',
    col_case_tender: 'Tender',
    col_case_score: 'Expert’s score',
    col_case_panel: 'Panel mean',
    col_case_dev: 'Deviation',
    leads: 'Leads',
    leads_empty: 'No leads',
    lead_new: 'New lead',
    lead_tender: 'Tender ID',
    lead_title: 'Title',
    lead_create: 'Open',
    lead: 'Lead #{id}: {title}',
    status_open: 'Open',
    status_transferred: 'Transferred',
    status_closed: 'Closed',
    lead_source_warning: 'From a warning',
    lead_source_manual: 'By hand',
    col_status_lead: 'Status',
    col_opened: 'Opened',
    attach: 'Attach evidence',
    note: 'Note',
    note_add: 'Add note',
    file: 'File',
    file_add: 'Upload file',
    flags_add: 'Attach a snapshot of the flags',
    evidence_list: 'Evidence',
    evidence_none: 'No evidence yet',
    ev_note: 'Note',
    ev_file: 'File',
    ev_flags: 'Flags snapshot',
    transfer: 'Transfer',
    transfer_to: 'To (body)',
    transfer_on: 'Date',
    transfer_note: 'Remarks',
    transfer_do: 'Transfer',
    transferred: 'Transferred to {to} on {on}',
    close: 'Close',
    close_reason: 'Conclusion',
    close_do: 'Close the lead',
    package: 'Export the evidence package (ZIP)',
    package_hint: 'The package holds the flags, the documents’ hashes, the attached evidence, the witness certificates and a manifest with SHA-256s.',
    history: 'History',
    saved: 'Saved',
    body_discipline: 'Discipline inspection and supervision',
    body_audit: 'Audit office',
    body_police: 'Public security',
    body_finance: 'Finance department',
    bid_opened: 'Opened',
    bid_pending: 'Pending',
    bid_revoked: 'Revoked',
    bid_withdrawn: 'Withdrawn',
    evk_price_fen: 'Price (yuan)',
    evk_bids: 'Bids',
    evk_gap_fen: 'Step (yuan)',
    evk_ceiling_fen: 'Ceiling (yuan)',
    evk_cv: 'CV',
    evk_threshold: 'Threshold',
    evk_host_hash: 'Host fingerprint',
    evk_mac_hash: 'MAC fingerprint',
    evk_signer_fp: 'Certificate fingerprint',
    evk_remote_addr: 'Upload address',
    evk_legal_rep: 'Legal representative',
    evk_phone: 'Phone',
    evk_email: 'E-mail',
    evk_address: 'Address',
  },
};

// The navigation's label (app.js).
export function navLabel() {
  return getLang() === 'en' ? 'Supervision' : '监管预警';
}

function tr(key, vars) {
  let s = (S[getLang()] || S['zh-CN'])[key];
  if (s === undefined) s = S['zh-CN'][key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (n in vars ? String(vars[n]) : m));
  return s;
}

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

function flagItem(f) {
  const ev = Object.entries(f.evidence || {}).map(([k, v]) => [h('dt', null, tr('evk_' + k) === 'evk_' + k ? k : tr('evk_' + k)), h('dd', { class: 'mono wrap-any' }, k.endsWith('_fen') ? yuan(v) : String(v))]);
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
    );
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
  return card(tr('experts'), 'sup-experts',
    h('p', { class: 'muted small' }, tr('experts_intro')),
    h('form', { onsubmit: run, novalidate: true }, alert.el, f.el,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, tr('experts_run')))),
    out);
}

function drawExperts(out, r) {
  const st = r.stats || {};
  const rows = r.flags || [];
  replace(
    out,
    h('p', { class: 'muted' }, tr('experts_summary', { rows: st.rows, pairs: st.pairs_tested, thr: num(st.threshold, 6) })),
    rows.length
      ? [
          table(
            [
              { label: tr('col_expert'), render: (p) => p.expert },
              { label: tr('col_firm'), render: (p) => p.firm },
              { label: tr('col_tenders'), render: (p) => String(p.tenders) },
              { label: tr('col_dev'), render: (p) => num(p.mean_deviation, 2) },
              { label: tr('col_p'), render: (p) => num(p.p_value, 6) },
            ],
            rows.map((p, i) => ({ ...p, id: i })),
            tr('experts'),
          ),
          rows.map((p) =>
            h('details', { dataset: { testid: 'cases' } }, h('summary', null, `${tr('cases')}：${p.expert} → ${p.firm}`),
              table(
                [
                  { label: tr('col_case_tender'), render: (c) => c.tender },
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
    expertsCard(),
  );
}
