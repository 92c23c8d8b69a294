import { describe, expect, it } from 'vitest';
import {
  inputPathOfWireField,
  updateCustomerRules,
  wireChangesFrom,
} from '../../src/domain/customer-changes.ts';

describe('wireChangesFrom', () => {
  it('sends only the fields given, null as an empty string, values verbatim', () => {
    expect(
      wireChangesFrom({
        name: ' N ',
        officeEmail: null,
        officePhone: '007',
        billingAddress: { postalCode: '01234', line2: null },
      }),
    ).toEqual({
      name: ' N ',
      office_email: '',
      office_phone: '007',
      billing_address_2: '',
      billing_postal_code: '01234',
    });
  });

  it('clears all six fields of an address set to null, and none of the other', () => {
    expect(wireChangesFrom({ shippingAddress: null })).toEqual({
      shipping_address_1: '',
      shipping_address_2: '',
      shipping_city: '',
      shipping_region: '',
      shipping_country: '',
      shipping_postal_code: '',
    });
  });

  it('sends nothing for an empty input', () => {
    expect(wireChangesFrom({ billingAddress: {} })).toEqual({});
  });
});

describe('inputPathOfWireField', () => {
  it.each([
    ['name', ['input', 'name']],
    ['office_phone', ['input', 'officePhone']],
    ['billing_city', ['input', 'billingAddress', 'city']],
    ['shipping_postal_code', ['input', 'shippingAddress', 'postalCode']],
    ['billing_address_2', ['input', 'billingAddress', 'line2']],
    ['office_number', ['input']],
    ['vat_number', ['input']],
  ])('maps %s to %j', (field, path) => {
    expect(inputPathOfWireField(field)).toEqual(path);
  });
});

describe('updateCustomerRules', () => {
  const id = '19d367c8-97c7-409f-bf67-2ad543493648';
  const issues = (args: unknown) => {
    const result = updateCustomerRules.safeParse(args);
    return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
  };

  it('accepts a plain edit', () => {
    expect(issues({ id, input: { name: 'x' } })).toEqual([]);
  });

  it.each(['sales@acme-company.com', 'a.b+tag@sub.example.co', "o'brien@example.org", 'user@localhost'])(
    'accepts the e-mail %s, as <input type="email"> does',
    (email) => {
      expect(issues({ id, input: { officeEmail: email } })).toEqual([]);
    },
  );

  it.each(['plain', 'a@', '@b.c', 'a b@c.d', 'a@b..c', 'a@-b.c', ''])('refuses the e-mail %j', (email) => {
    expect(issues({ id, input: { officeEmail: email } })).toEqual(['input.officeEmail']);
  });

  it.each([
    ['19D367C8-97C7-409F-BF67-2AD543493648', []],
    ['19d367c897c7409fbf672ad543493648', ['id']],
    [' 19d367c8-97c7-409f-bf67-2ad543493648', ['id']],
    ['19d367c8-97c7-409f-bf67-2ad543493648\n', ['id']],
  ])('checks the id %j', (value, expected) => {
    expect(issues({ id: value, input: { name: 'x' } })).toEqual(expected);
  });

  it('counts characters as code points: 255 emoji pass, 256 do not', () => {
    expect(issues({ id, input: { url: '😀'.repeat(255) } })).toEqual([]);
    expect(issues({ id, input: { url: '😀'.repeat(256) } })).toEqual(['input.url']);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a C0 control', 'a\u0001b'],
    ['escape', '\u001b[31m'],
    ['form feed', 'page\fbreak'],
    ['U+FFFF', 'x\uFFFF'],
    ['U+FFFE', '\uFFFEx'],
    ['a lone high surrogate', 'a\uD83Db'],
    ['a lone low surrogate', '\uDE80'],
  ])('refuses %s in any value, the name included, whatever the wire format', (_, bad) => {
    const result = updateCustomerRules.safeParse({
      id,
      input: { name: bad, officeFax: bad, billingAddress: { city: bad } },
    });
    expect(result.success).toBe(false);
    const issues = result.success ? [] : result.error.issues;
    expect(issues.map((i) => i.path.join('.'))).toEqual([
      'input.name',
      'input.officeFax',
      'input.billingAddress.city',
    ]);
    for (const issue of issues) expect(issue.message).toMatch(/control characters/);
  });

  it('accepts tab, line feed, carriage return, DEL, C1 controls and astral characters', () => {
    expect(issues({ id, input: { name: 'a\tb\r\nc\u007f\u0085 🚀 \uD83D\uDE80 \uFFFD' } })).toEqual([]);
  });
});
