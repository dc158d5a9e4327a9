// pages/sup_graph.js — the relationship graph of a tender, drawn
// (GET /api/supervision/tenders/:id/graph; docs/supervision.md,
// "Relationship records and the tender graph").
//
// drawGraph(graph) turns the API's nodes and edges into an SVG: the
// organisations as circles (the tender's bidders blue, organisations one
// hop out grey; bidders that share a connected component with another
// bidder red and ringed), the shared keys as small squares coloured by
// kind (a person, a phone, an e-mail, an address, a bank account), and
// each edge labelled with the role or kind of the key at that organisation
// (项目经理, 银行账号 …). The layout is a plain force layout (Fruchterman and
// Reingold) started from a circle in id order, with a fixed number of
// steps and no randomness: the same graph is always drawn the same way.
// The drawing scales to the card (viewBox), and the same facts are listed
// as text under it for a phone and a screen reader.
//
// tenderGraph(ctx, id) is the card the supervision dashboard mounts in a
// tender's evidence: it loads the graph and shows the drawing, the linked
// bidders of each lot, the components and the across-tender patterns
// (co-bidding, rotation, cover bidding).

import { api } from '../api.js';
import { h, replace, loading } from '../dom.js';
import { getLang, errorText } from '../i18n.js';

const S = {
  'zh-CN': {
    title: '关系图谱',
    intro: '投标人及与其共享人员、电话、邮箱、地址或银行账号的单位（向外一层）。',
    bidder: '投标人',
    org: '关联单位',
    ring: '同一关联体的投标人',
    person: '人员',
    phone: '电话',
    email: '邮箱',
    address: '地址',
    bank_account: '银行账号',
    legal_rep: '法定代表人',
    shareholder: '股东',
    manager: '高管',
    key_staff: '项目经理/关键人员',
    other: '其他',
    none: '未发现投标人之间的关联。',
    links: '共享关系',
    linked: '第 {n} 标段的关联投标人',
    components: '关联体',
    component: '关联体 {n}：{orgs}',
    patterns: '跨项目行为（本平台已开标项目，{bids} 条投标）',
    cobid: '经常同场投标：{a} 与 {b}，共 {n} 次',
    rotation: '疑似轮流中标：{orgs}（{lots} 个标段，p = {p}）',
    cover: '疑似陪标：{org}，{bids} 次投标从未中标，平均名次 {rank}，受益方 {b}',
    patterns_none: '未发现经常同场、轮流中标或陪标的情形。',
    source_self: '自行申报',
    source_import: '监管导入',
    source_supervisor: '监管录入',
    source_register: '登记信息',
    label: '关系图：{n} 个节点，{e} 条连线',
  },
  en: {
    title: 'Relationship graph',
    intro: 'The bidders and the organisations (one hop out) that share a person, phone, e-mail, address or bank account with them.',
    bidder: 'Bidder',
    org: 'Linked organisation',
    ring: 'Bidders in one linked group',
    person: 'Person',
    phone: 'Phone',
    email: 'E-mail',
    address: 'Address',
    bank_account: 'Bank account',
    legal_rep: 'Legal rep.',
    shareholder: 'Shareholder',
    manager: 'Manager',
    key_staff: 'Key staff',
    other: 'Other',
    none: 'No links between the bidders were found.',
    links: 'Shared keys',
    linked: 'Linked bidders in lot {n}',
    components: 'Linked groups',
    component: 'Group {n}: {orgs}',
    patterns: 'Across tenders (opened tenders on this platform, {bids} bids)',
    cobid: 'Often bid together: {a} and {b}, {n} times',
    rotation: 'Possible bid rotation: {orgs} ({lots} lots, p = {p})',
    cover: 'Possible cover bidding: {org}, {bids} bids never won, mean rank {rank}, beneficiary {b}',
    patterns_none: 'No frequent co-bidding, rotation or cover bidding was found.',
    source_self: 'self-declared',
    source_import: 'imported',
    source_supervisor: 'entered by a supervisor',
    source_register: 'register',
    label: 'Relationship graph: {n} nodes, {e} edges',
  },
};

