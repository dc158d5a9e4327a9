// app.js — the web shell: session, layout, navigation and routing.
//
// One page app without a build step. At start it asks GET /api/me whether a
// session cookie is still good, then renders the route for location.pathname
// (history routing: the server answers index.html for extension-less paths).
// The header and the navigation depend on the user's roles; each route says
// which roles may open it, mirroring the API's route table, and a route the
// user may not use shows "access denied" rather than a page that would only
// get 403s. Pages are modules under pages/; each exports render(ctx) that
// returns a DOM node and may fill it asynchronously while ctx.alive() holds.

import { api, setCsrfToken, setUnauthenticatedHandler } from './api.js';
import { h, replace } from './dom.js';
import { t, getLang, setLang, onLangChange, applyDocumentLang, errorText } from './i18n.js';
import * as home from './pages/home.js';
import * as login from './pages/login.js';
import * as workspace from './pages/workspace.js';
import * as users from './pages/users.js';
import * as orgs from './pages/orgs.js';
import * as audit from './pages/audit.js';
import * as misc from './pages/misc.js';
import * as ledger from './pages/ledger.js';
import * as tenderList from './pages/tender_list.js';
import * as tenderDetail from './pages/tender_detail.js';
import * as tenderEdit from './pages/tender_edit.js';
import * as bid from './pages/bid.js';
import * as auction from './pages/auction.js';
import * as supervision from './pages/supervision.js';
import * as opening from './pages/opening.js';
import * as evaluation from './pages/evaluation.js';
import * as evalManage from './pages/eval_manage.js';
import * as results from './pages/results.js';
import * as award from './pages/award.js';
import * as calendar from './pages/calendar.js';

const ANY = '*'; // any signed-in user

// path → page and who may open it (roles: undefined = public).
const ROUTES = {
  '/admin/calendar': { page: calendar, roles: ['admin'] },
  '/award': { page: award },
  '/opening': { page: opening },
  '/evaluation': { page: evaluation },
  '/evaluation/manage': { page: evalManage, roles: ['agent', 'supervisor', 'expert'] },
  '/results': { page: results },
  '/result': { page: results.detail },
  '/auctions': { page: auction.list },
  '/auctions/new': { page: auction.create, roles: ['agent'] },
  '/auction': { page: auction.hall },
  '/': { page: home },
  '/login': { page: login },
  '/workspace': { page: workspace, roles: ANY },
  '/admin/users': { page: users, roles: ['admin'] },
  '/orgs': { page: orgs, roles: ['admin', 'supervisor'] },
  '/org': { page: orgs.mine, roles: ['bidder'] }, // the bidder's own organisation (relations)
  '/audit': { page: audit, roles: ['admin', 'supervisor'] },
  '/ledger': { page: ledger },
  '/tenders': { page: tenderList },
  '/tenders/mine': { page: tenderList.mine, roles: ['agent'] },
  '/tenders/new': { page: tenderEdit.create, roles: ['agent'] },
  '/tender': { page: tenderDetail },
  '/tender/edit': { page: tenderEdit.edit, roles: ['agent'] },
  '/bid': { page: bid, roles: ['bidder'] },
  '/supervision': { page: supervision, roles: ['supervisor'] },
};

// The navigation, in order. `label` may depend on the user (admin manages
// organisations; the supervisor only reads them).
const NAV = [
  { id: 'home', path: '/', label: () => t('nav.home') },
  { id: 'tenders', path: '/tenders', label: () => t('nav.tenders') },
  { id: 'tenders-mine', path: '/tenders/mine', roles: ['agent'], label: () => t('nav.tenders_mine') },
  { id: 'auctions', path: '/auctions', label: () => t('nav.auctions') },
  { id: 'results', path: '/results', label: () => t('res.title') },
  { id: 'ledger', path: '/ledger', label: () => t('nav.ledger') },
  { id: 'workspace', path: '/workspace', roles: ANY, label: () => t('nav.workspace') },
  { id: 'users', path: '/admin/users', roles: ['admin'], label: () => t('nav.users') },
  {
    id: 'orgs',
    path: '/orgs',
    roles: ['admin', 'supervisor'],
    label: (u) => (hasRole(u, ['admin']) ? t('nav.orgs_admin') : t('nav.orgs')),
  },
  { id: 'calendar', path: '/admin/calendar', roles: ['admin'], label: () => t('nav.calendar') },
  { id: 'audit', path: '/audit', roles: ['admin', 'supervisor'], label: () => t('nav.audit') },
  { id: 'supervision', path: '/supervision', roles: ['supervisor'], label: () => supervision.navLabel() },
];

