import { deleteCustomerRules } from '../../domain/customer-changes.ts';
import type { DeletedCustomer } from '../../salesbinder/api.ts';
import { builder } from '../builder.ts';
import { refusalOf } from '../conditional-writes.ts';
import { DELETE_PAYLOAD_ERROR_TYPES, payloadErrorFrom } from '../errors.ts';
import { DateTime } from './date-time.ts';
import { countPayload, IF_MATCH_DESCRIPTION, IF_UNMODIFIED_SINCE_DESCRIPTION } from './update-customer.ts';

/** A delete's success; a class of its own, so that the union tells it apart by instanceof. */
class DeletedAccount implements DeletedCustomer {
  readonly id: string;
  readonly message: string;
  constructor({ id, message }: DeletedCustomer) {
    this.id = id;
    this.message = message;
  }
}

const DeleteCustomerSuccess = builder.objectType(DeletedAccount, {
  name: 'DeleteCustomerSuccess',
  isTypeOf: (value) => value instanceof DeletedAccount,
  description: 'SalesBinder deleted the account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id of the account that no longer exists.' }),
    message: t.exposeString('message', {
      description: "SalesBinder's own confirmation, or Deleted when its answer carries none.",
    }),
  }),
});

const DeleteCustomerPayload = builder.errorUnion('DeleteCustomerPayload', {
  description:
    'The outcome of a delete: DeleteCustomerSuccess, or the typed failure that explains why the account was not deleted.',
  types: [DeleteCustomerSuccess, ...DELETE_PAYLOAD_ERROR_TYPES],
  extensions: countPayload('deleteCustomer'),
});

builder.mutationFields((t) => ({
  deleteCustomer: t.field({
    type: DeleteCustomerPayload,
    description:
      "Deletes an account with the caller's own API key (DELETE /api/2.0/customers/{id}.json or .xml). With `ifMatch` or `ifUnmodifiedSince`, refused with CustomerConflictError when the account changed since. A malformed id or ifMatch is the error BAD_USER_INPUT (this payload has no input error), and nothing is sent.",
    args: {
      id: t.arg.id({ required: true, description: 'The account to delete (a SalesBinder UUID).' }),
      ifMatch: t.arg.string({ description: IF_MATCH_DESCRIPTION }),
      ifUnmodifiedSince: t.arg({ type: DateTime, description: IF_UNMODIFIED_SINCE_DESCRIPTION }),
    },
    validate: deleteCustomerRules,
    resolve: async (_root, args, ctx) => {
      const id = String(args.id);
      try {
        const refusal = await refusalOf(ctx, id, args);
        if (refusal) return refusal;
        const deleted = await ctx.salesbinder().deleteCustomer(id);
        // Later reads in this request see the account gone, without a call.
        ctx.customerLoader().clear(id).prime(id, null);
        return new DeletedAccount(deleted);
      } catch (error) {
        return payloadErrorFrom(error, id, DELETE_PAYLOAD_ERROR_TYPES);
      }
    },
  }),
}));
