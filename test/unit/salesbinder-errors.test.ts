import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../../src/salesbinder/rejections.ts';
import { retryAfterSeconds } from '../../src/transport/guarded-transport.ts';

describe('fieldErrorsOf', () => {
  it('reads CakePHP’s field → rule → text shape, first rule per field', () => {
    expect(
      fieldErrorsOf({
        message: { errors: { name: { _required: 'Required', other: 'x' }, url: { u: 'Bad' } } },
      }),
    ).toEqual([
      { field: 'name', message: 'Required' },
      { field: 'url', message: 'Bad' },
    ]);
  });

  it('also reads errors at the top level or directly under message, and lists of texts', () => {
    expect(fieldErrorsOf({ errors: { name: ['Required'] } })).toEqual([
      { field: 'name', message: 'Required' },
    ]);
    expect(fieldErrorsOf({ message: { billing_city: 'Too long' } })).toEqual([
      { field: 'billing_city', message: 'Too long' },
    ]);
  });

  it.each([[null], ['text'], [{ message: 'Saved' }], [[]]])('finds no field errors in %j', (body) => {
    expect(fieldErrorsOf(body)).toEqual([]);
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    [undefined, 60],
    ['', 60],
    ['17', 17],
    ['0', 1],
    [['5', '9'], 5],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['soon', 60],
  ])('reads Retry-After %j as %i seconds', (header, seconds) => {
    expect(retryAfterSeconds(header, now)).toBe(seconds);
  });
});
