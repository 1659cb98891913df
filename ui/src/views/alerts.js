// Alerts to act on: Right to Know, repeat MARAC, expiring orders, Operation Encompass notifications; each can be
// acknowledged with a note (acknowledgeAlert, audited first; an acknowledgement belongs to the purpose it was made
// under). Only the kinds the purpose's agreement lists, computed inside the caller's scope, ever arrive here.
import { provenanceText } from '../api.js';
import { announce, day, h, replace } from '../dom.js';
import { facts } from '../details.js';
import { label, people } from '../people.js';

const ALERTS = `{
  alerts {
    id kind personId raisedAt summary related records { agency localId }
    notification { school policeReference occurredAt circumstances childGivenName childFamilyName childDob }
    acknowledged { who at note }
  }
}`;
const ACK = `mutation Ack($id: ID!, $note: String!) { acknowledgeAlert(id: $id, note: $note) }`;

export function alertsView(ctx) {
  const kind = h('select', { id: 'alert-kind' }, h('option', { value: '' }, 'All kinds'));
  const open = h('input', { type: 'checkbox', id: 'alert-open' });
  const status = h('p', { class: 'status', role: 'status', id: 'alerts-status' });
  const body = h('tbody');
  const table = h('table', { class: 'grid', id: 'alerts' },
    h('caption', {}, 'Alerts under your purpose, newest first'),
    h('thead', {}, h('tr', {}, ['Kind', 'Raised', 'Person', 'What happened', 'Acknowledged', 'Shown under', 'Act']
      .map((t) => h('th', { scope: 'col' }, t)))),
    body);
  const el = h('section', { class: 'view', 'aria-labelledby': 'alerts-title' },
    h('h2', { id: 'alerts-title' }, 'Alerts'),
    h('div', { class: 'filters' }, h('label', { for: 'alert-kind' }, 'Kind'), kind,
      h('label', { for: 'alert-open' }, open, ' Only unacknowledged')),
    status, h('div', { class: 'table-wrap' }, table));
  let alerts = [];
  let provenance = null;
  let loaded = false;
  kind.addEventListener('change', render);
  open.addEventListener('change', render);

  async function load() {
    status.textContent = 'Loading alerts…';
    delete el.dataset.ready;
    try {
      const answer = await ctx.hub.query(ALERTS);
      alerts = [...answer.data.alerts].sort((a, b) => String(b.raisedAt).localeCompare(String(a.raisedAt)));
      provenance = answer.provenance;
      const kinds = [...new Set(alerts.map((a) => a.kind))].sort();
      replace(kind, h('option', { value: '' }, 'All kinds'), kinds.map((k) => h('option', { value: k }, k.replace(/_/g, ' '))));
      render();
      el.dataset.ready = 'true';
      const named = await people(ctx.hub, alerts.map((a) => a.personId));
      for (const cell of body.querySelectorAll('.person-name')) cell.textContent = label(cell.dataset.person, named.get(cell.dataset.person));
    } catch (error) {
      alerts = [];
      render();
      status.textContent = `No alerts can be shown: ${error.message}`;
      el.dataset.ready = 'true';
    }
  }

  function render() {
    const shown = alerts.filter((a) => (!kind.value || a.kind === kind.value) && (!open.checked || !a.acknowledged));
    status.textContent = `${shown.length} alert${shown.length === 1 ? '' : 's'} shown of ${alerts.length}.`;
    replace(body, shown.map((a) => row(a)));
  }

  function row(a) {
    const note = h('input', { class: 'ack-note', 'aria-label': `Note for alert ${a.id}`, placeholder: 'What was done' });
    const ack = h('button', { type: 'button', class: 'ack', onclick: () => acknowledge(a, note.value.trim()) }, 'Acknowledge');
    const n = a.notification;
    return h('tr', { tabindex: 0, dataset: { alert: a.id, kind: a.kind }, onclick: (e) => e.target.closest('input,button') || describe(a) },
      h('td', {}, a.kind.replace(/_/g, ' ')),
      h('td', {}, day(a.raisedAt)),
      h('td', {}, h('button', { type: 'button', class: 'link-button person-name', dataset: { person: a.personId },
        onclick: () => ctx.open('network', { personId: a.personId }) }, a.personId)),
      h('td', {}, a.summary, n ? h('div', { class: 'muted notification' },
        `${n.school}: ${n.policeReference}, ${day(n.occurredAt)}, ${n.circumstances ?? ''}; `,
        `${[n.childGivenName, n.childFamilyName].filter(Boolean).join(' ')} (born ${n.childDob ?? '?'})`) : null),
      h('td', { class: 'acknowledged' }, a.acknowledged
        ? [h('strong', {}, day(a.acknowledged.at)), ` ${a.acknowledged.who}: ${a.acknowledged.note}`] : 'no'),
      h('td', { class: 'provenance' }, provenanceText(provenance)),
      h('td', {}, a.acknowledged ? '' : h('div', { class: 'ack-form' }, note, ack)));
  }

  async function acknowledge(alert, note) {
    if (!note) {
      status.textContent = 'Write a note saying what was done before acknowledging.';
      return;
    }
    try {
      const { data } = await ctx.hub.query(ACK, { id: alert.id, note });
      announce(data.acknowledgeAlert ? 'Alert acknowledged.' : 'Someone had already acknowledged it.');
      await load();
      status.textContent += data.acknowledgeAlert ? ' Acknowledged.' : ' It was already acknowledged.';
    } catch (error) {
      status.textContent = `Not acknowledged: ${error.message}`;
    }
  }

  function describe(a) {
    ctx.details(`Alert: ${a.kind.replace(/_/g, ' ')}`,
      facts([['Id', a.id], ['Raised', a.raisedAt], ['Person', a.personId], ['Concerns', a.related.join(', ')],
        ['Evidence', a.records.map((r) => `${r.agency}:${r.localId}`).join(', ')],
        ['Shown under', provenanceText(provenance)]]));
  }

  return {
    name: 'alerts', label: 'Alerts', el,
    activate() {
      if (!loaded) {
        loaded = true;
        load();
      }
    },
    reset() {
      loaded = false;
      alerts = [];
      replace(body);
      status.textContent = '';
      delete el.dataset.ready;
    },
  };
}
