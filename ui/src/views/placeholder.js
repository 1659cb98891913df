import { h } from '../dom.js';

export function placeholder(_ctx, name, label) {
  const el = h('section', { class: 'view' }, h('h2', {}, label), h('p', {}, 'Coming soon.'));
  return { name, label, el, activate() {}, reset() {} };
}
