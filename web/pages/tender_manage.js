// pages/tender_manage.js — the tender's own agents and the supervisor on
// the tender page (tender_detail.js), and the document uploader the editor
// (tender_edit.js) shares.
//
// The agent (招标人/代理机构 of the tender): a new document version (after
// publication an amendment, which may move the deadline), clarifications
// (答疑澄清) answering bidders' questions, answers to objections (each
// resumes the tender when none stays open), termination with a reason, and
// the secret lists — registrations and the download log — that the law
// (招标投标法 art. 22) keeps from everyone but the tender's agents and the
// supervisor. The supervisor sees the same lists read-only, with who asked
// each question and who raised each objection.

import { api, withQuery } from '../api.js';
import { h, replace, loading, table, field, emptyState, nextId } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { pagedList } from '../list.js';
import { PRE_DEADLINE, formatSize, timeEl, textArea, busy, messageSlot, fetchAll } from './tender_common.js';

const DOC_MAX = 15 * 1024 * 1024; // the server's limit per version

// ---- documents ----------------------------------------------------------------

// A file picker that uploads one new document version:
// POST /api/tenders/:id/documents?name=FILE with the file's bytes.
export function docUploader(ctx, tender, onDone) {
  const msg = messageSlot();
  const inputId = nextId('doc-file');
  const input = h('input', { type: 'file', id: inputId, name: 'document', class: 'file-input' });
  const chosen = h('span', { class: 'muted small file-chosen', 'aria-live': 'polite' }, t('tender.doc.none_chosen'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'doc-upload-submit' }, t('tender.doc.upload'));
  input.addEventListener('change', () => {
    const f = input.files && input.files[0];
    chosen.textContent = f ? f.name + ' (' + formatSize(f.size) + ')' : t('tender.doc.none_chosen');
  });
  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    const f = input.files && input.files[0];
    if (!f) {
      msg.error({ code: 'missing_field', message: t('tender.doc.pick') });
      return;
    }
    if (f.size > DOC_MAX) {
      msg.error({ code: 'body_too_large', message: t('tender.doc.too_big') });
      return;
    }
    await busy(submit, async () => {
      try {
        const r = await api('POST', withQuery(`/api/tenders/${tender.id}/documents`, { name: f.name }), f, { contentType: f.type || 'application/octet-stream' });
        if (!ctx.alive()) return;
        input.value = '';
        chosen.textContent = t('tender.doc.none_chosen');
        msg.ok(t('tender.doc.uploaded_ok', { v: r.version, name: r.name || f.name }));
        if (onDone) onDone(r);
      } catch (err) {
        if (ctx.alive()) msg.error(err);
      }
    });
  }
  const amendment = tender.state !== 'draft';
  return h(
    'form',
    { class: 'tender-form doc-upload', id: 'doc-upload', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'doc-upload-h' },
    h('h3', { id: 'doc-upload-h' }, amendment ? t('tender.doc.amend') : t('tender.doc.new')),
    amendment ? h('p', { class: 'alert alert-info form-note' }, t('tender.doc.amend_note')) : h('p', { class: 'muted small' }, t('tender.doc.new_note')),
    h(
      'div',
      { class: 'file-row' },
      input,
      h('label', { for: inputId, class: 'btn btn-secondary file-label' }, t('tender.doc.choose')),
      chosen,
    ),
    h('div', { class: 'form-actions' }, submit),
    msg.el,
  );
}

// ---- clarifications ------------------------------------------------------------

