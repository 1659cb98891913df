// A federation gateway for the hub: composes the hub subgraph with partner subgraphs (Apollo Gateway,
// IntrospectAndCompose) and forwards each caller's identity, purpose and trace context to every subgraph, so the
// hub decides and audits a gateway request exactly as it would a direct one.
//
//   node gateway.mjs --port 4000 --subgraph hub=http://127.0.0.1:8000/graphql --subgraph probation=http://...
//
// Subgraphs may also come from GATEWAY_SUBGRAPHS ("name=url,name=url"), the port from GATEWAY_PORT.
// Once composed and listening it prints one line: "gateway: serving on http://HOST:PORT/graphql".
// Apollo's own telemetry (usage metrics sent to apollographql.com) is off: nothing about the partnership's traffic
// leaves the network. Errors keep the subgraph's stable extensions.code but never its URL or response body.

import { parseArgs } from "node:util";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";

// What a subgraph needs from the caller: who (Authorization), why (X-Purpose, X-Justification), and the trace.
const FORWARDED = ["authorization", "x-purpose", "x-justification", "traceparent", "tracestate"];

function fail(message) {
  console.error(`gateway: ${message}`);
  process.exit(2);
}

function subgraphList(specs) {
  return specs.map((spec) => {
    const at = spec.indexOf("=");
    if (at < 1) fail(`subgraph "${spec}" is not name=url`);
    const name = spec.slice(0, at).trim();
    const url = spec.slice(at + 1).trim();
    try {
      new URL(url);
    } catch {
      fail(`subgraph ${name}: "${url}" is not a URL`);
    }
    return { name, url };
  });
}

// Response extensions a subgraph may pass on to the caller: the hub's `hub` names the agreement the data came under.
const PASSED_ON = ["hub"];

class ForwardingDataSource extends RemoteGraphQLDataSource {
  // context is empty while composing (schema loading): only caller requests carry headers
  willSendRequest({ request, context }) {
    for (const name of FORWARDED) {
      const value = context?.headers?.[name];
      if (typeof value === "string") request.http.headers.set(name, value);
    }
  }

  didReceiveResponse({ response, context }) {
    for (const name of PASSED_ON) {
      if (context?.extensions && response.extensions?.[name] !== undefined) {
        context.extensions[name] = response.extensions[name];
      }
    }
    return response;
  }
}

const passOnExtensions = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (response.body.kind === "single" && Object.keys(contextValue.extensions).length) {
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, ...contextValue.extensions };
        }
      },
    };
  },
};

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.GATEWAY_HOST ?? "127.0.0.1" },
    port: { type: "string", default: process.env.GATEWAY_PORT ?? "4000" },
    subgraph: { type: "string", multiple: true, default: [] },
  },
});
const specs = values.subgraph.length ? values.subgraph : (process.env.GATEWAY_SUBGRAPHS ?? "").split(",");
const subgraphs = subgraphList(specs.filter((s) => s.trim()));
if (!subgraphs.length) fail("no subgraphs: pass --subgraph name=url or set GATEWAY_SUBGRAPHS");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port "${values.port}"`);

// what an error may tell a client: the rest (the subgraph's URL and raw response, stacks) stays here
function safeError(formatted) {
  const { response, exception, stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

process.env.APOLLO_TELEMETRY_DISABLED = "true"; // read when the gateway is constructed
const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({ subgraphs }),
  buildService: ({ url }) => new ForwardingDataSource({ url }),
  __exposeQueryPlanExperimental: false,
});
const server = new ApolloServer({
  gateway,
  includeStacktraceInErrorResponses: false,
  formatError: safeError,
  plugins: [ApolloServerPluginLandingPageDisabled(), passOnExtensions],
});

try {
  const { url } = await startStandaloneServer(server, {
    listen: { host: values.host, port },
    context: async ({ req }) => ({ headers: req.headers, extensions: {} }),
  });
  console.log(`gateway: serving on ${url}graphql`);
} catch (error) {
  fail(`could not start: ${error.message}`);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
