// The time filter and the timeline beside the graph: two sliders (from, to) over the incidents' dates, and a strip
// with one tick per incident, the chosen window shaded, so the analyst sees where in time the filter sits.
import { h } from '../dom.js';
import { agencyColour } from './style.js';

const DAY = 86_400_000;
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

const iso = (t) => new Date(t).toISOString().slice(0, 10);

export class TimeFilter {
  constructor(onChange) {
    this.onChange = onChange;
    this.from = h('input', { type: 'range', id: 'time-from', min: 0, max: 0, step: 1, 'aria-label': 'From date' });
    this.to = h('input', { type: 'range', id: 'time-to', min: 0, max: 0, step: 1, 'aria-label': 'To date' });
    this.fromOut = h('output', { for: 'time-from', id: 'time-from-value' });
    this.toOut = h('output', { for: 'time-to', id: 'time-to-value' });
    this.strip = svg('svg', { class: 'strip', viewBox: '0 0 1000 40', preserveAspectRatio: 'none', role: 'img',
      'aria-label': 'Incidents over time' });
    for (const input of [this.from, this.to]) input.addEventListener('input', () => this.changed(input));
    this.el = h('fieldset', { class: 'time-filter' },
      h('legend', {}, 'Time'),
      h('label', { for: 'time-from' }, 'From'), this.from, this.fromOut,
      h('label', { for: 'time-to' }, 'To'), this.to, this.toOut,
      this.strip);
    this.span = null;
  }

  /** Set the range to [start, end] (ms) and the incidents to draw: [{time, agency}]. Keeps the window if it fits. */
  setData(span, incidents) {
    const keep = this.span && this.window();
    this.span = span;
    const days = span ? Math.max(1, Math.ceil((span[1] - span[0]) / DAY)) : 0;
    for (const input of [this.from, this.to]) input.max = String(days);
    if (keep && span) {
      this.from.value = String(Math.max(0, Math.floor((keep[0] - span[0]) / DAY)));
      this.to.value = String(Math.min(days, Math.ceil((keep[1] - span[0]) / DAY)));
    } else {
      this.from.value = '0';
      this.to.value = String(days);
    }
    this.incidents = incidents;
    this.draw();
  }

  /** The chosen window in ms, inclusive, or null when there is nothing dated. */
  window() {
    if (!this.span) return null;
    return [this.span[0] + Number(this.from.value) * DAY, this.span[0] + (Number(this.to.value) + 1) * DAY - 1];
  }

  /** Narrow to [from, to] (ISO dates), as a saved investigation or a test asks. */
  setWindow(fromIso, toIso) {
    if (!this.span) return;
    const clamp = (v) => Math.max(0, Math.min(Number(this.to.max), v));
    if (fromIso) this.from.value = String(clamp(Math.floor((Date.parse(fromIso) - this.span[0]) / DAY)));
    if (toIso) this.to.value = String(clamp(Math.floor((Date.parse(toIso) - this.span[0]) / DAY)));
    this.changed(null);
  }

  changed(moved) {
    if (Number(this.from.value) > Number(this.to.value)) {
      if (moved === this.from) this.to.value = this.from.value;
      else this.from.value = this.to.value;
    }
    this.draw();
    this.onChange(this.window());
  }

  draw() {
    this.strip.replaceChildren();
    const w = this.window();
    this.fromOut.textContent = w ? iso(w[0]) : '';
    this.toOut.textContent = w ? iso(w[1]) : '';
    if (!this.span || !w) return;
    const width = Math.max(1, this.span[1] - this.span[0]);
    const x = (t) => (1000 * (t - this.span[0])) / width;
    this.strip.append(svg('rect', { x: x(w[0]), y: 0, width: Math.max(2, x(w[1]) - x(w[0])), height: 40,
      fill: '#e3eefa', stroke: '#0b4f8a' }));
    for (const i of this.incidents ?? []) {
      if (i.time === null || i.time === undefined) continue;
      this.strip.append(svg('rect', { x: x(i.time) - 1.5, y: 6, width: 3, height: 28, fill: agencyColour(i.agency) }));
    }
  }
}
