import { describe, expect, it } from 'vitest';
import { jsonCodec, UnreadableBodyError } from '../../src/transport/codec.ts';
import { codecFor } from '../../src/transport/codecs.ts';
import { MAX_CHARACTER_REFERENCES, xmlCodec } from '../../src/transport/xml-codec.ts';
import { sentFieldsOf } from '../helpers/wire.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const encode = (fields: Record<string, string>) => xmlCodec.encodeCustomer(fields);
/** The elements inside `<customer>`, without the declaration and the wrapper. */
const inner = (fields: Record<string, string>) =>
  encode(fields)
    .replace(`${DECLARATION}<customer>`, '')
    .replace(/<\/customer>$/, '');

const RECORD_XML =
  '<id>19d367c8-97c7-409f-bf67-2ad543493648</id><name>API Renamed Customer</name>' +
  '<customer_number>641</customer_number><office_fax></office_fax><billing_address_2/>' +
  '<billing_postal_code>01234</billing_postal_code><billing_region_id></billing_region_id>' +
  '<context_id>2</context_id><archived>0</archived>' +
  '<modified>2016-11-11T01:16:55+00:00</modified><created>2016-11-11T01:13:09+00:00</created>';
const RECORD = {
  id: '19d367c8-97c7-409f-bf67-2ad543493648',
  name: 'API Renamed Customer',
  customer_number: '641',
  office_fax: '',
  billing_address_2: '',
  billing_postal_code: '01234',
  billing_region_id: '',
  context_id: '2',
  archived: '0',
  modified: '2016-11-11T01:16:55+00:00',
  created: '2016-11-11T01:13:09+00:00',
};

describe('codecFor', () => {
  it('picks the codec of each format', () => {
    expect(codecFor('json')).toBe(jsonCodec);
    expect(codecFor('xml')).toBe(xmlCodec);
    expect(xmlCodec).toMatchObject({ format: 'xml', contentType: 'application/xml' });
  });
});

