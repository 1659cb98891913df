// From the hub's answers to Cytoscape elements. Pure functions, no DOM: a Network (people + connections, each
// connection one record naming two people) becomes person nodes, incident nodes (an incident names several people,
// so it is a node they all link to, with an edge per person styled by their role in it) and direct edges for the
// other records that connect two people (relationships, orders...). Every element carries the provenance of the
// response it came from: which agreement and purpose let it through.

export const RECORD_FIELDS = `
  __typename agency localId
  ... on Incident { id occurredAt category crime offence harmScore riskLevel outcome }
  ... on Relationship { kind start end }
  ... on ProtectiveOrder { kind start end status }
  ... on Referral { forum role referredAt status }
  ... on Disclosure { scheme appliedAt decidedAt outcome }
  ... on RiskAssessment { tool score level assessedAt }
  ... on SupportNeed { need notedAt }`;

/** When a record happened or began, whatever its type calls it. */
export function recordDate(record) {
  return record.occurredAt ?? record.start ?? record.referredAt ?? record.appliedAt ?? record.assessedAt
    ?? record.notedAt ?? null;
}

export function recordKey(record) {
  return record.id ?? `${record.__typename}:${record.agency}:${record.localId ?? '?'}`;
}

const ROLE_RANK = { PERPETRATOR: 5, CHILD_HARM_CONCERN: 4, VICTIM: 3, CHILD_PRESENT: 2 };
const ROLE_CLASS = {
  PERPETRATOR: 'perpetrator', CHILD_HARM_CONCERN: 'concern', VICTIM: 'victim', CHILD_PRESENT: 'child',
};

/** The role a person is drawn with: the gravest they hold on any incident on screen. */
export function personRole(roles) {
  let best = null;
  for (const role of roles) if ((ROLE_RANK[role] ?? 0) > (ROLE_RANK[best] ?? 0)) best = role;
  return ROLE_CLASS[best] ?? 'other';
}

/**
 * Accumulates what the views have fetched so far (a network, expansions, a path) into one element set.
 * Adding the same record twice changes nothing.
 */
export class GraphModel {
  constructor() {
    this.people = new Map(); // id -> {id, roles:Set, provenance}
    this.records = new Map(); // key -> {record, provenance, participants: Map personId -> role}
  }

  addPerson(id, provenance) {
    if (!this.people.has(id)) this.people.set(id, { id, roles: new Set(), provenance });
    return this.people.get(id);
  }

  addConnections(connections, provenance) {
    for (const c of connections) {
      const key = recordKey(c.record);
      if (!this.records.has(key)) this.records.set(key, { record: c.record, provenance, participants: new Map() });
      const entry = this.records.get(key);
      for (const [who, role] of [[c.a, c.aRole], [c.b, c.bRole]]) {
        entry.participants.set(who, role);
        const person = this.addPerson(who, provenance);
        if (c.record.__typename === 'Incident') person.roles.add(role);
      }
    }
  }

  /** Victims of `perpetrator` on screen, first incident first: [{id, first, last, incidents}]. */
  victimsInOrder(perpetrator) {
    const victims = new Map();
    for (const { record, participants } of this.records.values()) {
      if (record.__typename !== 'Incident' || participants.get(perpetrator) !== 'PERPETRATOR') continue;
      for (const [who, role] of participants) {
        if (role !== 'VICTIM') continue;
        const v = victims.get(who) ?? { id: who, first: null, last: null, incidents: 0 };
        const at = record.occurredAt;
        if (at && (!v.first || at < v.first)) v.first = at;
        if (at && (!v.last || at > v.last)) v.last = at;
        v.incidents += 1;
        victims.set(who, v);
      }
    }
    return [...victims.values()].sort((x, y) => String(x.first).localeCompare(String(y.first)));
  }

  /** Earliest and latest incident dates on screen (ms), or null. */
  span() {
    const times = [...this.records.values()]
      .map(({ record }) => Date.parse(recordDate(record) ?? ''))
      .filter((t) => !Number.isNaN(t));
    return times.length ? [Math.min(...times), Math.max(...times)] : null;
  }

  /**
   * Cytoscape elements. `names` maps person id -> display name; `group` puts repeated incidents between the same
   * people (three or more) into one compound node, so dense neighbourhoods read as one box.
   */
  elements({ names = new Map(), focus = null, group = false } = {}) {
    const nodes = [];
    const edges = [];
    for (const p of this.people.values()) {
      nodes.push({
        group: 'nodes',
        data: { id: p.id, kind: 'person', label: names.get(p.id) ?? p.id, role: personRole(p.roles),
          provenance: p.provenance },
        classes: `person ${personRole(p.roles)}${p.id === focus ? ' focus' : ''}`,
      });
    }
    const bundles = new Map(); // participants key -> incident keys
    for (const [key, { record, participants }] of this.records) {
      if (record.__typename !== 'Incident') continue;
      const who = [...participants.keys()].sort().join('|');
      bundles.set(who, [...(bundles.get(who) ?? []), key]);
    }
    const parentOf = new Map();
    if (group) {
      for (const [who, keys] of bundles) {
        if (keys.length < 3) continue;
        const id = `group:${who}`;
        nodes.push({ group: 'nodes', data: { id, kind: 'group', label: `${keys.length} incidents` }, classes: 'group' });
        for (const key of keys) parentOf.set(key, id);
      }
    }
    for (const [key, { record, provenance, participants }] of this.records) {
      const at = recordDate(record);
      const time = at ? Date.parse(at) : null;
      if (record.__typename === 'Incident') {
        nodes.push({
          group: 'nodes',
          data: { id: key, kind: 'incident', label: `${record.category ?? 'incident'} ${at ? at.slice(0, 10) : ''}`,
            agency: record.agency, time, provenance, parent: parentOf.get(key) },
          classes: `incident agency-${record.agency}`,
        });
        for (const [who, role] of participants) {
          edges.push({
            group: 'edges',
            data: { id: `${key}~${who}`, source: who, target: key, kind: 'involvement', role, time, provenance },
            classes: `involvement ${ROLE_CLASS[role] ?? 'other'}`,
          });
        }
      } else {
        const [a, b] = [...participants.keys()];
        if (!a || !b) continue;
        edges.push({
          group: 'edges',
          data: { id: key, source: a, target: b, kind: record.__typename, label: record.kind ?? record.__typename,
            agency: record.agency, time, provenance },
          classes: `link ${record.__typename.toLowerCase()}`,
        });
      }
    }
    return [...nodes, ...edges];
  }
}
