/**
 * Writing SVG and HTML text safely: escaping of any string (words are decoded from arbitrary
 * bytes), and short, stable number formatting for coordinates.
 * @packageDocumentation
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for XML content and attribute values (also HTML). Characters XML 1.0 cannot
 * hold even as references are made visible instead of breaking the document: C0 controls
 * become their Control Pictures (U+2400 + code, e.g. \x01 -> ␁), lone surrogates and
 * U+FFFE/U+FFFF become U+FFFD.
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']|[\x00-\x1f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g,
    (c) => {
      const known = ESCAPES[c];
      if (known !== undefined) return known;
      const code = c.charCodeAt(0);
      return code < 0x20 ? String.fromCharCode(0x2400 + code) : '\ufffd';
    },
  );
}

/** A coordinate or length with at most `digits` decimals and no trailing zeros ("-0" as "0"). */
export function num(value: number, digits = 2): string {
  const text = value.toFixed(digits);
  const trimmed = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}
