// GraphiQL, bundled from npm and served by the hub itself: no CDN, so it works on a partnership's closed network.
// The header editor is on and pre-filled with what the hub needs on every request: a bearer token and the declared
// purpose. If the analyst signed in on /ui in this tab, that token and purpose are filled in; otherwise placeholders.
import 'graphiql/setup-workers/vite'; // Monaco's web workers, bundled as local assets
// GraphiQL's own stylesheets, without graphiql/style.css: that one inlines its web fonts as data: URLs, which the
// hub's Content-Security-Policy (font-src 'self') refuses; the system fonts stand in.
import '@graphiql/react/style.css';
import 'graphiql/graphiql.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { loadSession } from '../session-store.js';

const session = loadSession();
const headers = {
  Authorization: `Bearer ${session?.token ?? '<paste a token: .venv/bin/hub token --agency cleveland-police --role matac-analyst>'}`,
  'X-Purpose': session?.purpose ?? 'matac-tasking',
  'X-Justification': session?.justification ?? 'MATAC-0001',
};

const fetcher = createGraphiQLFetcher({ url: new URL('/graphql', window.location.origin).href });
const example = `# Every request needs the Authorization, X-Purpose and X-Justification headers (see Headers below).
{
  matacNominations(top: 5) {
    config
    nominations { rank personId score recency frequency gravity victims victimCount agencies }
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: example,
    initialHeaders: JSON.stringify(headers, null, 2),
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false, // a token is not kept in localStorage
    defaultEditorToolsVisibility: 'headers',
  }),
);
