// "Shown under" and "why not?": every element on the page keeps the agreement, version and purpose of the response
// that carried it (extensions.hub), and a field that came back empty can be asked why, answered in words by the
// hub's `explain` (the same explanation `hub agreements explain` prints, held to Cedar's verdict).
import { provenanceText } from './api.js';
import { h } from './dom.js';

const EXPLAIN = `query Explain($recordType: String!, $field: String!, $agency: String!) {
  explain(recordType: $recordType, field: $field, agency: $agency) { allowed reasons }
}`;

/** GraphQL's camelCase field name as the data catalogue spells it (givenName -> given_name). */
export function catalogueName(field) {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The GraphQL type name as a record type of the partner format (ProtectiveOrder -> protective_order). */
export function recordType(typename) {
  if (typename === 'PersonRecord') return 'person';
  return catalogueName(typename[0].toLowerCase() + typename.slice(1));
}

export function shownUnder(provenance) {
  return h('p', { class: 'shown-under', dataset: { agreement: provenance?.agreement ?? '' } },
    'Shown under ', h('strong', {}, provenanceText(provenance)));
}

/** A "why not?" button for a withheld field; the answer replaces the button, in words, with the verdict. */
export function whyNot(ctx, type, field, agency) {
  const slot = h('span', { class: 'why-not-slot' });
  const button = h('button', {
    type: 'button', class: 'why-not', 'aria-label': `Why is ${field} from ${agency} not shown?`,
    onclick: async () => {
      button.disabled = true;
      slot.replaceChildren(await explanation(ctx, recordType(type), catalogueName(field), agency));
    },
  }, 'why not?');
  slot.append(button);
  return slot;
}

async function explanation(ctx, type, field, agency) {
  try {
    const { data } = await ctx.hub.query(EXPLAIN, { recordType: type, field, agency });
    const answer = data.explain;
    return h('div', { class: 'explanation', role: 'note', dataset: { allowed: String(answer.allowed) } },
      h('strong', {}, answer.allowed ? 'Shared: ' : 'Not shared: '),
      answer.allowed ? 'the agreement shares this field; the agency did not record it. ' : '',
      answer.reasons.join(' '));
  } catch (error) {
    return h('div', { class: 'explanation', role: 'note' }, `No explanation: ${error.message}`);
  }
}

/** A value, or "withheld" with a why-not button when the hub sent nothing for it. */
export function fieldValue(ctx, value, { type, field, agency }) {
  if (value !== null && value !== undefined && value !== '') return Array.isArray(value) ? value.join(', ') : String(value);
  return h('span', {}, h('span', { class: 'withheld' }, 'not shown'), ' ', whyNot(ctx, type, field, agency));
}
