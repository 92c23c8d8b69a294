import { describe, expect, it } from 'vitest';
import { customerFromWire, MalformedRecordError } from '../../src/domain/customer.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';

const doc = seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID) as Record<string, unknown>;

describe('customerFromWire', () => {
  it('maps the documented record field by field, blank strings to null', () => {
    expect(customerFromWire(doc)).toEqual({
      id: DOC_EXAMPLE_ID,
      customerNumber: 641,
      kind: 'CUSTOMER',
      name: 'Acme Company',
      officeEmail: 'sales@acme-company.com',
      officePhone: '(604) 555-5555',
      officeFax: null,
      url: 'acme-company.com',
      vatNumber: null,
      billingAddress: {
        line1: 'Suite 100 - 1234 West 4th Avenue',
        line2: null,
        city: 'Vancouver',
        region: 'BC',
        country: 'Canada',
        postalCode: 'V6P 6W5',
      },
      shippingAddress: {
        line1: 'Suite 100 - 1234 West 4th Avenue',
        line2: null,
        city: 'Vancouver',
        region: 'BC',
        country: 'Canada',
        postalCode: 'V6P 6W5',
      },
      archived: false,
      createdAt: new Date('2016-11-11T01:13:09Z'),
      modifiedAt: new Date('2016-11-11T01:13:09Z'),
    });
  });

  it.each([
    [2, 'CUSTOMER'],
    ['8', 'PROSPECT'],
    [' 10 ', 'SUPPLIER'],
    [3, null],
    ['', null],
    [null, null],
  ])('reads context_id %j as kind %s', (contextId, kind) => {
    expect(customerFromWire({ ...doc, context_id: contextId }).kind).toBe(kind);
  });

  it.each([
    [641, 641],
    ['641', 641],
    ['', null],
    [null, null],
    ['64a', null],
    [1.5, null],
  ])('reads customer_number %j as %j', (value, expected) => {
    expect(customerFromWire({ ...doc, customer_number: value }).customerNumber).toBe(expected);
  });

  it.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    ['true', true],
    ['false', false],
    [' TRUE ', true],
    ['', null],
    [null, null],
    [undefined, null],
    ['yes', null],
    [2, null],
  ])('reads archived %j as %s', (value, expected) => {
    expect(customerFromWire({ ...doc, archived: value }).archived).toBe(expected);
  });

  it('leaves archived and kind null when the record does not say, as the View page prints it', () => {
    const { context_id: _c, archived: _a, ...viewShaped } = doc;
    expect(customerFromWire(viewShaped)).toMatchObject({ kind: null, archived: null });
  });

  it.each([
    ['a record without context_id', undefined, 'PROSPECT'],
    ['a record with a blank context_id (XML’s null)', '', 'PROSPECT'],
    ['a record that says its own kind', '10', 'SUPPLIER'],
    ['a record with a context the gateway does not know', 3, null],
  ])('gives %s, read from a list of prospects, the kind %s', (_, contextId, kind) => {
    const { context_id: _c, ...rest } = doc;
    const record = contextId === undefined ? rest : { ...rest, context_id: contextId };
    expect(customerFromWire(record, 'PROSPECT').kind).toBe(kind);
  });

  it('keeps values verbatim: leading zeros, whitespace, markup', () => {
    const c = customerFromWire({
      ...doc,
      billing_postal_code: '01234',
      name: '  A & <B>  ',
      office_fax: ' ',
    });
    expect(c.billingAddress.postalCode).toBe('01234');
    expect(c.name).toBe('  A & <B>  ');
    expect(c.officeFax).toBe(' ');
  });

  it('reads any offset as the same instant', () => {
    const c = customerFromWire({ ...doc, modified: '2016-11-10T17:16:55-08:00' });
    expect(c.modifiedAt.toISOString()).toBe('2016-11-11T01:16:55.000Z');
  });

  it.each([
    ['2016-11-11 01:13:09', '2016-11-11T01:13:09.000Z'],
    ['2016-11-11T01:13:09', '2016-11-11T01:13:09.000Z'],
    ['2016-11-11T01:13:09.250', '2016-11-11T01:13:09.250Z'],
  ])('reads %s, a time without an offset, as UTC (SalesBinder writes UTC)', (written, read) => {
    const c = customerFromWire({ ...doc, created: written, modified: written });
    expect([c.createdAt.toISOString(), c.modifiedAt.toISOString()]).toEqual([read, read]);
  });

  it.each([
    ['not an object', 'x'],
    ['null', null],
    ['an array', [doc]],
    ['no id', { ...doc, id: '' }],
    ['no name', { ...doc, name: undefined }],
    ['no modified', { ...doc, modified: undefined }],
    ['a created without a time', { ...doc, created: '2016-11-11' }],
    ['a modified that is not a date', { ...doc, modified: 'yesterday' }],
  ])('refuses %s', (_, record) => {
    expect(() => customerFromWire(record)).toThrow(MalformedRecordError);
  });
});