describe('xmlCodec.encodeCustomer', () => {
  it("writes the documentation's example exactly", () => {
    expect(encode({ name: 'API Renamed Customer' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><customer><name>API Renamed Customer</name></customer>',
    );
  });

  it('escapes every XML metacharacter, and CR as a reference so that it survives parsing', () => {
    expect(inner({ name: `A & B <Ltd> "q" 'a' ]]> &amp; CR\r LF\n TAB\t` })).toBe(
      '<name>A &amp; B &lt;Ltd&gt; &quot;q&quot; &apos;a&apos; ]]&gt; &amp;amp; CR&#13; LF\n TAB\t</name>',
    );
  });

  it('keeps emoji, accents, leading zeros and whitespace-only values as they are', () => {
    expect(inner({ name: 'Zürich 🇨🇭 🚀', billing_postal_code: '01234', billing_address_2: '   ' })).toBe(
      '<name>Zürich 🇨🇭 🚀</name><billing_postal_code>01234</billing_postal_code><billing_address_2>   </billing_address_2>',
    );
  });

  it('writes a cleared field as an empty element', () => {
    expect(inner({ office_fax: '', name: 'n' })).toBe('<office_fax></office_fax><name>n</name>');
  });

  it('sends only the given fields, in the order given', () => {
    const fields = { url: 'u', name: 'n', shipping_city: 'c', office_fax: '', billing_address_1: 'a' };
    expect(Object.keys(sentFieldsOf(encode(fields), 'xml'))).toEqual(Object.keys(fields));
    expect(sentFieldsOf(encode(fields), 'xml')).toEqual(fields);
  });

  it('round-trips through an independent parser whatever the value', () => {
    const fields = {
      name: '\r\n\r \t\n  & &amp; &#65; <![CDATA[x]]> <!-- c --> <?pi?> \u0085\u2028\u00a0\ufffd 𝄞',
      url: ' ',
    };
    expect(sentFieldsOf(encode(fields), 'xml')).toEqual(fields);
  });

  it.each([
    ['a control character', 'a\u0001'],
    ['NUL', '\u0000'],
    ['U+FFFF', '\uffff'],
    ['a lone surrogate', '\ud800'],
  ])('refuses to write %s, which XML 1.0 cannot carry', (_, value) => {
    expect(() => encode({ name: value })).toThrow(RangeError);
  });

  it('refuses a field name that is not an element name', () => {
    expect(() => encode({ 'a b': 'x' })).toThrow(RangeError);
    expect(() => encode({ '#text': 'x' })).toThrow(RangeError);
  });
});

describe('xmlCodec.decode', () => {
  it('reads an edit answer into the envelope JSON gives, every value as text', () => {
    expect(
      xmlCodec.decode(
        `${DECLARATION}<response><message>Saved</message><customer>${RECORD_XML}</customer></response>`,
      ),
    ).toEqual({ message: 'Saved', customer: RECORD });
  });

  it('reads a view answer', () => {
    expect(xmlCodec.decode(`<response><customer>${RECORD_XML}</customer></response>`)).toEqual({
      customer: RECORD,
    });
  });

  it('reads a list with one record as a list', () => {
    expect(
      xmlCodec.decode(
        `<response><count>1</count><page>1</page><pages>1</pages><customers><customer>${RECORD_XML}</customer></customers></response>`,
      ),
    ).toEqual({ count: '1', page: '1', pages: '1', customers: [RECORD] });
  });

  it('reads a list with several records, in order', () => {
    const second = RECORD_XML.replace('<name>API Renamed Customer</name>', '<name>Second</name>');
    expect(
      xmlCodec.decode(
        `<response><count>2</count><page>1</page><pages>1</pages><customers><customer>${RECORD_XML}</customer><customer>${second}</customer></customers></response>`,
      ),
    ).toEqual({ count: '2', page: '1', pages: '1', customers: [RECORD, { ...RECORD, name: 'Second' }] });
  });

  it('reads an empty list as an empty list, with or without a pages element', () => {
    expect(xmlCodec.decode('<response><count>0</count><page>1</page><customers/></response>')).toEqual({
      count: '0',
      page: '1',
      customers: [],
    });
    expect(xmlCodec.decode('<response><customers>\n</customers></response>')).toEqual({ customers: [] });
  });

  it('reads a 422 into field, rule and text, as the JSON answer gives them', () => {
    expect(
      xmlCodec.decode(
        '<response><message><errors><name><_required>This field is required</_required></name>' +
          '<billing_city><maxLength>Too long</maxLength><other>second</other></billing_city></errors></message></response>',
      ),
    ).toEqual({
      message: {
        errors: {
          name: { _required: 'This field is required' },
          billing_city: { maxLength: 'Too long', other: 'second' },
        },
      },
    });
  });

  it('reads a message-only answer, and an empty <response>', () => {
    expect(xmlCodec.decode('<response><message>Not Found</message></response>')).toEqual({
      message: 'Not Found',
    });
    expect(xmlCodec.decode('<response/>')).toEqual({});
    expect(xmlCodec.decode('<response>\n</response>')).toEqual({});
  });

  it('keeps whitespace-only values, and drops the whitespace between elements', () => {
    expect(
      xmlCodec.decode(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<response>\n  <customer>\n    <name>  </name>\n    <url>\t\n</url>\n    <office_fax/>\n  </customer>\n</response>\n',
      ),
    ).toEqual({ customer: { name: '  ', url: '\t\n', office_fax: '' } });
  });

  it('decodes the five XML entities and numeric references once, and CDATA not at all', () => {
    expect(
      xmlCodec.decode(
        '<response><v>&amp;&lt;&gt;&quot;&apos; &amp;amp; &#233;&#xE9;&#x1F680;&#128640; &#13;&#x0D;&#10; <![CDATA[&amp;<]]></v></response>',
      ),
    ).toEqual({ v: `&<>"' &amp; éé🚀🚀 \r\r\n &amp;<` });
  });

  it('reads a CR sent as a reference as CR, and a raw CR or CRLF as LF, as every XML parser does', () => {
    expect(xmlCodec.decode('<response><v>a&#13;\nb\r\nc\rd</v></response>')).toEqual({ v: 'a\r\nb\nc\nd' });
  });

  it.each(['UTF-8', 'utf-8', 'utf8', 'US-ASCII'])('reads a body declared as %s', (encoding) => {
    expect(
      xmlCodec.decode(`<?xml version="1.0" encoding="${encoding}"?><response><m>é</m></response>`),
    ).toEqual({
      m: 'é',
    });
  });

  it('skips a BOM, comments and processing instructions', () => {
    expect(
      xmlCodec.decode('\uFEFF<?xml version="1.0"?><!-- c --><?pi x?><response><!-- c --><m>x</m></response>'),
    ).toEqual({ m: 'x' });
  });

  it('checks attributes and ignores them', () => {
    expect(
      xmlCodec.decode(
        `<response xmlns="https://www.salesbinder.com" version='2.0'><m a = "1" b='"&amp;&#65;>'>x</m><n\ta="1"\n/></response>`,
      ),
    ).toEqual({ m: 'x', n: '' });
  });

  it('keeps a repeated element as a list, for the mapping to judge', () => {
    expect(
      xmlCodec.decode(
        '<response><message><errors><name>a</name><name>b</name></errors></message></response>',
      ),
    ).toEqual({ message: { errors: { name: ['a', 'b'] } } });
  });

  it('gives the envelope JSON gives, with numbers and booleans left as text for the mapping', () => {
    const json = jsonCodec.decode('{"message":"Saved","customer":{"customer_number":641,"archived":false}}');
    const xml = xmlCodec.decode(
      '<response><message>Saved</message><customer><customer_number>641</customer_number><archived>0</archived></customer></response>',
    );
    expect(Object.keys(xml as object)).toEqual(Object.keys(json as object));
    expect(xml).toEqual({ message: 'Saved', customer: { customer_number: '641', archived: '0' } });
  });
});

describe('xmlCodec.decode refusing hostile or broken answers', () => {
  const refuses = (body: string, message?: RegExp) => {
    let thrown: unknown;
    try {
      xmlCodec.decode(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnreadableBodyError);
    if (message) expect((thrown as Error).message).toMatch(message);
  };

  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ).join('') +
    ']><response><message>&lol9;</message></response>';

  it('refuses billion laughs before parsing', () => {
    refuses(laughs, /DOCTYPE/);
  });

  it.each([
    ['an external entity', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><response>&x;</response>'],
    ['a DOCTYPE without entities', '<!DOCTYPE response><response/>'],
    ['an HTML doctype', '<!doctype html><html><body>Bad Gateway</body></html>'],
    ['an entity declared without a DOCTYPE', '<!ENTITY x "y"><response/>'],
    ['an element declaration', '<response><!ELEMENT response ANY></response>'],
  ])('refuses %s outright', (_, body) => {
    refuses(body, /declaration/);
  });

  it('refuses a flood of several megabytes of numeric references', () => {
    const flood = `<response><customer><name>${'&#65;'.repeat(1_000_000)}</name></customer></response>`;
    expect(flood.length).toBeGreaterThan(5_000_000);
    refuses(flood, /flood/);
  });

  it('refuses a flood of named references too, and reads anything up to the bound', () => {
    refuses(`<response><v>${'&amp;'.repeat(MAX_CHARACTER_REFERENCES + 1)}</v></response>`, /flood/);
    expect(
      xmlCodec.decode(`<response><v>${'&#x41;'.repeat(MAX_CHARACTER_REFERENCES)}</v></response>`),
    ).toEqual({
      v: 'A'.repeat(MAX_CHARACTER_REFERENCES),
    });
  });

  it.each([
    ['an unclosed tag', '<response><customer><name>x</name>'],
    ['a truncated body', '<response><customer><name>x</na'],
    ['mismatched tags', '<response><a><b></a></b></response>'],
    ['an HTML page', '<html><head><title>502</title></head><body><br><p>Bad Gateway</body></html>'],
    ['JSON', '{"message":"Saved","customer":{}}'],
    ['an empty body', ''],
    ['whitespace', ' \n'],
    ['plain text', 'Service Unavailable'],
    ['text after the root', '<response/>trailing'],
    ['text before the root', 'x<response/>'],
    ['a bare ampersand', '<response><v>A & B</v></response>'],
    ['an unclosed comment', `<response><!--${'x'.repeat(1_000_000)}`],
  ])('refuses %s as not well-formed', (_, body) => {
    refuses(body);
  });

  it.each([
    ['a root other than <response>', '<customer><name>x</name></customer>', /<response>/],
    ['a well-formed HTML page', '<html><body><p>Maintenance</p></body></html>', /<response>/],
    ['two roots', '<response/><response/>', /<response>/],
    ['two different roots', '<response/><customer/>', /<response>/],
    ['text in <response>', '<response>Saved</response>', /text/],
    ['text beside elements', '<response><customer>x<name>y</name></customer></response>', /mixes/],
    ['an HTML entity', '<response><v>&nbsp;</v></response>', /reference/],
    ['an unknown entity', '<response><v>&x;</v></response>', /reference/],
    ['a body in another encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><response/>', /encoding/],
    ['a body in UTF-16', "<?xml version='1.0' encoding='UTF-16'?><response/>", /encoding/],
    [
      'an upper-case hex reference, which XML does not define',
      '<response><v>&#X41;</v></response>',
      /well-formed/,
    ],
    ['a reference to NUL', '<response><v>&#0;</v></response>', /character/],
    ['a reference to a surrogate', '<response><v>&#xD800;</v></response>', /character/],
    ['a reference beyond Unicode', '<response><v>&#x110000;</v></response>', /character/],
    [
      'a prototype-polluting element',
      '<response><__proto__><polluted>1</polluted></__proto__></response>',
      undefined,
    ],
  ])('refuses %s', (_, body, message) => {
    refuses(body, message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses tags nested deeper than any answer needs', () => {
    refuses(`<response>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</response>`);
    refuses(`<response>${'<a>'.repeat(100_000)}`);
  });

  it('refuses a huge pile of attributes', () => {
    refuses(`<response><a ${'b="c" '.repeat(200_000)}>x</a></response>`);
  });

  it.each([
    ['distinct attributes', `<response ${Array.from({ length: 200_000 }, (_, i) => `a${i}=""`).join(' ')}>x`],
    ['comments holding "<!--"', `<response>${'<!-- <!-- -->'.repeat(300_000)}`],
    ['processing instructions holding quotes', `<response>${'<?pi "a" \'b\'?>'.repeat(300_000)}`],
    ['CDATA sections', `<response><v>${'<![CDATA[&]]>'.repeat(300_000)}`],
    ['empty elements', `<response>${'<a/>'.repeat(1_000_000)}`],
    ['a long name', `<response><${'a'.repeat(2_000_000)}>x</${'a'.repeat(1_999_999)}b></response>`],
    ['an unclosed attribute value', `<response a="${'x'.repeat(5_000_000)}`],
  ])('refuses megabytes of %s', (_, body) => {
    refuses(body);
  });
});
