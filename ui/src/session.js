// Signing in and declaring a purpose: the two steps before any data. Three ways in: a demo caller (development
// only: the hub answers /ui/dev/*), a pasted bearer token, or a partner's client credentials (POST /oauth/token).
// The purpose and justification are chosen next and then shown at all times; changing either clears the screen,
// because what is on it was disclosed for the previous purpose.
import { h, replace } from './dom.js';
import { KNOWN_PURPOSES, ROLE_PURPOSE } from './purposes.js';

/** The claims of a JWT, for display only (the hub verifies the token; the page never trusts this). */
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}

function fromToken(token, extra = {}) {
  const c = claims(token);
  const roles = c.roles ?? [];
  return {
    token,
    agency: c.hub_agency ?? extra.agency ?? '?',
    roles: Array.isArray(roles) ? roles : [roles],
    subject: c.sub ?? '',
    expiresAt: c.exp ? c.exp * 1000 : Date.now() + 3600_000,
    ...extra,
  };
}

export function expired(session) {
  return !session?.token || session.expiresAt <= Date.now();
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** Render the sign-in panel into `root`; calls `done(session)` with a token and who it names. */
export async function renderSignIn(root, done) {
  const error = h('p', { class: 'error', role: 'alert' });
  const fail = (message) => {
    error.textContent = message;
  };
  const forms = h('div', { class: 'sign-in-forms' });
  replace(
    root,
    h('section', { class: 'panel sign-in', 'aria-labelledby': 'sign-in-title' },
      h('h2', { id: 'sign-in-title' }, 'Sign in'),
      h('p', {}, 'Every view is a request to the hub under your own token, audited like any other.'),
      forms,
      error),
  );

  let callers = null;
  try {
    const response = await fetch('/ui/dev/callers');
    if (response.ok) callers = (await response.json()).callers;
  } catch {
    callers = null; // production: no demo callers
  }
  if (callers?.length) forms.append(devForm(callers, done, fail));
  forms.append(tokenForm(done, fail), clientForm(done, fail));
}

function devForm(callers, done, fail) {
  const agency = h('select', { id: 'dev-agency', name: 'agency' },
    callers.map((c) => h('option', { value: c.agency }, `${c.name} (${c.agency})`)));
  const role = h('select', { id: 'dev-role', name: 'role' });
  const fillRoles = () => {
    const caller = callers.find((c) => c.agency === agency.value);
    replace(role, (caller?.roles ?? []).map((r) => h('option', { value: r }, r)));
  };
  agency.addEventListener('change', fillRoles);
  fillRoles();
  const form = h('form', { class: 'dev-sign-in', 'aria-labelledby': 'dev-title' },
    h('h3', { id: 'dev-title' }, 'Demo caller (development)'),
    h('label', { for: 'dev-agency' }, 'Agency'), agency,
    h('label', { for: 'dev-role' }, 'Role'), role,
    h('button', { type: 'submit', id: 'dev-sign-in' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const issued = await postJSON('/ui/dev/token', { agency: agency.value, role: role.value });
      const name = callers.find((c) => c.agency === agency.value)?.name;
      done(fromToken(issued.access_token, { agency: agency.value, roles: [role.value], agencyName: name }));
    } catch (error) {
      fail(`No demo token: ${error.message}`);
    }
  });
  return form;
}

function tokenForm(done, fail) {
  const area = h('textarea', { id: 'paste-token', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const form = h('form', { class: 'token-sign-in', 'aria-labelledby': 'token-title' },
    h('h3', { id: 'token-title' }, 'Bearer token'),
    h('label', { for: 'paste-token' }, 'Paste a token from your identity provider or `hub token`'), area,
    h('button', { type: 'submit' }, 'Use token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = area.value.trim().replace(/^Bearer\s+/i, '');
    if (token.split('.').length !== 3) return fail('That is not a JWT (three dot-separated parts).');
    done(fromToken(token));
  });
  return form;
}

function clientForm(done, fail) {
  const id = h('input', { id: 'client-id', autocomplete: 'username' });
  const secret = h('input', { id: 'client-secret', type: 'password', autocomplete: 'current-password' });
  const form = h('form', { class: 'client-sign-in', 'aria-labelledby': 'client-title' },
    h('h3', { id: 'client-title' }, 'Client credentials'),
    h('label', { for: 'client-id' }, 'Client id'), id,
    h('label', { for: 'client-secret' }, 'Client secret'), secret,
    h('button', { type: 'submit' }, 'Get a token'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: id.value, client_secret: secret.value });
    try {
      const response = await fetch('/oauth/token', { method: 'POST', body });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error_description ?? answer.error ?? `HTTP ${response.status}`);
      done(fromToken(answer.access_token));
    } catch (error) {
      fail(`No token: ${error.message}`);
    }
  });
  return form;
}

/**
 * Render the purpose form. `purposes` is what the hub says the caller may declare (or null: the known list).
 * Calls `done({purpose, justification})`.
 */
export function renderPurpose(root, session, purposes, done) {
  const options = purposes?.length ? purposes : KNOWN_PURPOSES;
  const preferred = session.purpose ?? session.roles.map((r) => ROLE_PURPOSE[r]).find(Boolean);
  const select = h('select', { id: 'purpose', name: 'purpose', required: true },
    options.map((p) => h('option', { value: p.name, selected: p.name === preferred }, p.label ?? p.name)));
  const justification = h('input', {
    id: 'justification', name: 'justification', autocomplete: 'off',
    value: session.justification ?? '', 'aria-describedby': 'justification-hint',
  });
  const hint = h('p', { id: 'justification-hint', class: 'hint' });
  const suggest = () => {
    const p = options.find((o) => o.name === select.value);
    const example = p?.reference ?? p?.justificationExample ?? '';
    hint.textContent = p?.justificationPattern
      ? `A reference matching ${p.justificationPattern} is required.`
      : example ? `A case reference such as ${example}.` : 'No reference needed for this purpose.';
    if (!justification.value && example) justification.value = example;
  };
  select.addEventListener('change', () => {
    justification.value = '';
    suggest();
  });
  suggest();
  const form = h('form', { class: 'panel purpose-form', 'aria-labelledby': 'purpose-title' },
    h('h2', { id: 'purpose-title' }, 'Declare your purpose'),
    h('p', {}, 'The hub shows only what the data-sharing agreement allows for this purpose. ',
      'Changing it later clears the screen.'),
    h('label', { for: 'purpose' }, 'Purpose'), select,
    h('label', { for: 'justification' }, 'Justification (case or referral reference)'), justification, hint,
    h('button', { type: 'submit', id: 'declare' }, 'Continue'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    done({ purpose: select.value, justification: justification.value.trim() || null });
  });
  replace(root, form);
}
