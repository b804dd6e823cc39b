/** Telling text from binary content, and making a message safe to show where only printable text belongs. */

/** Bytes sniffed to tell CSV text from binary content. */
export const SNIFF_BYTES = 4096;

/** True when the sample has no NUL byte and is valid UTF-8 (a character cut at its end is fine). */
export function looksLikeText(sample: Uint8Array): boolean {
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * One line of printable text of at most `max` characters: control characters and U+FFFD (the
 * mark of undecodable bytes) become "?", and a longer text is cut with "...".
 */
export function printable(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  return clean.length <= max ? clean : `${clean.slice(0, max - 3)}...`;
}
