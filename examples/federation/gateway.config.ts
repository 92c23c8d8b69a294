/**
 * Hive Gateway in front of this subgraph (registered as `salesbinder`): `gateway.config.ts` beside
 * the supergraph, run with `npx hive-gateway supergraph supergraph.graphql`. It passes on what this
 * subgraph needs and nothing else: the caller's own SalesBinder key (the gateway has none), the
 * account in multi-account mode, and, when this subgraph runs with `SUBGRAPH_SECRET`, that secret,
 * without which every entity fetch is refused with FORBIDDEN.
 *
 * test/integration/hive-gateway.test.ts runs this very file.
 */
import { defineConfig } from '@graphql-hive/gateway';

/** The name the subgraph is composed under. */
const SUBGRAPH = 'salesbinder';
const secret = process.env.SUBGRAPH_SECRET;

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request, subgraphName }) =>
      subgraphName === SUBGRAPH
        ? {
            // A header the client did not send is left out (null is not sent).
            authorization: request.headers.get('authorization'),
            'x-salesbinder-account': request.headers.get('x-salesbinder-account'),
            ...(secret ? { 'x-subgraph-secret': secret } : {}),
          }
        : {},
  },
});
