import { DateTimeResolver } from 'graphql-scalars';
import { builder } from '../builder.ts';

// graphql-scalars parses every RFC 3339 offset and serializes Dates in UTC (`Z`).
export const DateTime = builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An instant in RFC 3339 form, always in UTC, e.g. 2016-11-11T01:16:55Z.',
});
