// The details panel beside every view: what the selected element is, which agreement and purpose let it through,
// and (for what was withheld) a "why not?" answer. Views pass nodes; the panel only frames them.
import { h, replace } from './dom.js';

const panel = () => document.getElementById('details');

export function showDetails(title, ...content) {
  const el = panel();
  replace(el,
    h('div', { class: 'details-head' },
      h('h2', { id: 'details-title' }, title),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close details', onclick: hideDetails }, '×')),
    ...content);
  el.setAttribute('aria-labelledby', 'details-title');
  el.hidden = false;
}

export function hideDetails() {
  const el = panel();
  if (!el) return;
  replace(el);
  el.hidden = true;
}

/** A definition list from [label, value] pairs; null values are skipped. */
export function facts(pairs) {
  return h('dl', { class: 'facts' },
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
