import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { objectError } from '../../objects/errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** An XML element tree as nested arrays: `[name, children | text]`. */
export type XmlNode = [string, string | number | boolean | XmlNode[] | undefined];

function render(node: XmlNode): string {
  const [name, value] = node;
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map(render).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole S3 XML document with its namespace on the root element. */
export function xmlDocument(root: string, children: XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NS}">${children.map(render).join('')}</${root}>`;
}

export function errorDocument(code: string, message: string, details: Record<string, string>, requestId: string): string {
  const extra = Object.entries(details).map(([k, v]) => render([k, v])).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, removeNSPrefix: true });

/** Parses a request body; anything that is not well-formed XML is MalformedXML. */
export function parseXml(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '' || XMLValidator.validate(text) !== true) {
    throw objectError('malformed-xml', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  return parser.parse(text) as Record<string, unknown>;
}

/** A child that may appear once or many times, as a list. */
export function many<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export const isoDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
export const httpDate = (ms: number) => new Date(ms).toUTCString();