const state = {
  user: null, // the signed-in user as /api/me returns it, or null
  flash: null, // a one-shot i18n key shown by the next page (e.g. session expired)
  version: null, // server version from /api/health, for the footer
};
let renderToken = 0; // bumped on every render; stale async work checks it
let booted = false;

function hasRole(user, roles) {
  if (!user) return false;
  if (roles === ANY) return true;
  return (user.roles || []).some((r) => roles.includes(r));
}

function allowed(user, roles) {
  return roles === undefined || hasRole(user, roles);
}

function currentPath() {
  const p = window.location.pathname.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

export function navigate(to, opts = {}) {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  render({ focus: true });
}

function setUser(user, csrf) {
  state.user = user || null;
  setCsrfToken(user ? csrf : null);
}

async function logout() {
  try {
    await api('POST', '/api/auth/logout', {}, { quiet: true });
  } catch (e) {
    // 401: the session was already gone, which is what we wanted.
    if (e.status !== 401) {
      showGlobalError(errorText(e));
      return;
    }
  }
  setUser(null);
  navigate('/');
}

// ---- layout -----------------------------------------------------------

// A page-independent error line under the header (e.g. logout failed).
function showGlobalError(msg) {
  const el = document.getElementById('global-alert');
  el.textContent = msg || '';
  el.hidden = !msg;
}

const header = () => document.getElementById('site-header');

function closeMenu() {
  const hd = header();
  if (!hd) return;
  hd.classList.remove('open');
  const b = hd.querySelector('.menu-toggle');
  if (b) {
    b.setAttribute('aria-expanded', 'false');
    b.setAttribute('aria-label', t('nav.menu_open'));
  }
}

function toggleMenu() {
  const hd = header();
  const open = !hd.classList.contains('open');
  hd.classList.toggle('open', open);
  const b = hd.querySelector('.menu-toggle');
  b.setAttribute('aria-expanded', String(open));
  b.setAttribute('aria-label', t(open ? 'nav.menu_close' : 'nav.menu_open'));
  if (open) {
    const first = hd.querySelector('.nav-list a');
    if (first) first.focus();
  }
}

function renderHeader(path) {
  const u = state.user;
  const other = getLang() === 'zh-CN' ? 'en' : 'zh-CN';
  const items = NAV.filter((n) => (n.roles === undefined ? true : hasRole(u, n.roles)));
  const nav = h(
    'nav',
    { class: 'main-nav', 'aria-label': t('nav.label') },
    h(
      'ul',
      { class: 'nav-list' },
      items.map((n) =>
        h(
          'li',
          null,
          h(
            'a',
            {
              href: n.path,
              'data-link': true,
              dataset: { nav: n.id },
              'aria-current': n.path === path ? 'page' : null,
            },
            n.label(u),
          ),
        ),
      ),
    ),
  );
  const userBox = u
    ? h(
        'div',
        { class: 'user-box', 'aria-label': t('nav.user_label') },
        h('span', { class: 'user-name', dataset: { testid: 'user-name' } }, u.display_name || u.username),
        h(
          'span',
          { class: 'badges' },
          (u.roles || []).map((r) => h('span', { class: 'badge badge-invert role-' + r, dataset: { role: r } }, t('role.' + r))),
        ),
        u.org ? h('span', { class: 'user-org', dataset: { testid: 'user-org' } }, u.org.name) : null,
      )
    : null;
  const actions = h(
    'div',
    { class: 'header-actions' },
    h(
      'button',
      {
        type: 'button',
        id: 'lang-switch',
        class: 'btn btn-ghost',
        lang: other,
        'aria-label': t('lang.switch_label'),
        onclick: () => setLang(other),
      },
      t('lang.switch'),
    ),
    u
      ? h('button', { type: 'button', id: 'logout', class: 'btn btn-ghost', onclick: logout }, t('nav.logout'))
      : path === '/login'
        ? null
        : h('a', { href: '/login', 'data-link': true, class: 'btn btn-light', id: 'login-link' }, t('nav.login')),
  );
  replace(
    header(),
    h(
      'div',
      { class: 'header-inner' },
      h(
        'a',
        { class: 'brand', href: '/', 'data-link': true },
        h('img', { class: 'brand-logo', src: '/img/logo.svg', alt: '', width: 40, height: 40 }),
        h(
          'span',
          { class: 'brand-text' },
          h('span', { class: 'brand-name' }, t('app.name')),
          h('span', { class: 'brand-sub' }, 'sunbid · ' + t('app.tagline')),
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'menu-toggle',
          'aria-expanded': 'false',
          'aria-controls': 'nav-panel',
          'aria-label': t('nav.menu_open'),
          onclick: toggleMenu,
        },
        h('span', { class: 'bars', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')),
        h('span', { class: 'menu-label' }, t('nav.menu')),
      ),
      h('div', { class: 'nav-panel', id: 'nav-panel' }, nav, userBox, actions),
    ),
  );
}

function renderFooter() {
  const f = document.getElementById('site-footer');
  replace(
    f,
    h(
      'div',
      { class: 'footer-inner' },
      h('p', null, t('app.footer')),
      h('p', null, h('a', { href: '/results', 'data-link': true, id: 'footer-results' }, t('res.title'))),
      state.version ? h('p', { class: 'muted' }, t('app.version', { version: state.version })) : null,
    ),
  );
}

function render(opts = {}) {
  renderToken += 1;
  const token = renderToken;
  const path = currentPath();
  const params = new URLSearchParams(window.location.search);
  const route = ROUTES[path];
  const main = document.getElementById('main');

  if (route && route.roles !== undefined && !state.user) {
    const next = path + window.location.search;
    window.history.replaceState(null, '', '/login?next=' + encodeURIComponent(next));
    return render(opts);
  }
  if (path === '/login' && state.user) {
    window.history.replaceState(null, '', safeNext(params.get('next')));
    return render(opts);
  }

  closeMenu();
  showGlobalError(null);
  renderHeader(path);
  renderFooter();
  document.querySelector('.skip-link').textContent = t('app.skip');

  const ctx = {
    user: state.user,
    params,
    alive: () => token === renderToken,
    navigate,
    takeFlash() {
      const f = state.flash;
      state.flash = null;
      return f;
    },
    signedIn(user, csrf) {
      setUser(user, csrf);
      navigate(safeNext(params.get('next')), { replace: true });
    },
    refresh: () => render({ focus: false }),
    hasRole: (roles) => hasRole(state.user, roles),
  };

  let page;
  if (!route) page = misc.notFound;
  else if (!allowed(state.user, route.roles)) page = misc.forbidden;
  else page = route.page;
  replace(main, page.render(ctx));
  main.dataset.route = path;

  if (opts.focus) {
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

// Only same-site paths of our own routes are followed after login.
function safeNext(next) {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/workspace';
  const p = next.split('?')[0];
  const r = ROUTES[p];
  if (!r || p === '/login' || !allowed(state.user, r.roles)) return '/workspace';
  return next;
}

// ---- start ------------------------------------------------------------

function onLinkClick(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[data-link]');
  if (!a) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/')) return;
  e.preventDefault();
  if (href === window.location.pathname + window.location.search) {
    closeMenu();
    return;
  }
  navigate(href);
}

async function boot() {
  applyDocumentLang();
  document.addEventListener('click', onLinkClick);
  window.addEventListener('popstate', () => render({ focus: true }));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && header().classList.contains('open')) {
      closeMenu();
      header().querySelector('.menu-toggle').focus();
    }
  });
  document.querySelector('.skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const m = document.getElementById('main');
    m.focus();
  });
  onLangChange(() => render({ focus: false }));
  setUnauthenticatedHandler(() => {
    if (!state.user) return;
    setUser(null);
    state.flash = 'login.expired';
    const next = currentPath() + window.location.search;
    navigate('/login?next=' + encodeURIComponent(next), { replace: true });
  });

  try {
    const me = await api('GET', '/api/me', undefined, { quiet: true });
    setUser(me.user, me.csrf_token);
  } catch {
    setUser(null);
  }
  booted = true;
  render({ focus: false });
  document.documentElement.dataset.ready = 'true';

  api('GET', '/api/health', undefined, { quiet: true })
    .then((hl) => {
      if (hl && hl.version) {
        state.version = hl.version;
        if (booted) renderFooter();
      }
    })
    .catch(() => {});
}

boot();
