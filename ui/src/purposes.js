// The purposes the demo agreements name, used until the hub says which ones the caller may declare (`purposes`).
// The hub decides; this list only fills the picker and hints at the reference each purpose asks for.
export const KNOWN_PURPOSES = [
  { name: 'matac-tasking', label: 'MATAC tasking', reference: 'MATAC-0001' },
  { name: 'marac', label: 'MARAC', reference: 'MARAC-0001' },
  { name: 'dvds-disclosure', label: "DVDS (Clare's Law) disclosure", reference: 'DVDS-0001' },
  { name: 'operation-encompass', label: 'Operation Encompass', reference: '' },
  { name: 'research-statistics', label: 'Research and statistics', reference: '' },
  { name: 'audit', label: 'Audit and oversight', reference: 'AUDIT-0001' },
];

/** What each role usually declares, so the picker starts on the likely choice. */
export const ROLE_PURPOSE = {
  'matac-analyst': 'matac-tasking',
  'marac-coordinator': 'marac',
  'dvds-officer': 'dvds-disclosure',
  'safeguarding-lead': 'operation-encompass',
  researcher: 'research-statistics',
  auditor: 'audit',
};
