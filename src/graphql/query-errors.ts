/**
 * Queries have no payload union: their failures are GraphQL errors carrying the contract's
 * `extensions.code`, which Yoga passes through unmasked because they are GraphQLErrors.
 */
import { GraphQLError } from 'graphql';
import { AccountError, SalesBinderError } from '../salesbinder/errors.ts';
import { boundedText } from '../salesbinder/rejections.ts';

const CODE_OF: Readonly<Record<SalesBinderError['code'], string>> = {
  SB_AUTH: 'UNAUTHENTICATED',
  SB_FORBIDDEN: 'FORBIDDEN',
  SB_NOT_FOUND: 'NOT_FOUND',
  SB_INVALID: 'BAD_USER_INPUT',
  SB_RATE_LIMITED: 'RATE_LIMITED',
  SB_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  SB_UNREADABLE: 'UPSTREAM_UNAVAILABLE',
};

/** The GraphQL error for a failure; anything unexpected is rethrown for Yoga to mask. */
export function queryErrorFrom(error: unknown): GraphQLError {
  if (error instanceof AccountError)
    return new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
  if (!(error instanceof SalesBinderError)) throw error;
  const extensions: Record<string, unknown> = { code: CODE_OF[error.code] };
  if (error.code === 'SB_RATE_LIMITED') extensions.retryAfterSeconds = error.retryAfterSeconds;
  if (error.code === 'SB_UNAVAILABLE' || error.code === 'SB_UNREADABLE')
    extensions.retryable = error.retryable;
  return new GraphQLError(messageOf(error), { extensions });
}

/** A query has no fieldErrors to carry SalesBinder's rule texts: its message does, bounded as they are. */
function messageOf(error: SalesBinderError): string {
  if (error.code !== 'SB_INVALID' || error.fieldErrors.length === 0) return error.message;
  const texts = boundedText(error.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; '));
  return texts === undefined ? error.message : `${error.message}: ${texts}`;
}
