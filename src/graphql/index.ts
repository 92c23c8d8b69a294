/** Imports every type (for its side effect on the builder) and builds the federation subgraph schema. */
import { builder } from './builder.ts';
import './types/date-time.ts';
import './types/customer.ts';
import './errors.ts';
import './types/update-customer.ts';

builder.queryType({ description: 'Reads.' });

/** The subgraph schema (Federation v2), with `_service` and `_entities`. */
export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });
