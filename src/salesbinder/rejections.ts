/**
 * What SalesBinder says when it rejects values (400/422), in every shape it has been seen to say
 * it: CakePHP's field errors, a plain string `message`, and API 1.x's `Errors` list. The status
 * has already decided the failure; the body only adds detail, and only bounded text of it leaves
 * this module, never the body itself.
 */
import type { WireCodec } from '../transport/codec.ts';
import { codecFor } from '../transport/codecs.ts';
import type { WireFieldError } from './errors.ts';

/** Longest text of SalesBinder's kept, in characters (code points). */
const MAX_UPSTREAM_TEXT = 300;

export interface Rejection {
  /** The fields SalesBinder named, with its own rule text for each. */
  fieldErrors: WireFieldError[];
  /** SalesBinder's own words when they name no field. */
  text: string | undefined;
}

/**
 * An error body in whichever of the two formats it came: an XML gateway may get JSON on an error
 * path (and the reverse), and the words are worth reading either way. Undefined when it is
 * neither (HTML, empty, hostile XML): the codecs refuse what they refuse on the success path.
 */
export function decodeAny(body: string, codec: WireCodec): unknown {
  for (const candidate of [codec, codecFor(codec.format === 'json' ? 'xml' : 'json')]) {
    try {
      return candidate.decode(body);
    } catch {
      // Not this format: try the other.
    }
  }
  return undefined;
}

/** Whitespace and control characters folded to single spaces, cut at MAX_UPSTREAM_TEXT; undefined when blank. */
export function boundedText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  if (text === '') return undefined;
  const characters = [...text];
  return characters.length <= MAX_UPSTREAM_TEXT
    ? text
    : `${characters.slice(0, MAX_UPSTREAM_TEXT - 1).join('')}…`;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** JSON's arrays and XML's repeated elements alike: one element read as a list of one. */
function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function pickErrors(envelope: unknown): Record<string, unknown> | undefined {
  const root = asObject(envelope);
  const message = asObject(root?.message);
  return asObject(message?.errors) ?? asObject(root?.errors) ?? message;
}

function textsOf(rules: unknown): string[] {
  if (typeof rules === 'string') return [rules];
  if (Array.isArray(rules)) return rules.flatMap(textsOf);
  const object = asObject(rules);
  return object ? Object.values(object).flatMap(textsOf) : [];
}

/**
 * SalesBinder (CakePHP) reports rejected values as `{"message": {"errors": {field: {rule: text}}}}`;
 * clients have also seen the errors object at the top or directly under `message`. Accept each.
 */
export function fieldErrorsOf(envelope: unknown): WireFieldError[] {
  const errors = pickErrors(envelope);
  if (errors === undefined) return [];
  return Object.entries(errors).map(([field, rules]) => ({
    field,
    message:
      textsOf(rules)
        .map(boundedText)
        .find((text) => text !== undefined) ?? 'is not valid',
  }));
}

/**
 * SalesBinder's words that name no field: a plain string `message`
 * (`{"message": "Name cannot be left blank"}`, `<response><message>…</message></response>`), or
 * API 1.x's `{"Errors": [{"Error": {"message": "…"}}]}` (`<Errors><Error><message>…`), each of
 * its messages kept, in order.
 */
function rejectionTextOf(envelope: unknown): string | undefined {
  const root = asObject(envelope);
  if (root === undefined) return undefined;
  const texts = [
    root.message,
    ...listOf(root.Errors)
      .flatMap((item) => listOf(asObject(item)?.Error ?? item))
      .map((error) => asObject(error)?.message),
  ]
    .map(boundedText)
    .filter((text) => text !== undefined);
  return boundedText(texts.join('; '));
}

export function rejectionOf(envelope: unknown): Rejection {
  return { fieldErrors: fieldErrorsOf(envelope), text: rejectionTextOf(envelope) };
}
