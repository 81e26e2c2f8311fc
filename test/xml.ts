/**
 * A strict little XML reader for the tests: enough of XML 1.0 to prove the SVG we write is
 * well-formed (nesting, quoting, entities, allowed characters) and to read its elements back.
 */

/** An element read back, with its attributes and its decoded text (own text only). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// XML 1.0 Char production: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD, U+10000..
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function decode(raw: string, where: string): string {
  if (NOT_XML_CHAR.test(raw)) throw new Error(`character not allowed in XML in ${where}: ${JSON.stringify(raw)}`);
  if (/<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`raw < or & in ${where}: ${JSON.stringify(raw)}`);
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_, e: string) => {
    if (e.startsWith('#')) {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      const ch = String.fromCodePoint(code);
      if (NOT_XML_CHAR.test(ch)) throw new Error(`character reference to a character not allowed in XML: &${e};`);
      return ch;
    }
    return ENTITIES[e]!;
  });
}

/** Parses a whole document (one root element); throws on anything not well-formed. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  while (i < text.length) {
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end < 0) throw new Error('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(i));
      if (!m) throw new Error(`bad end tag at ${i}: ${text.slice(i, i + 30)}`);
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`end tag </${m[1]}> does not match <${open?.name}> at ${i}`);
      i += m[0].length;
    } else if (text[i] === '<') {
      const m = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(i));
      if (!m) throw new Error(`bad start tag at ${i}: ${text.slice(i, i + 30)}`);
      if (stack.length === 0 && root) throw new Error('more than one root element');
      const element: XmlElement = { name: m[1]!, attributes: {}, children: [], text: '' };
      i += m[0].length;
      for (;;) {
        skipSpace();
        if (text.startsWith('/>', i)) {
          i += 2;
          break;
        }
        if (text[i] === '>') {
          i += 1;
          stack.push(element);
          break;
        }
        const a = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(text.slice(i));
        if (!a) throw new Error(`bad attribute in <${element.name}> at ${i}: ${text.slice(i, i + 30)}`);
        if (a[1]! in element.attributes) throw new Error(`attribute ${a[1]} twice in <${element.name}>`);
        element.attributes[a[1]!] = decode(a[3] ?? a[4]!, `attribute ${a[1]}`);
        i += a[0].length;
      }
      const parent = stack[stack.length - (stack[stack.length - 1] === element ? 2 : 1)];
      if (parent) parent.children.push(element);
      else root = element;
    } else {
      const end = text.indexOf('<', i);
      const raw = text.slice(i, end < 0 ? text.length : end);
      const decoded = decode(raw, 'text');
      const current = stack[stack.length - 1];
      if (current) current.text += decoded;
      else if (decoded.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(decoded.slice(0, 30))}`);
      i = end < 0 ? text.length : end;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element named `name` under (and including) `root`, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) found.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return found;
}
