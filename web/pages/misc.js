// pages/misc.js — "access denied" and "not found".

import { h } from '../dom.js';
import { t } from '../i18n.js';

function simple(titleKey, textKey, code) {
  return {
    render() {
      return h(
        'section',
        { class: 'page page-narrow status-page', dataset: { page: code } },
        h('p', { class: 'status-code', 'aria-hidden': 'true' }, code),
        h('h1', null, t(titleKey)),
        h('p', null, t(textKey)),
        h('p', null, h('a', { href: '/', 'data-link': true, class: 'btn btn-primary' }, t('page.back_home'))),
      );
    },
  };
}

export const forbidden = simple('page.forbidden', 'page.forbidden_text', '403');
export const notFound = simple('page.not_found', 'page.not_found_text', '404');
