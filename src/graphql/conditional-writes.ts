/**
 * `ifMatch` and `ifUnmodifiedSince`, for edits and deletes alike. SalesBinder has no conditional
 * write: the gateway reads, compares, then writes, so this is a check, not a lock (a write landing
 * between the read and the write is not caught). `ifUnmodifiedSince` compares with `modified`,
 * which has whole seconds: it cannot see a change made in the same second as the one the client
 * loaded. `ifMatch` compares `Customer.version`, which sees every change of an exposed field.
 */
import { versionOf } from '../domain/customer-version.ts';
import type { GatewayContext } from './gateway-context.ts';
import { CustomerConflictError, CustomerNotFoundError } from './payload-errors.ts';

export interface WriteConditions {
  ifMatch?: string | null | undefined;
  ifUnmodifiedSince?: Date | null | undefined;
}

/**
 * Why the write must not happen (the account is gone, or changed since), or undefined when it may,
 * or when no condition was given (then nothing is read). Rejects as the read does.
 */
export async function refusalOf(
  ctx: GatewayContext,
  id: string,
  { ifMatch, ifUnmodifiedSince }: WriteConditions,
): Promise<CustomerNotFoundError | CustomerConflictError | undefined> {
  if (ifMatch == null && ifUnmodifiedSince == null) return undefined;
  // The budget says how recent the account compared with is (BUDGET_CONDITIONAL_EDITS).
  const current = await ctx.customerForCheck(id);
  if (current === null) return new CustomerNotFoundError('SalesBinder has no account with this id', id);
  if (ifMatch != null && versionOf(current) !== ifMatch) {
    return new CustomerConflictError(
      'The account changed since the version given as ifMatch: nothing was written; reload it and try again',
      current,
    );
  }
  if (ifUnmodifiedSince != null && current.modifiedAt.getTime() > ifUnmodifiedSince.getTime()) {
    return new CustomerConflictError(
      'The account changed after ifUnmodifiedSince: nothing was written; reload it and try again',
      current,
    );
  }
  return undefined;
}
