// pages/login.js — sign in with user name and password (POST /api/auth/login).
// Errors are shown by code in the current language: 401 bad_credentials,
// 429 too_many_attempts with the Retry-After wait, 403 account_disabled.

import { api } from '../api.js';
import { h, field, alertBox } from '../dom.js';
import { t, errorText } from '../i18n.js';

export function render(ctx) {
  const alert = alertBox();
  const user = field({ name: 'username', label: t('login.username'), autocomplete: 'username', required: true });
  const pass = field({ name: 'password', label: t('login.password'), type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit' }, t('login.submit'));
  const flash = ctx.takeFlash();
  if (flash) alert.show(t(flash));

  async function onSubmit(e) {
    e.preventDefault();
    alert.clear();
    const username = user.input.value.trim();
    const password = pass.input.value;
    if (!username || !password) {
      alert.show(t('login.need'));
      (username ? pass : user).input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.submitting');
    try {
      const r = await api('POST', '/api/auth/login', { username, password }, { quiet: true });
      if (!ctx.alive()) return;
      ctx.signedIn(r.user, r.csrf_token);
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.code === 'too_many_attempts' && err.retryAfter) alert.show(t('login.retry_after', { seconds: err.retryAfter }));
      else alert.show(errorText(err));
      pass.input.value = '';
      pass.input.focus();
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  }

  return h(
    'section',
    { class: 'page page-narrow page-login', dataset: { page: 'login' } },
    h(
      'div',
      { class: 'card login-card' },
      h('h1', null, t('login.title')),
      h('p', { class: 'muted' }, t('login.intro')),
      h('form', { id: 'login-form', novalidate: true, onsubmit: onSubmit }, alert.el, user.el, pass.el, submit),
    ),
  );
}
