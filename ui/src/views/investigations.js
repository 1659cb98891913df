// Investigations: save the view on screen (the people in the network, the network's centre, hops and time window,
// the list's filters) with the declared purpose and justification, and reopen it. The hub keeps them per analyst
// and purpose and, on reopening, shows only the people the current grant allows: the page just draws what comes
// back, so a view reopened under a narrower agreement is narrower too.
import { announce, day, h, replace } from '../dom.js';

const FIELDS = `id name savedAt purpose justification personIds
  filters { area agency from to centrePersonId hops }`;
const LIST = `{ investigations(first: 50) { ${FIELDS} } }`;
const OPEN = `query Open($id: ID!) { investigation(id: $id) { ${FIELDS} } }`;
const SAVE = `mutation Save($name: String!, $view: InvestigationInput!) { saveInvestigation(name: $name, view: $view) { ${FIELDS} } }`;

export function investigationsView(ctx) {
  const name = h('input', { id: 'investigation-name', placeholder: 'e.g. Panel 2026-12, subject A', size: 30 });
  const save = h('button', { type: 'submit', id: 'save-investigation' }, 'Save the current view');
  const form = h('form', { class: 'filters', 'aria-label': 'Save the current view' },
    h('label', { for: 'investigation-name' }, 'Name'), name, save);
  const status = h('p', { class: 'status', role: 'status', id: 'investigations-status' });
  const body = h('tbody');
  const table = h('table', { class: 'grid', id: 'investigations' },
    h('caption', {}, 'Your saved views under this purpose, newest first'),
    h('thead', {}, h('tr', {}, ['Name', 'Saved', 'Purpose', 'Justification', 'People', 'Centre', '']
      .map((t) => h('th', { scope: 'col' }, t)))),
    body);
  const el = h('section', { class: 'view', 'aria-labelledby': 'investigations-title' },
    h('h2', { id: 'investigations-title' }, 'Investigations'), form, status, h('div', { class: 'table-wrap' }, table));
  let loaded = false;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const views = ctx.views();
    const network = views.network.snapshot();
    const list = views.nominations.snapshot();
    const personIds = network.focus ? network.people : list.people;
    const filters = {
      area: list.area, agency: list.agency, centrePersonId: network.focus, hops: network.focus ? network.hops : null,
      from: network.focus ? network.from : null, to: network.focus ? network.to : null,
    };
    try {
      const { data } = await ctx.hub.query(SAVE, { name: name.value.trim() || `View of ${new Date().toISOString().slice(0, 16)}`, view: { personIds: personIds.slice(0, 500), filters } });
      status.textContent = `Saved “${data.saveInvestigation.name}” with ${data.saveInvestigation.personIds.length} people.`;
      announce(status.textContent);
      name.value = '';
      await load();
    } catch (error) {
      status.textContent = `Not saved: ${error.message}`;
    }
  });

  async function load() {
    delete el.dataset.ready;
    try {
      const { data } = await ctx.hub.query(LIST);
      replace(body, data.investigations.map((inv) => h('tr', { dataset: { investigation: inv.id } },
        h('td', {}, inv.name), h('td', {}, `${day(inv.savedAt)} ${String(inv.savedAt).slice(11, 16)}`),
        h('td', {}, inv.purpose), h('td', {}, inv.justification ?? ''), h('td', { class: 'num' }, inv.personIds.length),
        h('td', {}, inv.filters.centrePersonId ?? ''),
        h('td', {}, h('button', { type: 'button', class: 'reopen', onclick: () => reopen(inv.id) }, 'Reopen')))));
      if (!data.investigations.length) body.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'Nothing saved under this purpose yet.')));
    } catch (error) {
      status.textContent = `Saved views cannot be listed: ${error.message}`;
    }
    el.dataset.ready = 'true';
  }

  async function reopen(id) {
    try {
      const { data } = await ctx.hub.query(OPEN, { id });
      const inv = data.investigation;
      if (!inv) {
        status.textContent = 'That view cannot be opened under your current purpose.';
        return;
      }
      const f = inv.filters;
      ctx.views().nominations.restore({ area: f.area, agency: f.agency });
      if (f.centrePersonId) {
        ctx.open('network');
        await ctx.views().network.restore({ focus: f.centrePersonId, hops: f.hops ?? 2, people: inv.personIds, from: f.from, to: f.to });
      } else {
        ctx.open('nominations');
      }
      announce(`Reopened “${inv.name}” with ${inv.personIds.length} people.`);
    } catch (error) {
      status.textContent = `Not reopened: ${error.message}`;
    }
  }

  return {
    name: 'investigations', label: 'Investigations', el,
    activate() {
      if (!loaded) {
        loaded = true;
        load();
      }
    },
    reset() {
      loaded = false;
      replace(body);
      status.textContent = '';
      delete el.dataset.ready;
    },
  };
}