function tr(key, vars) {
  let s = (S[getLang()] || S['zh-CN'])[key];
  if (s === undefined) s = S['zh-CN'][key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (n in vars ? String(vars[n]) : m));
  return s;
}

// Colours by node type (keys by kind); bidders of a shared component red.
const COLOUR = {
  bidder: '#0b4a8b',
  ring: '#b3261e',
  org: '#6b7785',
  person: '#a15c00',
  phone: '#2e7d32',
  email: '#6a1b9a',
  address: '#00838f',
  bank_account: '#ad1457',
};

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of kids) if (c) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

const clip = (str, n) => (str && str.length > n ? str.slice(0, n) + '…' : str || '');

// The components holding two or more of the tender's bidders.
export function ringComponents(g) {
  const set = new Set();
  for (const c of g.components || []) if ((c.bidders || []).length >= 2) set.add(c.id);
  return set;
}

// Positions for the nodes: a deterministic force layout in a w × h box.
export function layout(nodes, edges, w, hgt) {
  const n = nodes.length;
  const idx = new Map(nodes.map((nd, i) => [nd.id, i]));
  const pos = nodes.map((_, i) => {
    const a = (2 * Math.PI * i) / Math.max(n, 1) - Math.PI / 2;
    return { x: w / 2 + Math.cos(a) * w * 0.36, y: hgt / 2 + Math.sin(a) * hgt * 0.36 };
  });
  if (n < 2) {
    if (n === 1) pos[0] = { x: w / 2, y: hgt / 2 };
    return pos;
  }
  const E = edges.map((e) => [idx.get(e.from), idx.get(e.to)]).filter(([a, b]) => a !== undefined && b !== undefined);
  const k = Math.sqrt((w * hgt) / n) * 0.8;
  const steps = 300;
  const mx = Math.min(56, w * 0.12), my = 24; // room for the labels
  for (let it = 0; it < steps; it++) {
    const temp = (w / 8) * (1 - it / steps) + 0.5;
    const d = pos.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y;
        let dist = Math.hypot(dx, dy);
        if (dist < 0.01) { dx = 0.01 * (j - i); dy = 0.01; dist = Math.hypot(dx, dy); }
        const f = (k * k) / dist;
        d[i].x += (dx / dist) * f; d[i].y += (dy / dist) * f;
        d[j].x -= (dx / dist) * f; d[j].y -= (dy / dist) * f;
      }
    }
    for (const [a, b] of E) {
      const dx = pos[a].x - pos[b].x, dy = pos[a].y - pos[b].y;
      const dist = Math.max(Math.hypot(dx, dy), 0.01);
      const f = (dist * dist) / k;
      d[a].x -= (dx / dist) * f; d[a].y -= (dy / dist) * f;
      d[b].x += (dx / dist) * f; d[b].y += (dy / dist) * f;
    }
    for (let i = 0; i < n; i++) {
      const len = Math.max(Math.hypot(d[i].x, d[i].y), 0.01);
      pos[i].x = Math.min(w - mx, Math.max(mx, pos[i].x + (d[i].x / len) * Math.min(len, temp)));
      pos[i].y = Math.min(hgt - my - 8, Math.max(my, pos[i].y + (d[i].y / len) * Math.min(len, temp)));
    }
  }
  return pos;
}

function keyLabel(nd) {
  if (nd.type === 'person') return clip(nd.name || nd.value, 8);
  return clip(nd.value, 14);
}