// GET /api/tenders/:id/clarifications: each with the questions it answers
// (never who asked). Returns {el, reload}.
export function clarificationList(ctx, id) {
  const box = h('div', { class: 'clar-list', 'aria-busy': 'true' }, loading());
  async function load() {
    box.setAttribute('aria-busy', 'true');
    try {
      const items = await fetchAll(`/api/tenders/${id}/clarifications`, 5);
      if (!ctx.alive()) return;
      if (!items.length) {
        replace(box, h('p', { class: 'muted', id: 'clar-none' }, t('tender.clar.none')));
        return;
      }
      replace(
        box,
        h(
          'ol',
          { class: 'qa-list' },
          items.map((c) =>
            h(
              'li',
              { class: 'qa-item clar-item', dataset: { no: String(c.no) } },
              h('p', { class: 'qa-meta' }, h('strong', null, t('tender.clar.no', { no: c.no })), ' ', h('span', { class: 'muted small' }, timeEl(c.published_ms))),
              c.questions && c.questions.length
                ? h(
                    'div',
                    { class: 'clar-questions' },
                    h('p', { class: 'muted small' }, t('tender.clar.answers')),
                    h('ul', { class: 'plain-list' }, c.questions.map((q) => h('li', { class: 'clar-q' }, '“' + q + '”'))),
                  )
                : null,
              h('p', { class: 'qa-body clar-body' }, c.body),
              c.document_version ? h('p', { class: 'small' }, t('tender.clar.doc', { v: c.document_version })) : null,
              c.deadline_after_ms && c.deadline_before_ms && c.deadline_after_ms !== c.deadline_before_ms
                ? h('p', { class: 'small alert alert-info clar-moved' }, t('tender.clar.moved', { before: timeEl(c.deadline_before_ms).textContent, after: timeEl(c.deadline_after_ms).textContent }))
                : null,
            ),
          ),
        ),
      );
    } catch (e) {
      if (ctx.alive()) replace(box, h('p', { class: 'alert alert-error' }, errorText(e)));
    } finally {
      box.setAttribute('aria-busy', 'false');
    }
  }
  load();
  return { el: box, reload: load };
}

// ---- the lists only agents and the supervisor see ------------------------------------

function orgName(names, id) {
  return names.get(id) || t('tender.org_n', { id });
}

function registrationsCard(ctx, id) {
  const list = pagedList(ctx, {
    path: `/api/tenders/${id}/registrations`,
    renderItems: (items) =>
      table(
        [
          { label: t('tender.reg.org'), render: (r) => r.org_name },
          { label: t('tender.reg.at'), render: (r) => timeEl(r.registered_ms), class: 'nowrap' },
        ],
        items.map((r) => ({ ...r, id: r.org_id })),
        t('tender.reg.list'),
      ),
    empty: () => emptyState(t('tender.reg.empty')),
  });
  return h(
    'section',
    { class: 'card card-list', id: 'tender-registrations', 'aria-labelledby': 'tm-reg-h' },
    h('h2', { id: 'tm-reg-h' }, t('tender.reg.list')),
    h('p', { class: 'muted small' }, t('tender.secret')),
    list.el,
  );
}

function downloadsCard(ctx, id) {
  const list = pagedList(ctx, {
    path: `/api/tenders/${id}/downloads`,
    renderItems: (items) =>
      table(
        [
          { label: t('tender.dl.org'), render: (r) => r.org_name },
          { label: t('tender.doc.version'), render: (r) => 'v' + r.version, class: 'nowrap' },
          { label: t('tender.dl.at'), render: (r) => timeEl(r.at_ms), class: 'nowrap' },
          { label: t('tender.dl.addr'), render: (r) => h('span', { class: 'mono small' }, r.remote_addr) },
        ],
        items,
        t('tender.dl.list'),
      ),
    empty: () => emptyState(t('tender.dl.empty')),
  });
  return h(
    'section',
    { class: 'card card-list', id: 'tender-downloads', 'aria-labelledby': 'tm-dl-h' },
    h('h2', { id: 'tm-dl-h' }, t('tender.dl.list')),
    list.el,
  );
}

