// The MATAC nomination list: perpetrators ranked by RFG(V), the breakdown drawn as bars, with victims, agencies and
// the last incident; filters for area (postcode district) and agency; the digest of the scoring configuration.
// Rows render as soon as the ranking arrives; names follow from one batched `_entities` read.
import { provenanceText } from '../api.js';
import { announce, day, h, replace } from '../dom.js';
import { facts } from '../details.js';
import { label, people } from '../people.js';

const QUERY = `query Nominations($top: Int!, $area: String, $agency: String) {
  matacNominations(top: $top, area: $area, agency: $agency) {
    config
    nominations {
      rank personId score recency frequency gravity victims daysSinceLast incidents harm victimCount serial
      lastIncident districts agencies records { agency localId }
    }
  }
}`;

// the four RFG(V) parts, each with a colour that keeps 3:1 against white (WCAG 1.4.11) and a text label
const PARTS = [
  ['recency', 'R', '#1f5fa8'],
  ['frequency', 'F', '#8a4b00'],
  ['gravity', 'G', '#a4262c'],
  ['victims', 'V', '#4b2e83'],
];

export function nominationsView(ctx) {
  const area = h('select', { id: 'filter-area', name: 'area' }, h('option', { value: '' }, 'All areas'));
  const agency = h('select', { id: 'filter-agency', name: 'agency' }, h('option', { value: '' }, 'All agencies'));
  const top = h('select', { id: 'filter-top', name: 'top' }, [20, 50, 100].map((n) => h('option', { value: n }, n)));
  const status = h('p', { class: 'status', role: 'status' });
  const digest = h('p', { class: 'digest', id: 'config-digest' });
  const body = h('tbody');
  const table = h('table', { class: 'grid nominations', id: 'nominations', 'aria-describedby': 'nominations-caption' },
    h('caption', { id: 'nominations-caption' }, 'Perpetrators ranked by recency, frequency, gravity and victims'),
    h('thead', {}, h('tr', {},
      ['Rank', 'Person', 'Score', 'RFG(V)', 'Victims', 'Incidents', 'Agencies', 'Last incident', 'Shown under', '']
        .map((t) => h('th', { scope: 'col' }, t)))),
    body);
  const form = h('form', { class: 'filters', 'aria-label': 'Filters' },
    h('label', { for: 'filter-area' }, 'Area'), area,
    h('label', { for: 'filter-agency' }, 'Known to'), agency,
    h('label', { for: 'filter-top' }, 'Top'), top,
    h('button', { type: 'submit', id: 'apply-filters' }, 'Apply'));
  const el = h('section', { class: 'view', 'aria-labelledby': 'nominations-title' },
    h('h2', { id: 'nominations-title' }, 'MATAC nominations'), form, digest, status,
    h('div', { class: 'table-wrap' }, table));
  let loaded = false;
  let seq = 0; // a slower earlier answer never overwrites a later one

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });

  async function load() {
    const mine = ++seq;
    status.textContent = 'Loading the nomination list…';
    replace(body);
    try {
      const variables = { top: Number(top.value), area: area.value || null, agency: agency.value || null };
      const { data, provenance } = await ctx.hub.query(QUERY, variables);
      if (mine !== seq) return;
      const list = data.matacNominations;
      digest.replaceChildren('Scoring configuration ', h('code', { title: list.config }, list.config.slice(0, 12)),
        ' (SHA-256 of config/rfg.yaml)');
      fillFilters(list.nominations);
      render(list.nominations, provenance);
      status.textContent = `${list.nominations.length} perpetrators listed.`;
      announce(status.textContent);
      el.dataset.ready = 'true';
      const named = await people(ctx.hub, list.nominations.map((n) => n.personId));
      if (mine !== seq) return;
      for (const row of body.rows) {
        const cell = row.querySelector('.person-name');
        cell.textContent = label(row.dataset.person, named.get(row.dataset.person));
      }
    } catch (error) {
      if (mine !== seq) return;
      status.textContent = `The list could not be shown: ${error.message}`;
      for (const reason of error.reasons ?? []) status.append(h('span', { class: 'reason' }, ` ${reason}`));
    }
  }

  function fillFilters(nominations) {
    // options come only from what the caller was shown, so they are never an oracle over other agencies
    for (const [select, key] of [[area, 'districts'], [agency, 'agencies']]) {
      const known = new Set([...select.options].map((o) => o.value));
      for (const value of nominations.flatMap((n) => n[key]).sort()) {
        if (!known.has(value)) {
          select.append(h('option', { value }, value));
          known.add(value);
        }
      }
    }
  }

  function render(nominations, provenance) {
    replace(body, nominations.map((n) => {
      const open = () => ctx.open('network', { personId: n.personId });
      const row = h('tr', { tabindex: 0, dataset: { person: n.personId, agreement: provenance?.agreement ?? '' },
        onclick: () => select(n, provenance), onkeydown: (e) => e.key === 'Enter' && open() },
      h('td', { class: 'num' }, n.rank),
      h('td', {}, h('span', { class: 'person-name' }, n.personId), n.serial ? h('span', { class: 'tag' }, 'serial') : null,
        h('div', { class: 'muted' }, n.personId)),
      h('td', { class: 'num' }, n.score.toFixed(1)),
      h('td', {}, bars(n)),
      h('td', { class: 'num' }, n.victimCount),
      h('td', { class: 'num' }, n.incidents),
      h('td', {}, n.agencies.map((a) => h('span', { class: `chip agency-${a}` }, a))),
      h('td', {}, day(n.lastIncident), h('div', { class: 'muted' }, `${n.daysSinceLast} days ago`)),
      h('td', { class: 'provenance' }, provenanceText(provenance)),
      h('td', {}, h('button', { type: 'button', class: 'open-network', onclick: (e) => { e.stopPropagation(); open(); } },
        'Network')));
      return row;
    }));
  }

  function select(n, provenance) {
    ctx.details(`Nomination #${n.rank}`, facts([
      ['Person', n.personId],
      ['Score', n.score.toFixed(2)],
      ...PARTS.map(([key]) => [key[0].toUpperCase() + key.slice(1), n[key].toFixed(2)]),
      ['Harm (sum)', n.harm.toFixed(1)],
      ['Victims', n.victimCount],
      ['Districts', n.districts.join(', ')],
      ['Records', n.records.map((r) => `${r.agency}:${r.localId}`).join(', ')],
      ['Shown under', provenanceText(provenance)],
    ]), h('button', { type: 'button', onclick: () => ctx.open('network', { personId: n.personId }) }, 'Open network'),
    h('button', { type: 'button', onclick: () => ctx.open('identity', { personId: n.personId }) }, 'Review identity'));
  }

  return {
    name: 'nominations',
    label: 'Nominations',
    el,
    activate() {
      if (!loaded) {
        loaded = true;
        load();
      }
    },
    /** What an investigation saves from the list: its filters and the people listed. */
    snapshot() {
      return { area: area.value || null, agency: agency.value || null,
        people: [...body.rows].map((row) => row.dataset.person) };
    },
    /** Reopen with saved filters (an option the current grant no longer offers is added, and answers nothing). */
    restore({ area: savedArea, agency: savedAgency }) {
      for (const [select, value] of [[area, savedArea], [agency, savedAgency]]) {
        if (value && ![...select.options].some((o) => o.value === value)) select.append(h('option', { value }, value));
        select.value = value ?? '';
      }
      loaded = true;
      load();
    },
    reset() {
      loaded = false;
      seq++;
      replace(body);
      digest.textContent = '';
      status.textContent = '';
      delete el.dataset.ready;
    },
  };
}

/** The RFG(V) breakdown: each part's points (1 to 5 in config/rfg.yaml's bands) as a bar, figures in words too. */
function bars(n) {
  const words = PARTS.map(([key]) => `${key} ${n[key]}`).join(', ');
  return h('div', { class: 'rfg', role: 'img', 'aria-label': `RFG(V) points: ${words}` },
    PARTS.map(([key, letter, colour]) => h('div', { class: `rfg-row rfg-${key}`, title: `${key}: ${n[key]} of 5` },
      h('span', { class: 'rfg-letter' }, letter),
      h('span', { class: 'rfg-track' }, h('span', {
        class: 'rfg-bar', style: { width: `${Math.min(100, (100 * n[key]) / 5)}%`, background: colour },
      })),
      h('span', { class: 'rfg-value' }, n[key]))));
}