// The SVG of a graph as the API returns it, drawn at `width` pixels (the
// card's width, 300..720) so that its text keeps its size on a phone.
export function drawGraph(g, width) {
  const nodes = g.nodes || [];
  const edges = g.edges || [];
  const rings = ringComponents(g);
  const W = Math.round(Math.max(300, Math.min(720, width || 480)));
  const H = Math.round(Math.max(300, Math.min(W * 0.9, 220 + nodes.length * 24)));
  const pos = layout(nodes, edges, W, H);
  const at = new Map(nodes.map((nd, i) => [nd.id, pos[i]]));
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    class: 'rel-graph',
    'aria-label': tr('label', { n: nodes.length, e: edges.length }),
    'data-testid': 'rel-graph-svg',
  });
  const gEdges = s('g', { 'data-layer': 'edges' });
  const gLabels = s('g', { 'data-layer': 'edge-labels' });
  for (const e of edges) {
    const a = at.get(e.from), b = at.get(e.to);
    if (!a || !b) continue;
    const ringEdge = nodes.find((nd) => nd.id === e.from && nd.type === 'bidder' && rings.has(nd.component));
    gEdges.appendChild(s('line', { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1), stroke: ringEdge ? '#d9837c' : '#b8c3d1', 'stroke-width': ringEdge ? 2 : 1.2, 'data-kind': e.kind }));
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
    gLabels.appendChild(s('text', { x: mx.toFixed(1), y: (my - 3).toFixed(1), 'font-size': 9.5, fill: '#3c4650', 'text-anchor': 'middle', 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3, 'data-edge-label': e.kind }, tr(e.kind)));
  }
  svg.appendChild(gEdges);
  svg.appendChild(gLabels);
  for (const nd of nodes) {
    const p = at.get(nd.id);
    const isOrg = nd.type === 'bidder' || nd.type === 'org';
    const ring = nd.type === 'bidder' && rings.has(nd.component);
    const colour = ring ? COLOUR.ring : COLOUR[nd.type] || '#555';
    const grp = s('g', { 'data-node': nd.id, 'data-type': nd.type, 'data-ring': ring ? '1' : undefined });
    if (isOrg) {
      if (ring) grp.appendChild(s('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 15, fill: 'none', stroke: COLOUR.ring, 'stroke-width': 2 }));
      grp.appendChild(s('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: nd.type === 'bidder' ? 10 : 8, fill: colour, stroke: '#fff', 'stroke-width': 1.5 }));
    } else {
      grp.appendChild(s('rect', { x: (p.x - 6).toFixed(1), y: (p.y - 6).toFixed(1), width: 12, height: 12, rx: 2, fill: colour, stroke: '#fff', 'stroke-width': 1.5 }));
    }
    const text = isOrg ? clip(nd.name || '#' + nd.org_id, 10) : keyLabel(nd);
    const anchor = p.x < W * 0.18 ? 'start' : p.x > W * 0.82 ? 'end' : 'middle'; // keep it inside
    const tx = anchor === 'start' ? p.x - 12 : anchor === 'end' ? p.x + 12 : p.x;
    grp.appendChild(s('text', { x: tx.toFixed(1), y: (p.y + (isOrg ? 24 : 18)).toFixed(1), 'font-size': isOrg ? 12 : 10.5, 'font-weight': nd.type === 'bidder' ? 600 : 400, fill: '#1d2733', 'text-anchor': anchor, 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3 }, text));
    grp.appendChild(s('title', null, isOrg ? `${nd.name || ''} (${tr(nd.type)})` : `${tr(nd.type)}: ${nd.name ? nd.name + ' ' : ''}${nd.value}`));
    svg.appendChild(grp);
  }
  return svg;
}

function legend(g) {
  const kinds = new Set((g.nodes || []).map((nd) => nd.type));
  const items = [['bidder', COLOUR.bidder], ['ring', COLOUR.ring], ['org', COLOUR.org]]
    .concat(['person', 'phone', 'email', 'address', 'bank_account'].filter((k) => kinds.has(k)).map((k) => [k, COLOUR[k]]));
  return h('p', { class: 'small', dataset: { testid: 'rel-graph-legend' } },
    items.map(([k, c]) => {
      const sw = s('svg', { width: 12, height: 12, 'aria-hidden': 'true' }, s('rect', { x: 1, y: 1, width: 10, height: 10, rx: k === 'bidder' || k === 'ring' || k === 'org' ? 5 : 2, fill: c }));
      return h('span', { class: 'nowrap' }, sw, ' ', tr(k), '\u2003');
    }));
}

function orgName(g, id) {
  const nd = (g.nodes || []).find((x) => x.org_id === Number(id));
  return nd && nd.name ? nd.name : '#' + id;
}

function sourceText(ev) {
  return (ev || []).map((x) => tr('source_' + x.source)).filter((v, i, a) => a.indexOf(v) === i).join('、');
}

// The facts of the drawing as text: each shared key with its holders.
function linkList(g) {
  const byKey = new Map();
  for (const e of g.edges || []) {
    if (!byKey.has(e.to)) byKey.set(e.to, []);
    byKey.get(e.to).push(e);
  }
  const items = [];
  for (const nd of g.nodes || []) {
    if (nd.type === 'bidder' || nd.type === 'org') continue;
    const es = byKey.get(nd.id) || [];
    items.push(h('li', { dataset: { key: nd.id } },
      h('strong', null, `${tr(nd.type)} ${nd.name ? nd.name + ' ' : ''}`), h('span', { class: 'mono small' }, nd.value), ' — ',
      es.map((e, i) => [i ? '；' : '', orgName(g, e.from.slice(1)), `（${tr(e.kind)}，${sourceText(e.evidence)}）`])));
  }
  return items.length ? h('ul', { class: 'plain-list small', dataset: { testid: 'rel-graph-links' } }, items) : null;
}

function patterns(g) {
  const p = g.patterns || {};
  const lines = [];
  for (const c of p.co_bidding || []) lines.push(tr('cobid', { a: orgName(g, c.a), b: orgName(g, c.b), n: c.together }));
  for (const r of p.rotation || []) lines.push(tr('rotation', { orgs: (r.orgs || []).map((o) => orgName(g, o)).join('、'), lots: r.lots, p: Number(r.p_value).toExponential(2) }));
  for (const c of p.cover_bidding || []) lines.push(tr('cover', { org: orgName(g, c.org), bids: c.bids, rank: Number(c.mean_rank).toFixed(2), b: c.beneficiary ? orgName(g, c.beneficiary) : '—' }));
  return [
    h('h4', null, tr('patterns', { bids: p.bids || 0 })),
    lines.length ? h('ul', { class: 'plain-list small', dataset: { testid: 'rel-graph-patterns' } }, lines.map((l) => h('li', null, l))) : h('p', { class: 'muted small' }, tr('patterns_none')),
  ];
}

// The card: loads the graph of tender id and draws it.
export function tenderGraph(ctx, id) {
  const body = h('div', null, loading());
  const el = h('section', { class: 'card', 'aria-labelledby': 'rel-graph-h', dataset: { testid: 'rel-graph' } },
    h('h3', { id: 'rel-graph-h' }, tr('title')), h('p', { class: 'muted small' }, tr('intro')), body);
  api('GET', `/api/supervision/tenders/${id}/graph`)
    .then((g) => {
      if (ctx && ctx.alive && !ctx.alive()) return;
      const rings = ringComponents(g);
      const comps = (g.components || []).filter((c) => rings.has(c.id));
      replace(body,
        (g.edges || []).length ? drawGraph(g, body.clientWidth || window.innerWidth - 48) : h('p', { class: 'muted' }, tr('none')),
        legend(g),
        (g.linked_bidders || []).map((l) =>
          h('p', { class: 'alert alert-error', dataset: { testid: 'rel-graph-linked' } }, tr('linked', { n: l.lot_no }), '：', l.orgs.map((o) => orgName(g, o)).join('、'))),
        comps.length
          ? [h('h4', null, tr('components')), h('ul', { class: 'plain-list small' }, comps.map((c) => h('li', null, tr('component', { n: c.id + 1, orgs: c.orgs.map((o) => orgName(g, o)).join('、') }))))]
          : null,
        (g.edges || []).length ? [h('h4', null, tr('links')), linkList(g)] : null,
        patterns(g));
    })
    .catch((e) => {
      if (ctx && ctx.alive && !ctx.alive()) return;
      replace(body, h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
    });
  return el;
}