// Questions with their askers (agents and the supervisor only).
function questionsCard(ctx, id, names) {
  const list = pagedList(ctx, {
    path: `/api/tenders/${id}/questions`,
    renderItems: (items) =>
      table(
        [
          { label: t('tender.q.body'), render: (q) => h('span', { class: 'qa-body' }, q.body), class: 'col-detail' },
          { label: t('tender.q.asker'), render: (q) => h('span', { class: 'q-asker' }, orgName(names, q.org_id)) },
          { label: t('tender.q.asked'), render: (q) => timeEl(q.asked_ms), class: 'nowrap' },
          { label: t('tender.q.state'), render: (q) => (q.answered ? h('span', { class: 'tag tag-ok' }, t('tender.q.answered')) : h('span', { class: 'tag' }, t('tender.q.open'))) },
        ],
        items,
        t('tender.q.all'),
      ),
    empty: () => emptyState(t('tender.q.none')),
  });
  return {
    el: h(
      'section',
      { class: 'card card-list', id: 'tender-questions', 'aria-labelledby': 'tm-q-h' },
      h('h2', { id: 'tm-q-h' }, t('tender.q.all')),
      h('p', { class: 'muted small' }, t('tender.q.asker_note')),
      list.el,
    ),
    reload: list.reload,
  };
}

function objectionsCard(ctx, id, names, canAnswer, reload) {
  const box = h('div', { 'aria-busy': 'true' }, loading());
  async function load() {
    box.setAttribute('aria-busy', 'true');
    try {
      const items = await fetchAll(`/api/tenders/${id}/objections`, 5);
      if (!ctx.alive()) return;
      if (!items.length) {
        replace(box, h('p', { class: 'muted' }, t('tender.obj.none')));
        return;
      }
      replace(box, h('ul', { class: 'qa-list' }, items.map((o) => objectionItem(o))));
    } catch (e) {
      if (ctx.alive()) replace(box, h('p', { class: 'alert alert-error' }, errorText(e)));
    } finally {
      box.setAttribute('aria-busy', 'false');
    }
  }
  function objectionItem(o) {
    const li = h(
      'li',
      { class: 'qa-item objection', dataset: { id: String(o.id) } },
      h('p', { class: 'qa-body' }, o.body),
      h(
        'p',
        { class: 'qa-meta muted small' },
        h('span', { class: 'obj-org' }, orgName(names, o.org_id)),
        ' · ',
        timeEl(o.raised_ms),
        ' · ',
        t('tender.obj.due', { time: timeEl(o.answer_due_ms).textContent }),
      ),
    );
    if (o.answer) {
      li.appendChild(h('div', { class: 'qa-answer' }, h('strong', null, t('tender.obj.answer_is')), o.answer, ' ', h('span', { class: 'muted small' }, timeEl(o.answered_ms))));
      return li;
    }
    if (!canAnswer) {
      li.appendChild(h('p', { class: 'muted small' }, t('tender.obj.waiting')));
      return li;
    }
    const msg = messageSlot();
    const f = field({ name: 'answer', label: t('tender.obj.answer'), required: true, control: textArea({ name: 'answer', maxlength: 6000, rows: 3, required: true }) });
    const b = h('button', { type: 'submit', class: 'btn btn-primary' }, t('tender.obj.answer_submit'));
    li.appendChild(
      h(
        'form',
        {
          class: 'tender-form answer-form',
          novalidate: true,
          onsubmit: async (e) => {
            e.preventDefault();
            msg.clear();
            f.setError(null);
            const text = f.input.value.trim();
            if (!text) {
              f.setError(t('err.missing_field'));
              f.input.focus();
              return;
            }
            await busy(b, async () => {
              try {
                const r = await api('POST', `/api/tenders/${id}/objections/${o.id}/answer`, { answer: text });
                if (!ctx.alive()) return;
                reload(t(r.resumed ? 'tender.obj.answered_resumed' : 'tender.obj.answered'));
              } catch (err) {
                if (ctx.alive()) msg.error(err);
              }
            });
          },
        },
        f.el,
        h('div', { class: 'form-actions' }, b),
        msg.el,
      ),
    );
    return li;
  }
  load();
  return h('section', { class: 'card', id: 'tender-objections', 'aria-labelledby': 'tm-obj-h' }, h('h2', { id: 'tm-obj-h' }, t('tender.obj.all')), box);
}

// Registered organisations by id, to name askers and objectors.
function orgNames(ctx, id, then) {
  const names = new Map();
  fetchAll(`/api/tenders/${id}/registrations`, 10)
    .then((regs) => {
      for (const r of regs) names.set(r.org_id, r.org_name);
    })
    .catch(() => {})
    .finally(() => {
      if (ctx.alive()) then(names);
    });
}

