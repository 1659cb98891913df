// The workspace shell: sign in, declare a purpose, then the views. The shell owns the session and the one Hub
// client; views get a context (ctx) with the client, a way to open another view, and the details panel.
import './styles.css';
import { Hub } from './api.js';
import { h, replace } from './dom.js';
import { showDetails, hideDetails } from './details.js';
import { clearPeople } from './people.js';
import { expired, renderPurpose, renderSignIn } from './session.js';
import { loadSession, saveSession } from './session-store.js';
import { VIEWS } from './views/index.js';

const root = document.getElementById('view');
const tabs = document.getElementById('tabs');
let session = loadSession();
let views = {};
let current = null;

function signOut() {
  session = null;
  saveSession(null);
  start();
}

const hub = new Hub({}, { onUnauthorised: () => setTimeout(signOut, 0) });

const ctx = {
  hub,
  get session() {
    return session;
  },
  open: (name, args) => open(name, args),
  details: showDetails,
  views: () => views,
};

function renderHeader() {
  const caller = document.getElementById('caller');
  const context = document.getElementById('context');
  if (!session) {
    replace(caller);
    replace(context);
    return;
  }
  replace(caller,
    h('span', { class: 'who' }, session.agencyName ?? session.agency, ' · ', session.roles.join(', ')),
    h('a', { href: '/graphql', class: 'link', target: '_blank', rel: 'noopener' }, 'GraphiQL'),
    h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'));
  if (!session.purpose) return replace(context);
  replace(context,
    h('span', { class: 'badge purpose-badge', id: 'purpose-shown' }, 'Purpose: ', h('strong', {}, session.purpose)),
    h('span', { class: 'badge', id: 'justification-shown' }, 'Justification: ',
      h('strong', {}, session.justification ?? 'none')),
    h('button', { type: 'button', id: 'change-purpose', onclick: changePurpose }, 'Change purpose'));
}

function changePurpose() {
  // what is on screen was disclosed for the old purpose: clear it before anything else
  resetViews();
  askPurpose();
}

function resetViews() {
  for (const view of Object.values(views)) view.reset?.();
  clearPeople();
  hideDetails();
  current = null;
}

async function askPurpose() {
  tabs.hidden = true;
  renderHeader();
  const purposes = await declarable();
  renderPurpose(root, session, purposes, ({ purpose, justification }) => {
    session = { ...session, purpose, justification };
    saveSession(session);
    begin();
  });
}

/** The purposes the hub says this caller may declare today (null when it cannot say: the known list is used). */
async function declarable() {
  hub.session = { token: session.token };
  try {
    const { data } = await hub.query(`{ purposes { code description justificationRequired justificationPattern
      justificationDescription agreement { id version title } } }`);
    return data.purposes.map((p) => ({
      name: p.code,
      label: `${p.code}: ${p.description}`,
      justificationPattern: p.justificationRequired ? p.justificationPattern : null,
      reference: p.justificationPattern ? p.justificationPattern.replace('*', '0001') : '',
      agreement: p.agreement,
    }));
  } catch {
    return null;
  }
}

function begin() {
  hub.session = session;
  renderHeader();
  views = Object.fromEntries(VIEWS.map((make) => {
    const view = make(ctx);
    return [view.name, view];
  }));
  replace(tabs, h('div', { role: 'tablist', 'aria-label': 'Views' },
    Object.values(views).map((view) => h('button', {
      type: 'button', role: 'tab', id: `tab-${view.name}`, 'aria-controls': 'view',
      'aria-selected': 'false', onclick: () => open(view.name),
    }, view.label))));
  tabs.hidden = false;
  open(location.hash.slice(1) in views ? location.hash.slice(1) : Object.keys(views)[0]);
}

function open(name, args) {
  const view = views[name];
  if (!view) return;
  for (const tab of tabs.querySelectorAll('[role=tab]')) {
    tab.setAttribute('aria-selected', String(tab.id === `tab-${name}`));
  }
  if (current !== view) {
    hideDetails();
    replace(root, view.el);
    current = view;
  }
  history.replaceState(null, '', `#${name}`);
  view.activate(args);
}

function start() {
  renderHeader();
  tabs.hidden = true;
  hideDetails();
  if (expired(session)) {
    session = null;
    saveSession(null);
    renderHeader();
    renderSignIn(root, (signedIn) => {
      session = signedIn;
      saveSession(session);
      askPurpose();
    });
  } else if (!session.purpose) {
    askPurpose();
  } else {
    begin();
  }
}

start();
