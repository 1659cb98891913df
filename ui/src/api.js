// The page's only way to the hub: POST /graphql with the analyst's own token and declared purpose, exactly as any
// partner system calls it. The policy therefore holds by construction: what the grant hides never reaches the page,
// and every view is an audited request. Each answer keeps the response's extensions.hub (agreement, version,
// purpose) so that every element drawn from it can show what let it through.

export class HubError extends Error {
  constructor(message, { code = null, reasons = [], status = 0 } = {}) {
    super(message);
    this.code = code;
    this.reasons = reasons;
    this.status = status;
  }
}

export class Hub {
  constructor(session, { onUnauthorised = () => {} } = {}) {
    this.session = session;
    this.onUnauthorised = onUnauthorised;
  }

  headers() {
    const { token, purpose, justification } = this.session;
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (purpose) headers['X-Purpose'] = purpose;
    if (justification) headers['X-Justification'] = justification;
    return headers;
  }

  /**
   * Run one operation. Returns {data, errors, provenance}; throws HubError when nothing usable came back.
   * Partial answers (data with some errors, e.g. a FORBIDDEN field) are returned, not thrown: the view shows what it
   * got and says what was refused.
   */
  async query(document, variables = {}) {
    let response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify({ query: document, variables }),
      });
    } catch (error) {
      throw new HubError(`the hub could not be reached (${error.message})`);
    }
    if (response.status === 401) {
      this.onUnauthorised();
      throw new HubError('your token was refused (expired or not trusted): sign in again', { status: 401 });
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new HubError(`the hub answered HTTP ${response.status} without JSON`, { status: response.status });
    }
    const errors = body.errors ?? [];
    const provenance = body.extensions?.hub ?? null;
    if (!body.data || Object.values(body.data).every((v) => v === null && errors.length)) {
      const first = errors[0] ?? { message: `HTTP ${response.status}` };
      throw new HubError(first.message, {
        code: first.extensions?.code ?? null,
        reasons: first.extensions?.reasons ?? [],
        status: response.status,
      });
    }
    return { data: body.data, errors, provenance };
  }
}

/** "tees-matac v4 · matac-tasking": how an element's provenance is written everywhere on the page. */
export function provenanceText(provenance) {
  if (!provenance) return 'no agreement named';
  return `${provenance.agreement} v${provenance.version} · ${provenance.purpose}`;
}