function deferred(ctx, id, build) {
  const slot = h('div', { class: 'tender-deferred', 'aria-busy': 'true' }, loading());
  orgNames(ctx, id, (names) => {
    slot.setAttribute('aria-busy', 'false');
    replace(slot, build(names));
  });
  return slot;
}

// ---- the agent's forms -------------------------------------------------------------

function clarifyCard(ctx, d, reload) {
  const id = d.tender.id;
  const msg = messageSlot();
  const body = field({ name: 'body', label: t('tender.clar.body'), required: true, control: textArea({ name: 'body', maxlength: 6000, rows: 5, required: true }) });
  body.el.classList.add('field-wide');
  const qBox = h('div', { class: 'checks checks-col', id: 'clarify-questions', 'aria-busy': 'true' }, loading());
  const docSel = h(
    'select',
    { name: 'document_version' },
    h('option', { value: '' }, t('tender.clar.no_doc')),
    (d.documents || []).map((x) => h('option', { value: String(x.version) }, 'v' + x.version + ' · ' + x.name)),
  );
  const docField = field({ name: 'document_version', label: t('tender.clar.doc_pick'), control: docSel });
  let boxes = [];
  fetchAll(`/api/tenders/${id}/questions`, 5)
    .then((qs) => {
      if (!ctx.alive()) return;
      const open = qs.filter((q) => !q.answered);
      boxes = open.map((q) => {
        const cid = nextId('cq');
        const input = h('input', { type: 'checkbox', id: cid, value: String(q.id), name: 'question_ids' });
        return { q, input, el: h('label', { class: 'check check-wide', for: cid }, input, h('span', null, q.body)) };
      });
      replace(qBox, boxes.length ? boxes.map((b) => b.el) : h('p', { class: 'muted small' }, t('tender.clar.no_open')));
    })
    .catch((e) => {
      if (ctx.alive()) replace(qBox, h('p', { class: 'alert alert-error' }, errorText(e)));
    })
    .finally(() => qBox.setAttribute('aria-busy', 'false'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'clarify-submit' }, t('tender.clar.submit'));
  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    body.setError(null);
    const text = body.input.value.trim();
    if (!text) {
      body.setError(t('err.missing_field'));
      body.input.focus();
      return;
    }
    const payload = { body: text, question_ids: boxes.filter((b) => b.input.checked).map((b) => Number(b.q.id)) };
    if (docSel.value) payload.document_version = Number(docSel.value);
    await busy(submit, async () => {
      try {
        const r = await api('POST', `/api/tenders/${id}/clarifications`, payload);
        if (!ctx.alive()) return;
        const moved = r.bid_deadline_ms && r.bid_deadline_ms !== d.tender.bid_deadline_ms;
        reload(moved ? t('tender.clar.done_moved', { no: r.no, time: timeEl(r.bid_deadline_ms).textContent }) : t('tender.clar.done', { no: r.no }));
      } catch (err) {
        if (ctx.alive()) msg.error(err);
      }
    });
  }
  return h(
    'section',
    { class: 'card', id: 'tender-clarify', 'aria-labelledby': 'tm-clar-h' },
    h('h2', { id: 'tm-clar-h' }, t('tender.clar.new')),
    h('p', { class: 'alert alert-info form-note' }, t('tender.clar.note')),
    h(
      'form',
      { class: 'tender-form', id: 'clarify-form', novalidate: true, onsubmit: onSubmit },
      h('fieldset', { class: 'field field-wide' }, h('legend', null, t('tender.clar.pick_q')), qBox),
      body.el,
      docField.el,
      h('div', { class: 'form-actions' }, submit),
      msg.el,
    ),
  );
}

