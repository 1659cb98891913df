// How the graph is drawn. Fills keep 3:1 contrast against the white canvas (WCAG 1.4.11 for graphics) and every
// colour has a shape or a label beside it, so nothing is told by colour alone.
export const ROLE_COLOURS = {
  perpetrator: '#a4262c',
  concern: '#8a4b00',
  victim: '#1f5fa8',
  child: '#2e7d32',
  other: '#5c5c5c',
};

const AGENCY_PALETTE = ['#0b4f8a', '#6a3d9a', '#b15928', '#1b7a6e', '#7a5c00', '#9c2a6a', '#3d5a80', '#5b6b00'];
const KNOWN = [
  'cleveland-police', 'probation-ne', 'tees-nhs', 'stockton-childrens', 'thirteen-housing', 'harbour-idva',
  'stockton-schools',
];

export function agencyColour(agency) {
  let i = KNOWN.indexOf(agency);
  if (i < 0) i = [...String(agency)].reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) >>> 0, 7);
  return AGENCY_PALETTE[i % AGENCY_PALETTE.length];
}

export function stylesheet() {
  return [
    { selector: 'node', style: {
      label: 'data(label)', 'font-size': 10, color: '#1b1b1b', 'text-valign': 'bottom', 'text-margin-y': 3,
      'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 1,
      'min-zoomed-font-size': 7, // labels drop out when zoomed far out: 500 nodes stay readable as a shape
    } },
    { selector: 'node.person', style: { shape: 'ellipse', width: 22, height: 22, 'background-color': ROLE_COLOURS.other } },
    ...Object.entries(ROLE_COLOURS).map(([role, colour]) => ({
      selector: `node.person.${role}`, style: { 'background-color': colour },
    })),
    { selector: 'node.person.child', style: { shape: 'round-rectangle', width: 16, height: 16 } },
    { selector: 'node.person.perpetrator', style: { shape: 'round-triangle', width: 26, height: 26 } },
    { selector: 'node.focus', style: { 'border-width': 4, 'border-color': '#1b1b1b', width: 32, height: 32,
      'font-weight': 'bold' } },
    { selector: 'node.incident', style: {
      shape: 'diamond', width: 12, height: 12, 'background-color': (n) => agencyColour(n.data('agency')),
      'font-size': 8, label: '',
    } },
    { selector: 'node.group', style: {
      'background-color': '#f3f5f7', 'border-color': '#767676', 'border-width': 1, shape: 'round-rectangle',
      label: 'data(label)', 'text-valign': 'top', 'font-size': 9, padding: 6,
    } },
    { selector: 'edge', style: { width: 1.5, 'line-color': '#767676', 'curve-style': 'bezier' } },
    ...Object.entries(ROLE_COLOURS).map(([role, colour]) => ({
      selector: `edge.involvement.${role}`, style: { 'line-color': colour },
    })),
    { selector: 'edge.perpetrator', style: { 'target-arrow-shape': 'triangle', 'target-arrow-color': ROLE_COLOURS.perpetrator,
      'arrow-scale': 0.7 } },
    { selector: 'edge.link', style: { 'line-style': 'dashed', width: 2, label: 'data(label)', 'font-size': 8,
      color: '#4a4a4a', 'text-rotation': 'autorotate', 'text-background-color': '#fff', 'text-background-opacity': 0.85,
      'min-zoomed-font-size': 8 } },
    { selector: '.picked', style: { 'overlay-color': '#b35c00', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
    { selector: '.on-path', style: { 'line-color': '#b35c00', width: 4, 'border-width': 4, 'border-color': '#b35c00',
      'z-index': 10 } },
    { selector: '.faded', style: { opacity: 0.18 } },
    { selector: '.out-of-time', style: { display: 'none' } },
  ];
}
