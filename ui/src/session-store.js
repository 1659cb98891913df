// Where the signed-in session lives: sessionStorage, so it survives a reload of this tab (and reaches GraphiQL in the
// same tab's origin) but not the browser closing. Tokens are short-lived (an hour at most, HUB_MAX_TOKEN_TTL).
const KEY = 'hub.session';

export function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
}

export function saveSession(session) {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}