function cancelCard(ctx, d, reload) {
  const id = d.tender.id;
  const msg = messageSlot();
  const reason = field({ name: 'reason', label: t('tender.cancel.reason'), required: true, control: textArea({ name: 'reason', maxlength: 2600, rows: 3, required: true }) });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', id: 'cancel-submit' }, t('tender.cancel.confirm'));
  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    reason.setError(null);
    const text = reason.input.value.trim();
    if (!text) {
      reason.setError(t('err.missing_field'));
      reason.input.focus();
      return;
    }
    await busy(submit, async () => {
      try {
        await api('POST', `/api/tenders/${id}/cancel`, { reason: text });
        if (ctx.alive()) reload(t('tender.cancel.done'));
      } catch (err) {
        if (ctx.alive()) msg.error(err);
      }
    });
  }
  return h(
    'section',
    { class: 'card card-danger', id: 'tender-cancel', 'aria-labelledby': 'tm-cancel-h' },
    h('h2', { id: 'tm-cancel-h' }, t('tender.cancel.title')),
    h(
      'details',
      { class: 'danger-zone' },
      h('summary', null, t('tender.cancel.open')),
      h('p', { class: 'muted small' }, t('tender.cancel.note')),
      h('form', { class: 'tender-form', id: 'cancel-form', novalidate: true, onsubmit: onSubmit }, reason.el, h('div', { class: 'form-actions' }, submit), msg.el),
    ),
  );
}

const CANCELLABLE = ['draft', 'published', 'bidding', 'opening', 'evaluation', 'publicity'];

export function agentPanel(ctx, d, reload) {
  const x = d.tender;
  const id = x.id;
  const pre = PRE_DEADLINE.includes(x.state);
  const parts = [h('h2', { class: 'panel-title' }, t('tender.panel.agent'))];
  if (x.state === 'opening') parts.push(h('p', null, h('a', { href: '/opening?tender=' + id, 'data-link': true, class: 'btn btn-primary', id: 'tender-hall-host' }, t('hall.host_link'))));
  if (x.state !== 'draft') parts.push(h('p', null, h('a', { href: '/evaluation/manage?tender=' + id, 'data-link': true, class: 'btn btn-secondary', id: 'tender-eval-manage' }, t('em.title'))));
  if (pre) {
    const clar = clarificationList(ctx, id);
    ctx.onClarification = clar.reload;
    parts.push(
      deferred(ctx, id, (names) => {
        const qs = questionsCard(ctx, id, names);
        return [qs.el, clarifyCard(ctx, d, reload), objectionsCard(ctx, id, names, true, reload)];
      }),
      h('section', { class: 'card', id: 'tender-clarifications', 'aria-labelledby': 'tm-clars-h' }, h('h2', { id: 'tm-clars-h' }, t('tender.clar.title')), clar.el),
      h('section', { class: 'card', id: 'tender-amend' }, docUploader(ctx, x, (r) => reload(t('tender.doc.uploaded_ok', { v: r.version, name: r.name })))),
    );
  }
  if (x.state !== 'draft') parts.push(h('div', { class: 'grid-2 tender-secret-lists' }, registrationsCard(ctx, id), downloadsCard(ctx, id)));
  if (CANCELLABLE.includes(x.state)) parts.push(cancelCard(ctx, d, reload));
  return h('div', { class: 'tender-panel', id: 'agent-panel' }, parts);
}

export function supervisorPanel(ctx, d) {
  const x = d.tender;
  const id = x.id;
  if (x.state === 'draft') return h('div', { class: 'tender-panel', id: 'supervisor-panel' }, h('p', { class: 'muted' }, t('tender.panel.draft_sup')));
  const clar = clarificationList(ctx, id);
  ctx.onClarification = clar.reload;
  return h(
    'div',
    { class: 'tender-panel', id: 'supervisor-panel' },
    h('h2', { class: 'panel-title' }, t('tender.panel.supervisor'), ' ', h('span', { class: 'tag tag-muted' }, t('orgs.readonly'))),
    h('div', { class: 'grid-2 tender-secret-lists' }, registrationsCard(ctx, id), downloadsCard(ctx, id)),
    deferred(ctx, id, (names) => [questionsCard(ctx, id, names).el, objectionsCard(ctx, id, names, false, null)]),
    h('section', { class: 'card', id: 'tender-clarifications', 'aria-labelledby': 'ts-clars-h' }, h('h2', { id: 'ts-clars-h' }, t('tender.clar.title')), clar.el),
  );
}
