// A person's network: people, incidents and relationships drawn with Cytoscape.js (fcose layout), styled by role and
// agency. A click on a person expands them by one hop (Shift-click only adds them to the selection); two selected
// people can be joined by their shortest path; the time sliders filter the graph and the timeline beside it;
// repeated incidents between the same people can be grouped; PNG export and a print view. Two tables below the
// canvas list the same elements and stay in step with the selection, for keyboard and screen reader users.
// Cytoscape is loaded on first use, so the nomination list never waits for it.
import { provenanceText } from '../api.js';
import { announce, day, h, replace } from '../dom.js';
import { facts } from '../details.js';
import { GraphModel, RECORD_FIELDS, recordDate } from '../graph/model.js';
import { stylesheet } from '../graph/style.js';
import { SelectableTable } from '../graph/table.js';
import { TimeFilter } from '../graph/timeline.js';
import { label, people } from '../people.js';
import { fieldValue, shownUnder } from '../provenance.js';

const NETWORK = `query Network($id: ID!, $hops: Int!) {
  network(personId: $id, hops: $hops) {
    people truncated
    connections { a b aRole bRole record { ${RECORD_FIELDS} } }
  }
}`;
const PATH = `query Path($a: ID!, $b: ID!) {
  path(start: $a, goal: $b) { a b aRole bRole record { ${RECORD_FIELDS} } }
}`;
const TIMELINE = `query Timeline($id: ID!) {
  timeline(personId: $id) { at link record { ${RECORD_FIELDS} } }
}`;

let cytoscapeReady = null;
function loadCytoscape() {
  cytoscapeReady ??= Promise.all([import('cytoscape'), import('cytoscape-fcose')]).then(([cy, fcose]) => {
    cy.default.use(fcose.default);
    return cy.default;
  });
  return cytoscapeReady;
}

