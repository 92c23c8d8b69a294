/** customerPageFromWire: the List answer's envelope, against what the list was asked for. */
import { describe, expect, it } from 'vitest';
import { MalformedRecordError } from '../../src/domain/customer.ts';
import { customerPageFromWire, WrongPageError } from '../../src/domain/customer-page.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';

const doc = seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID) as Record<string, unknown>;
/** As SalesBinder's List page prints a record: no context_id, no archived, no ids of places. */
const { context_id: _c, archived: _a, vat_number: _v, ...listShaped } = doc;

describe('customerPageFromWire', () => {
  it('gives records that do not say their kind the kind of the list asked for', () => {
    const page = customerPageFromWire(
      { count: '2', page: '3', pages: '3', customers: [[listShaped], [{ ...doc, id: 'b' }]] },
      { contextId: 8, page: 3 },
    );
    expect(page.count).toBe(2);
    expect(page.customers.map((c) => [c.kind, c.archived])).toEqual([
      ['PROSPECT', null],
      ['CUSTOMER', false],
    ]);
  });

  it.each([
    ['"page" as a string', '2'],
    ['"page" as a number', 2],
    ['no "page"', undefined],
  ])('takes an answer with %s as page 2', (_, page) => {
    const envelope = { count: '21', ...(page !== undefined && { page }), customers: [[listShaped]] };
    expect(customerPageFromWire(envelope, { contextId: 2, page: 2 }).customers).toHaveLength(1);
  });

  it.each([
    ['another page', '1'],
    ['a page that is not a number', 'two'],
    ['a page given as an object', { n: 2 }],
  ])('refuses an answer that names %s than the one asked for', (_, page) => {
    const read = () =>
      customerPageFromWire({ count: '21', page, customers: [[listShaped]] }, { contextId: 2, page: 2 });
    expect(read).toThrow(WrongPageError);
    expect(read).toThrow(MalformedRecordError);
  });

  it('leaves out a record it cannot read, serving the rest of the page in order, and says where it was', () => {
    const page = customerPageFromWire(
      {
        count: '3',
        page: '1',
        customers: [
          [{ ...doc, id: 'a' }],
          [{ ...doc, id: 'odd', modified: undefined }],
          [{ ...doc, id: 'c' }],
        ],
      },
      { contextId: 2, page: 1 },
    );
    expect(page.customers.map((c) => c.id)).toEqual(['a', 'c']);
    expect(page.leftOut).toEqual([1]);
    expect(page.count).toBe(3);
  });

  it('says nothing was left out when every record is read', () => {
    const page = customerPageFromWire({ count: '1', customers: [[doc]] }, { contextId: 2, page: 1 });
    expect(page.leftOut).toBeUndefined();
  });

  it('refuses an answer none of whose several records is an account: the answer is odd, not a record', () => {
    const read = () =>
      customerPageFromWire(
        { count: '2', customers: [['x'], [{ ...doc, id: '' }]] },
        { contextId: 2, page: 1 },
      );
    expect(read).toThrow(MalformedRecordError);
  });
});
