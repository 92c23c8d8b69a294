/**
 * What a text value sent to SalesBinder may hold, in either of its formats: XML 1.0 cannot carry
 * C0 controls other than tab, LF and CR, nor U+FFFE and U+FFFF, and an unpaired surrogate is not
 * text at all (UTF-8 cannot encode it). The input rules refuse the rest whichever format the
 * gateway speaks, so that an edit never succeeds in JSON and fails in XML; the XML codec checks
 * again, and meeting one there is a bug.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNCARRIABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function isCarriableText(value: string): boolean {
  return value.isWellFormed() && !UNCARRIABLE.test(value);
}