export function networkView(ctx) {
  const state = {
    model: new GraphModel(), focus: null, hops: 2, names: new Map(), selected: [], path: null, group: false,
    window: null, truncated: false, seq: 0,
  };
  let cy = null;

  // --- controls
  const personInput = h('input', { id: 'network-person', placeholder: 'HP-…', size: 16, autocomplete: 'off' });
  const hops = h('select', { id: 'network-hops' }, [1, 2, 3].map((n) => h('option', { value: n, selected: n === 2 }, n)));
  const openForm = h('form', { class: 'filters', 'aria-label': 'Open a network' },
    h('label', { for: 'network-person' }, 'Person'), personInput,
    h('label', { for: 'network-hops' }, 'Hops'), hops,
    h('button', { type: 'submit', id: 'network-open' }, 'Open'));
  openForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (personInput.value.trim()) load(personInput.value.trim(), Number(hops.value));
  });
  const pathButton = h('button', { type: 'button', id: 'find-path', disabled: true, onclick: () => findPath() },
    'Shortest path');
  const clearButton = h('button', { type: 'button', id: 'clear-path', class: 'secondary', onclick: () => clearPath() },
    'Clear path');
  const groupBox = h('input', { type: 'checkbox', id: 'group-incidents' });
  groupBox.addEventListener('change', () => {
    state.group = groupBox.checked;
    redraw(true);
  });
  const tools = h('div', { class: 'filters graph-tools', role: 'toolbar', 'aria-label': 'Graph tools' },
    pathButton, clearButton,
    h('label', { for: 'group-incidents' }, groupBox, ' Group repeated incidents'),
    h('button', { type: 'button', class: 'secondary', id: 'fit', onclick: () => cy?.fit(undefined, 20) }, 'Fit'),
    h('button', { type: 'button', class: 'secondary', id: 'export-png', onclick: () => exportPng() }, 'Export PNG'),
    h('button', { type: 'button', class: 'secondary', id: 'print-view', onclick: () => printView() }, 'Print view'));

  const status = h('p', { class: 'status', role: 'status', id: 'network-status' });
  const canvas = h('div', { id: 'cy', class: 'cy', role: 'group', 'aria-roledescription': 'network graph',
    'aria-label': 'Network graph', 'aria-describedby': 'cy-help' });
  const help = h('p', { id: 'cy-help', class: 'hint' },
    'Click a person to expand them by one hop; Shift-click to select without expanding; select two people for the ',
    'shortest path. The tables below list the same people and incidents and follow the selection.');
  const printImage = h('img', { class: 'print-only', id: 'print-image', alt: 'The network graph as drawn' });
  const legend = h('ul', { class: 'legend', 'aria-label': 'Legend' },
    [['perpetrator', 'perpetrator (triangle)'], ['concern', 'child harm concern'], ['victim', 'victim'],
      ['child', 'child present (square)'], ['other', 'other person']]
      .map(([role, text]) => h('li', {}, h('span', { class: `swatch ${role}` }), text)),
    h('li', {}, h('span', { class: 'swatch incident' }), 'incident (colour: recording agency)'),
    h('li', {}, h('span', { class: 'swatch link' }), 'relationship (dashed)'));
  const time = new TimeFilter((w) => {
    state.window = w;
    applyTime();
  });
  const victims = h('ol', { id: 'victims-in-order', class: 'victims' });
  const timelineList = h('ol', { id: 'timeline', class: 'timeline' });
  const side = h('aside', { class: 'graph-side', 'aria-label': 'Victims and timeline' },
    h('h3', {}, 'Victims in time order'), victims, h('h3', {}, 'Timeline'), timelineList);

  const peopleTable = new SelectableTable({
    id: 'network-people', caption: 'People in the graph',
    columns: [
      { title: 'Person', value: (p) => label(p.id, state.names.get(p.id)) },
      { title: 'Id', value: (p) => p.id },
      { title: 'Role', value: (p) => p.role },
      { title: 'Shown under', value: (p) => provenanceText(p.provenance) },
    ],
    onSelect: (id, additive) => select(id, additive),
    actions: (p) => [h('button', { type: 'button', class: 'expand', onclick: () => expand(p.id) }, 'Expand')],
  });
  const incidentTable = new SelectableTable({
    id: 'network-incidents', caption: 'Incidents in the graph',
    columns: [
      { title: 'Date', value: (i) => day(i.record.occurredAt) },
      { title: 'Category', value: (i) => i.record.category ?? '' },
      { title: 'Agency', value: (i) => i.record.agency },
      { title: 'People', value: (i) => [...i.participants].map(([who, role]) =>
        `${label(who, state.names.get(who))} (${role.toLowerCase().replace(/_/g, ' ')})`).join('; ') },
      { title: 'Shown under', value: (i) => provenanceText(i.provenance) },
    ],
    onSelect: (id, additive) => select(id, additive),
  });

  const el = h('section', { class: 'view network-view', 'aria-labelledby': 'network-title' },
    h('h2', { id: 'network-title' }, 'Network'), openForm, tools, status,
    h('div', { class: 'graph-layout' },
      h('div', { class: 'graph-main' }, canvas, printImage, help, legend, time.el), side),
    h('div', { class: 'graph-tables' }, peopleTable.el, incidentTable.el));

  // --- loading
  async function load(personId, hopCount) {
    const mine = ++state.seq;
    Object.assign(state, { model: new GraphModel(), focus: personId, hops: hopCount, selected: [], path: null });
    time.span = null; // a new network starts with its whole time range
    personInput.value = personId;
    hops.value = String(hopCount);
    delete el.dataset.ready;
    status.textContent = `Loading the network of ${personId}…`;
    try {
      const [cytoscape, answer] = await Promise.all([loadCytoscape(), ctx.hub.query(NETWORK, { id: personId, hops: hopCount })]);
      if (mine !== state.seq) return;
      const network = answer.data.network;
      if (!network) {
        status.textContent = 'No network can be shown for this person under your purpose.';
        clearCanvas();
        return;
      }
      state.truncated = network.truncated;
      for (const id of network.people) state.model.addPerson(id, answer.provenance);
      state.model.addConnections(network.connections, answer.provenance);
      ensureCy(cytoscape);
      redraw(true);
      el.dataset.ready = 'true';
      loadNames(mine);
      loadTimeline(personId, mine);
    } catch (error) {
      if (mine !== state.seq) return;
      status.textContent = `The network could not be shown: ${error.message}`;
      clearCanvas();
    }
  }

  async function loadNames(mine) {
    const named = await people(ctx.hub, [...state.model.people.keys()]).catch(() => new Map());
    if (mine !== state.seq) return;
    for (const [id, person] of named) {
      state.names.set(id, person);
      cy?.getElementById(id).data('label', label(id, person));
    }
    fillTables();
  }

  async function loadTimeline(personId, mine) {
    try {
      const { data } = await ctx.hub.query(TIMELINE, { id: personId });
      if (mine !== state.seq) return;
      replace(timelineList, data.timeline.map((t) => h('li', {
        dataset: { time: String(Date.parse(t.at ?? recordDate(t.record) ?? '') || '') },
      }, h('time', {}, day(t.at)), ' ', t.record.category ?? t.record.kind ?? t.record.__typename,
      h('span', { class: 'muted' }, ` ${t.link.toLowerCase()} · ${t.record.agency}`))));
      applyTime();
    } catch (error) {
      replace(timelineList, h('li', { class: 'muted' }, `No timeline: ${error.message}`));
    }
  }

  async function expand(personId) {
    const mine = state.seq;
    status.textContent = `Expanding ${label(personId, state.names.get(personId))}…`;
    try {
      const answer = await ctx.hub.query(NETWORK, { id: personId, hops: 1 });
      if (mine !== state.seq || !answer.data.network) return;
      const before = state.model.people.size;
      state.model.addConnections(answer.data.network.connections, answer.provenance);
      for (const id of answer.data.network.people) state.model.addPerson(id, answer.provenance);
      redraw(false);
      loadNames(mine);
      announce(`${state.model.people.size - before} people added.`);
    } catch (error) {
      status.textContent = `Could not expand: ${error.message}`;
    }
  }

  async function findPath() {
    const [a, b] = state.selected.filter((id) => state.model.people.has(id)).slice(-2);
    if (!a || !b) return;
    status.textContent = 'Finding the shortest path…';
    try {
      const answer = await ctx.hub.query(PATH, { a, b });
      const path = answer.data.path;
      if (!path) {
        status.textContent = 'No path between them can be shown under your purpose.';
        return;
      }
      state.model.addConnections(path, answer.provenance);
      state.path = path;
      redraw(false);
      loadNames(state.seq);
      status.textContent = `Shortest path: ${path.length} connection${path.length === 1 ? '' : 's'}.`;
      announce(status.textContent);
    } catch (error) {
      status.textContent = `No path: ${error.message}`;
    }
  }

  function clearPath() {
    state.path = null;
    cy?.elements().removeClass('on-path faded');
  }

  // --- drawing
  function ensureCy(cytoscape) {
    if (cy) return;
    cy = cytoscape({
      container: canvas, style: stylesheet(), autounselectify: true, boxSelectionEnabled: false,
      minZoom: 0.05, maxZoom: 4, wheelSensitivity: 0.3, textureOnViewport: true, hideEdgesOnViewport: true,
    });
    canvas.cy = cy; // for the browser tests and the benchmark, which read the graph as drawn
    cy.on('tap', 'node', (event) => {
      const node = event.target;
      const additive = Boolean(event.originalEvent?.shiftKey || event.originalEvent?.ctrlKey || event.originalEvent?.metaKey);
      select(node.id(), additive);
      if (!additive && node.data('kind') === 'person') expand(node.id());
    });
    cy.on('tap', (event) => {
      if (event.target === cy) select(null, false);
    });
  }

  function clearCanvas() {
    cy?.elements().remove();
    fillTables();
  }

  /** Put the model on the canvas; `full` lays everything out afresh, otherwise only new elements move. */
  function redraw(full) {
    if (!cy) return;
    const elements = state.model.elements({ names: namesOnly(), focus: state.focus, group: state.group });
    const fresh = [];
    cy.batch(() => {
      if (full) cy.elements().remove();
      for (const element of elements) {
        const existing = cy.getElementById(element.data.id);
        if (existing.nonempty()) continue;
        fresh.push(element);
      }
      const added = cy.add(fresh);
      // new people start beside whoever brought them in, so an expansion grows from its node
      for (const node of added.nodes()) {
        const anchor = node.neighborhood('node').filter((n) => !added.contains(n)).first();
        if (anchor.nonempty()) node.position({ x: anchor.position('x') + Math.random() * 40 - 20, y: anchor.position('y') + Math.random() * 40 - 20 });
      }
    });
    const people = cy.nodes('.person').length;
    const incidents = cy.nodes('.incident').length;
    canvas.setAttribute('aria-label',
      `Network graph of ${label(state.focus, state.names.get(state.focus))}: ${people} people, ${incidents} incidents`);
    status.textContent = `${people} people, ${incidents} incidents, ${cy.edges('.link').length} relationships` +
      (state.truncated ? ' (cut at 500 people: narrow the question)' : '') + '.';
    // a full layout starts from random positions; an expansion refines the current one (fcose needs 'proof' then)
    const big = cy.nodes().length > 300;
    const layout = cy.layout({
      name: 'fcose', animate: false, randomize: full, quality: full ? (big ? 'draft' : 'default') : 'proof',
      nodeDimensionsIncludeLabels: false, packComponents: true, nodeRepulsion: 6000, idealEdgeLength: 60,
    });
    layout.one('layoutstop', () => {
      if (full) cy.fit(undefined, 20);
      el.dataset.rendered = String(Date.now());
    });
    layout.run();
    highlightPath();
    applyTime();
    fillTables();
    fillVictims();
    markSelection();
  }

  function namesOnly() {
    return new Map([...state.names].map(([id, p]) => [id, label(id, p)]));
  }

  function highlightPath() {
    if (!cy || !state.path) return;
    const onPath = cy.collection();
    for (const c of state.path) {
      onPath.merge(cy.getElementById(c.a)).merge(cy.getElementById(c.b));
      const key = c.record.id ?? `${c.record.__typename}:${c.record.agency}:${c.record.localId ?? '?'}`;
      const record = cy.getElementById(key);
      onPath.merge(record);
      if (record.isNode()) onPath.merge(record.edgesWith(cy.getElementById(c.a))).merge(record.edgesWith(cy.getElementById(c.b)));
    }
    cy.elements().addClass('faded').removeClass('on-path');
    onPath.removeClass('faded').addClass('on-path');
  }

  function applyTime() {
    if (!cy) return;
    const w = state.window;
    const inWindow = (t) => !w || t === null || t === undefined || (t >= w[0] && t <= w[1]);
    cy.batch(() => {
      cy.elements().removeClass('out-of-time');
      cy.nodes('.incident').filter((n) => !inWindow(n.data('time'))).addClass('out-of-time');
      cy.edges('.involvement').filter((e) => !inWindow(e.data('time'))).addClass('out-of-time');
      cy.edges('.link').filter((e) => w && e.data('time') && e.data('time') > w[1]).addClass('out-of-time');
      // a person with nothing left in the window leaves with it (the focus always stays)
      cy.nodes('.person').filter((n) => n.id() !== state.focus && n.connectedEdges().not('.out-of-time').empty())
        .addClass('out-of-time');
      cy.nodes('.group').filter((g) => g.children().not('.out-of-time').empty()).addClass('out-of-time');
    });
    const visible = (id) => {
      const ele = cy.getElementById(id);
      return ele.empty() || !ele.hasClass('out-of-time');
    };
    peopleTable.show(visible);
    incidentTable.show(visible);
    for (const item of timelineList.children) {
      const t = Number(item.dataset.time);
      item.classList.toggle('outside', Boolean(w && t && (t < w[0] || t > w[1])));
    }
    el.dataset.visiblePeople = String(cy.nodes('.person').not('.out-of-time').length);
    el.dataset.visibleIncidents = String(cy.nodes('.incident').not('.out-of-time').length);
  }

  function fillTables() {
    const personRows = [...state.model.people.values()].map((p) => ({
      id: p.id, provenance: p.provenance, role: cy?.getElementById(p.id).data('role') ?? '',
    }));
    personRows.sort((x, y) => (x.id === state.focus ? -1 : y.id === state.focus ? 1 : x.id.localeCompare(y.id)));
    peopleTable.render(personRows);
    const incidentRows = [...state.model.records]
      .filter(([, r]) => r.record.__typename === 'Incident')
      .map(([id, r]) => ({ id, ...r }))
      .sort((x, y) => String(x.record.occurredAt).localeCompare(String(y.record.occurredAt)));
    incidentTable.render(incidentRows);
    const span = state.model.span();
    time.setData(span, incidentRows.map((r) => ({ time: Date.parse(r.record.occurredAt ?? ''), agency: r.record.agency })));
    state.window = time.window();
    applyTime();
    markSelection();
  }

  function fillVictims() {
    const list = state.model.victimsInOrder(state.focus);
    replace(victims, list.length
      ? list.map((v) => h('li', { dataset: { person: v.id } }, h('button', { type: 'button', class: 'link-button',
        onclick: () => select(v.id, false) }, label(v.id, state.names.get(v.id))),
      h('span', { class: 'muted' }, ` ${day(v.first)}${v.last !== v.first ? ` – ${day(v.last)}` : ''}, ${v.incidents} incident${v.incidents === 1 ? '' : 's'}`)))
      : h('li', { class: 'muted' }, 'No victims of this person are shown.'));
  }

  // --- selection, kept in step across canvas, tables and details
  function select(id, additive) {
    if (!id) state.selected = [];
    else if (additive) state.selected = state.selected.includes(id) ? state.selected.filter((s) => s !== id) : [...state.selected, id];
    else state.selected = [id];
    markSelection();
    if (id) describe(id);
  }

  function markSelection() {
    const chosen = new Set(state.selected);
    if (cy) {
      cy.nodes('.picked').removeClass('picked');
      for (const id of chosen) cy.getElementById(id).addClass('picked');
    }
    peopleTable.sync(chosen);
    incidentTable.sync(chosen);
    const people = state.selected.filter((id) => state.model.people.has(id));
    pathButton.disabled = people.length < 2;
    el.dataset.selected = state.selected.join(' ');
    if (state.selected.length) announce(`${state.selected.length} selected`);
  }

  function describe(id) {
    const person = state.model.people.get(id);
    if (person) {
      const known = state.names.get(id);
      ctx.details(label(id, known),
        facts([['Id', id], ['Role on screen', cy?.getElementById(id).data('role')]]),
        ...(known?.records ?? []).map((r) => h('div', { class: 'record' },
          h('h3', {}, `${r.agency} record`),
          facts([
            ['Reference', fieldValue(ctx, r.localId, { type: 'PersonRecord', field: 'localId', agency: r.agency })],
            ['Given name', fieldValue(ctx, r.givenName, { type: 'PersonRecord', field: 'givenName', agency: r.agency })],
            ['Family name', fieldValue(ctx, r.familyName, { type: 'PersonRecord', field: 'familyName', agency: r.agency })],
            ['Date of birth', fieldValue(ctx, r.dob, { type: 'PersonRecord', field: 'dob', agency: r.agency })],
            ['Postcode', fieldValue(ctx, r.postcode, { type: 'PersonRecord', field: 'postcode', agency: r.agency })],
          ]))),
        shownUnder(person.provenance),
        h('button', { type: 'button', onclick: () => expand(id) }, 'Expand by one hop'),
        h('button', { type: 'button', onclick: () => load(id, state.hops) }, 'Centre on this person'),
        h('button', { type: 'button', onclick: () => ctx.open('identity', { personId: id }) }, 'Review identity'));
      return;
    }
    const entry = state.model.records.get(id);
    if (!entry) return;
    const r = entry.record;
    const at = { type: r.__typename, agency: r.agency };
    ctx.details(`${r.__typename} ${r.localId ?? ''}`,
      facts([
        ['Agency', r.agency],
        ['When', fieldValue(ctx, recordDate(r), { ...at, field: r.__typename === 'Incident' ? 'occurredAt' : 'start' })],
        ...(r.__typename === 'Incident' ? [
          ['Category', fieldValue(ctx, r.category, { ...at, field: 'category' })],
          ['Offence', fieldValue(ctx, r.offence, { ...at, field: 'offence' })],
          ['Harm score', fieldValue(ctx, r.harmScore, { ...at, field: 'harmScore' })],
          ['Outcome', fieldValue(ctx, r.outcome, { ...at, field: 'outcome' })],
        ] : [['Kind', fieldValue(ctx, r.kind, { ...at, field: 'kind' })]]),
        ['People', [...entry.participants].map(([who, role]) => `${label(who, state.names.get(who))}: ${role}`).join('; ')],
      ]),
      shownUnder(entry.provenance));
  }

  // --- export and print
  function exportPng() {
    if (!cy) return;
    const blob = cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' });
    const link = h('a', { href: URL.createObjectURL(blob), download: `network-${state.focus}.png` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  function renderPrintImage() {
    if (cy) printImage.src = cy.png({ full: true, scale: 1.5, bg: '#ffffff', maxWidth: 2000 });
  }

  function printView() {
    renderPrintImage();
    document.body.classList.toggle('print-preview');
    document.getElementById('print-view').textContent =
      document.body.classList.contains('print-preview') ? 'Close print view' : 'Print view';
  }
  window.addEventListener('beforeprint', renderPrintImage); // Ctrl+P prints the graph as drawn, too

  return {
    name: 'network',
    label: 'Network',
    el,
    activate(args) {
      if (args?.personId && args.personId !== state.focus) load(args.personId, args.hops ?? state.hops);
      else if (args?.personId && args.hops && args.hops !== state.hops) load(args.personId, args.hops);
      // the canvas was out of the document while another view was open: let Cytoscape measure it again
      requestAnimationFrame(() => cy?.resize());
    },
    reset() {
      state.seq++;
      Object.assign(state, { model: new GraphModel(), focus: null, names: new Map(), selected: [], path: null, window: null });
      cy?.destroy();
      cy = null;
      replace(victims);
      replace(timelineList);
      peopleTable.render([]);
      incidentTable.render([]);
      status.textContent = '';
      personInput.value = '';
      document.body.classList.remove('print-preview');
      for (const key of ['ready', 'rendered', 'selected', 'visiblePeople', 'visibleIncidents']) delete el.dataset[key];
    },
    /** What an investigation saves: the people on screen and the filters. */
    snapshot() {
      const w = time.window();
      return {
        focus: state.focus, hops: state.hops, people: [...state.model.people.keys()], group: state.group,
        from: w ? new Date(w[0]).toISOString().slice(0, 10) : null, to: w ? new Date(w[1]).toISOString().slice(0, 10) : null,
        selected: state.selected,
      };
    },
    /** Reopen a saved view: the focus network, then each saved person expanded, then the filters. */
    async restore(view) {
      await load(view.focus, view.hops ?? 2);
      const missing = (view.people ?? []).filter((id) => !state.model.people.has(id));
      for (const id of missing.slice(0, 50)) await expand(id);
      groupBox.checked = Boolean(view.group);
      state.group = groupBox.checked;
      if (state.group) redraw(true);
      if (view.from || view.to) time.setWindow(view.from, view.to);
      for (const id of view.selected ?? []) if (state.model.people.has(id)) select(id, true);
    },
    time,
  };
}
