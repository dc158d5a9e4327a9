// list.js — a cursor-paginated list from the API with loading, empty, error
// and "load more" states. Items accumulate across pages and the whole list
// is re-drawn by renderItems(items) each time, so tables stay one table.

import { api, withQuery } from './api.js';
import { h, replace, emptyState, loading } from './dom.js';
import { t, errorText } from './i18n.js';

// pagedList(ctx, {path, params, limit, renderItems(items) → Node,
//                 empty() → Node}) → {el, reload()}
export function pagedList(ctx, o) {
  const el = h('div', { class: 'paged-list', 'aria-busy': 'true' });
  let items = [];
  let cursor = null;
  let busy = false;

  async function load(more) {
    if (busy) return;
    busy = true;
    el.setAttribute('aria-busy', 'true');
    if (!more) replace(el, loading());
    else {
      const b = el.querySelector('.load-more button');
      if (b) {
        b.disabled = true;
        b.textContent = t('app.loading');
      }
    }
    try {
      const data = await api('GET', withQuery(o.path, { ...(o.params || {}), limit: o.limit || 20, cursor: more ? cursor : null }));
      if (!ctx.alive()) return;
      items = more ? items.concat(data.items || []) : data.items || [];
      cursor = data.next_cursor || null;
      draw();
    } catch (e) {
      if (!ctx.alive()) return;
      replace(
        el,
        items.length ? o.renderItems(items) : null,
        h(
          'div',
          { class: 'alert alert-error list-error', role: 'alert' },
          h('span', null, (o.failed ? o.failed + ' ' : '') + errorText(e)),
          h('button', { type: 'button', class: 'btn btn-small', onclick: () => load(more) }, t('app.retry')),
        ),
      );
    } finally {
      busy = false;
      el.setAttribute('aria-busy', 'false');
    }
  }

  function draw() {
    if (!items.length) {
      replace(el, o.empty());
      return;
    }
    replace(
      el,
      o.renderItems(items),
      cursor
        ? h(
            'div',
            { class: 'load-more' },
            h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => load(true) }, t('app.load_more')),
          )
        : null,
    );
  }

  load(false);
  return { el, reload: () => load(false) };
}

export { emptyState };
