// The keyboard way into a graph: a table of the same elements, kept in step with the selection both ways.
// Rows are focusable; Up/Down move, Enter or Space select (Shift adds to the selection), and each row may carry
// its own actions (Expand...). Screen readers hear the selection through aria-selected and the live region.
import { h, replace } from '../dom.js';

export class SelectableTable {
  /**
   * columns: [{title, value: (item) => Node|string, num?: boolean}]; onSelect(id, additive) is called for a row
   * chosen by keyboard or pointer; actions(item) returns extra buttons.
   */
  constructor({ id, caption, columns, onSelect, actions = () => [] }) {
    this.columns = columns;
    this.onSelect = onSelect;
    this.actions = actions;
    this.body = h('tbody');
    this.el = h('table', { class: 'grid selectable', id, 'aria-label': caption },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.title)), h('th', { scope: 'col' }, ''))),
      this.body);
    this.body.addEventListener('keydown', (event) => this.key(event));
  }

  render(items) {
    replace(this.body, items.map((item) => h('tr', {
      tabindex: 0, 'aria-selected': 'false', dataset: { id: item.id },
      onclick: (e) => e.target.closest('button') || this.onSelect(item.id, e.shiftKey || e.ctrlKey || e.metaKey),
    },
    this.columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.value(item))),
    h('td', {}, this.actions(item)))));
  }

  key(event) {
    const row = event.target.closest('tr');
    if (!row || event.target.closest('button')) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      (event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling)?.focus();
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.onSelect(row.dataset.id, event.shiftKey);
    }
  }

  /** Mark the selected rows; bring the last one into view without stealing focus from the graph. */
  sync(selected) {
    let last = null;
    for (const row of this.body.rows) {
      const on = selected.has(row.dataset.id);
      row.setAttribute('aria-selected', String(on));
      if (on) last = row;
    }
    // scroll the table (its own scroll box), never the page: the graph the analyst clicked stays where it was
    if (last && (last.offsetTop < this.el.scrollTop || last.offsetTop > this.el.scrollTop + this.el.clientHeight - 30)) {
      this.el.scrollTop = Math.max(0, last.offsetTop - this.el.clientHeight / 2);
    }
  }

  /** Hide rows (time filter) without losing them. */
  show(visible) {
    for (const row of this.body.rows) row.hidden = !visible(row.dataset.id);
  }
}
