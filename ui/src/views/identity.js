// Identity review for a merged person: each of their records, the link that joined it (the other record, the
// method, the match probability, and each comparison's level and match weight where the agreement shares the
// fields compared), with Confirm and Split calling decideIdentity. A decision holds from the next `hub resolve`.
import { announce, h, replace } from '../dom.js';
import { fieldValue, shownUnder } from '../provenance.js';

const PERSON = `query Identity($id: ID!) {
  person(id: $id) {
    id
    records { agency localId givenName familyName dob gender postcode address }
    identityLinks {
      record { agency localId } linkedWith { agency localId } matchProbability method rule
      comparisons { comparison level matchWeight }
    }
  }
}`;
const DECIDE = `mutation Decide($a: RecordInput!, $b: RecordInput!, $decision: IdentityDecisionKind!, $reason: String!) {
  decideIdentity(a: $a, b: $b, decision: $decision, reason: $reason) { id decision records at }
}`;

export function identityView(ctx) {
  const input = h('input', { id: 'identity-person', placeholder: 'HP-…', size: 16, autocomplete: 'off' });
  const form = h('form', { class: 'filters', 'aria-label': 'Person to review' },
    h('label', { for: 'identity-person' }, 'Person'), input, h('button', { type: 'submit', id: 'identity-open' }, 'Review'));
  const status = h('p', { class: 'status', role: 'status', id: 'identity-status' });
  const records = h('div', { id: 'identity-records' });
  const links = h('div', { id: 'identity-links' });
  const el = h('section', { class: 'view', 'aria-labelledby': 'identity-title' },
    h('h2', { id: 'identity-title' }, 'Identity review'), form, status, records, links);
  let current = null;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) load(input.value.trim());
  });

  async function load(id) {
    current = id;
    input.value = id;
    delete el.dataset.ready;
    status.textContent = `Loading ${id}…`;
    replace(records);
    replace(links);
    try {
      const { data, provenance } = await ctx.hub.query(PERSON, { id });
      if (current !== id) return;
      const person = data.person;
      if (!person) {
        status.textContent = 'This person cannot be shown under your purpose.';
        el.dataset.ready = 'true';
        return;
      }
      status.textContent = `${person.records.length} records joined as ${person.id}; ${person.identityLinks.length} links you may review.`;
      replace(records, recordTable(person), shownUnder(provenance));
      replace(links, person.identityLinks.length
        ? person.identityLinks.map((link, i) => linkCard(link, i))
        : h('p', { class: 'muted' }, 'No links to review: a single record, or links to records you cannot see.'));
      el.dataset.ready = 'true';
    } catch (error) {
      status.textContent = `Cannot review: ${error.message}`;
      el.dataset.ready = 'true';
    }
  }

  function recordTable(person) {
    const cols = [['givenName', 'Given name'], ['familyName', 'Family name'], ['dob', 'Date of birth'], ['gender', 'Gender'],
      ['postcode', 'Postcode'], ['address', 'Address']];
    return h('table', { class: 'grid', id: 'identity-record-table' },
      h('caption', {}, 'The records joined into this person'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Record'), cols.map(([, t]) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, person.records.map((r) => h('tr', {},
        h('th', { scope: 'row' }, `${r.agency}:${r.localId ?? '?'}`),
        cols.map(([f]) => h('td', {}, fieldValue(ctx, r[f], { type: 'PersonRecord', field: f, agency: r.agency })))))));
  }

  function linkCard(link, i) {
    const reason = h('input', { id: `reason-${i}`, class: 'decision-reason', placeholder: 'Why (required)', size: 30 });
    const outcome = h('p', { class: 'decision-outcome', role: 'status' });
    const decide = (decision) => async () => {
      if (!reason.value.trim()) {
        outcome.textContent = 'Give a reason for the decision.';
        return;
      }
      const strip = (r) => ({ agency: r.agency, localId: r.localId });
      try {
        const { data } = await ctx.hub.query(DECIDE, { a: strip(link.record), b: strip(link.linkedWith), decision, reason: reason.value.trim() });
        const receipt = data.decideIdentity;
        outcome.textContent = `${receipt.decision === 'CONFIRM' ? 'Confirmed' : 'Split'} (decision ${receipt.id}); it holds from the next identity resolution run.`;
        card.dataset.decided = receipt.decision;
        announce(outcome.textContent);
      } catch (error) {
        outcome.textContent = `Not recorded: ${error.message}`;
      }
    };
    const max = Math.max(1, ...link.comparisons.map((c) => Math.abs(c.matchWeight ?? 0)));
    const card = h('article', { class: 'link-card', dataset: { record: `${link.record.agency}:${link.record.localId}` },
      'aria-label': `Link ${link.record.agency}:${link.record.localId} with ${link.linkedWith.agency}:${link.linkedWith.localId}` },
    h('h3', {}, `${link.record.agency}:${link.record.localId}`, ' ⇄ ', `${link.linkedWith.agency}:${link.linkedWith.localId}`),
    h('p', { class: 'method' }, `Joined by ${link.method}`,
      link.rule ? ` (rule: ${link.rule})` : '',
      link.matchProbability !== null && link.matchProbability !== undefined
        ? `, match probability ${(100 * link.matchProbability).toFixed(1)} %` : ''),
    link.comparisons.length ? h('table', { class: 'grid evidence' },
      h('caption', {}, 'Evidence: each comparison, its level and match weight (log2 Bayes factor)'),
      h('thead', {}, h('tr', {}, ['Compared', 'Level', 'Weight', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, link.comparisons.map((c) => h('tr', {},
        h('td', {}, c.comparison.replace(/_/g, ' ')), h('td', {}, c.level),
        h('td', { class: 'num' }, c.matchWeight === null || c.matchWeight === undefined ? '–' : c.matchWeight.toFixed(2)),
        h('td', {}, weightBar(c.matchWeight, max)))))) : h('p', { class: 'muted' }, 'No comparisons you may see.'),
    h('div', { class: 'filters' }, h('label', { for: `reason-${i}` }, 'Reason'), reason,
      h('button', { type: 'button', class: 'confirm', onclick: decide('CONFIRM') }, 'Confirm'),
      h('button', { type: 'button', class: 'split secondary', onclick: decide('SPLIT') }, 'Split')),
    outcome);
    return card;
  }

  return {
    name: 'identity', label: 'Identity review', el,
    activate(args) {
      if (args?.personId && args.personId !== current) load(args.personId);
    },
    reset() {
      current = null;
      input.value = '';
      status.textContent = '';
      replace(records);
      replace(links);
      delete el.dataset.ready;
    },
  };
}

/** A match weight as a bar from the centre: right (dark green) for, left (dark red) against. */
function weightBar(weight, max) {
  if (weight === null || weight === undefined) return '';
  const width = `${(50 * Math.abs(weight)) / max}%`;
  return h('span', { class: 'weight-track', role: 'img', 'aria-label': `${weight >= 0 ? 'for' : 'against'} ${Math.abs(weight).toFixed(1)}` },
    h('span', { class: `weight ${weight >= 0 ? 'for' : 'against'}`, style: weight >= 0 ? { left: '50%', width } : { right: '50%', width } }));
}
