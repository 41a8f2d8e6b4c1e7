'use strict';
/**
 * BPMN 2.0 for the fake: a small tolerant XML well-formedness checker with namespace resolution
 * (contract §8.1 validation), and builders for sample / generated documents with BPMNDI (§8.2, §8.3).
 */
const { xmlEscape } = require('./util');

const BPMN_MODEL_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const BPMNDI_NS = 'http://www.omg.org/spec/BPMN/20100524/DI';
const DC_NS = 'http://www.omg.org/spec/DD/20100524/DC';
const DI_NS = 'http://www.omg.org/spec/DD/20100524/DI';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

const NAME_RE = /[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*/y;
const SPACE_RE = /[ \t\r\n]*/y;
const REF_RE = /&(?:([A-Za-z_][A-Za-z0-9_.\-]*)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const PREDEFINED_ENTITIES = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

class XmlSyntaxError extends Error {
  /** @param {string} message @param {number} pos */
  constructor(message, pos) {
    super(message);
    this.pos = pos;
  }
}

/** 1-based line and column of a character offset. @param {string} text @param {number} pos */
function lineAndColumn(text, pos) {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

/**
 * A single-pass scanner over an XML document. It checks what matters for "well formed" in practice:
 * one root element, matching and properly nested tags, attribute syntax and uniqueness, quoted
 * values without `<`, valid character/entity references, no text outside the root, terminated
 * comments / CDATA / PIs, the XML declaration only at the start, and declared namespace prefixes.
 * [assumed] Tolerances: DOCTYPE is skipped (and then any named entity is accepted); `--` inside
 * comments and `]]>` in text are not flagged; name characters are approximated.
 */
class XmlScanner {
  /** @param {string} text */
  constructor(text) {
    this.text = text;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.docStart = this.pos;
    /** @type {{qname: string, ns: Map<string,string>}[]} */
    this.stack = [];
    this.rootSeen = false;
    this.rootClosed = false;
    this.hasDoctype = false;
    /** @type {{local: string, ns: string|null, qname: string} | null} */
    this.root = null;
    /** @type {{local: string, ns: string|null}[]} */
    this.rootChildren = [];
  }

  /** @param {string} message @param {number} [pos] @returns {never} */
  fail(message, pos = this.pos) {
    throw new XmlSyntaxError(message, pos);
  }

  scan() {
    const t = this.text;
    if (this.pos >= t.length || !t.slice(this.pos).trim()) this.fail('the document is empty');
    while (this.pos < t.length) {
      if (t.charCodeAt(this.pos) === 60 /* < */) this.markup();
      else this.textRun();
    }
    if (this.stack.length) this.fail(`element <${this.stack[this.stack.length - 1].qname}> is never closed`, t.length);
    if (!this.rootSeen) this.fail('there is no root element', t.length);
  }

  markup() {
    const t = this.text;
    if (t.startsWith('<?', this.pos)) return this.processingInstruction();
    if (t.startsWith('<!--', this.pos)) return this.skipTo('-->', 'comment');
    if (t.startsWith('<![CDATA[', this.pos)) {
      if (!this.stack.length) this.fail('CDATA section outside the root element');
      return this.skipTo(']]>', 'CDATA section');
    }
    if (t.startsWith('<!DOCTYPE', this.pos)) return this.doctype();
    if (t.startsWith('</', this.pos)) return this.endTag();
    return this.startTag();
  }

  processingInstruction() {
    const start = this.pos;
    NAME_RE.lastIndex = start + 2;
    const m = NAME_RE.exec(this.text);
    if (!m) this.fail('processing instruction without a target');
    if (m[0].toLowerCase() === 'xml' && start !== this.docStart) {
      this.fail('the XML declaration is only allowed at the very start of the document');
    }
    this.skipTo('?>', 'processing instruction');
  }

  doctype() {
    if (this.rootSeen) this.fail('DOCTYPE after the root element');
    this.hasDoctype = true;
    const t = this.text;
    let depth = 0;
    for (let i = this.pos + 9; i < t.length; i++) {
      const c = t[i];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth <= 0) {
        this.pos = i + 1;
        return;
      }
    }
    this.fail('DOCTYPE is not terminated');
  }

  /** @param {string} terminator @param {string} what */
  skipTo(terminator, what) {
    const end = this.text.indexOf(terminator, this.pos + 2);
    if (end === -1) this.fail(`${what} is not terminated`);
    this.pos = end + terminator.length;
  }

  /** @returns {string} */
  name(what) {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.text);
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  /** @returns {number} how many whitespace characters were skipped */
  spaces() {
    SPACE_RE.lastIndex = this.pos;
    const m = SPACE_RE.exec(this.text);
    const n = m ? m[0].length : 0;
    this.pos += n;
    return n;
  }

  endTag() {
    const tagPos = this.pos;
    this.pos += 2;
    const qname = this.name('an element name after "</"');
    this.spaces();
    if (this.text[this.pos] !== '>') this.fail(`expected ">" to close the end tag </${qname}>`);
    this.pos++;
    const open = this.stack.pop();
    if (!open) this.fail(`end tag </${qname}> without a matching start tag`, tagPos);
    if (open.qname !== qname) this.fail(`end tag </${qname}> does not match the open element <${open.qname}>`, tagPos);
    if (!this.stack.length) this.rootClosed = true;
  }

  startTag() {
    const tagPos = this.pos;
    this.pos++;
    if (this.rootClosed) this.fail('content after the root element (a document has exactly one root element)', tagPos);
    const qname = this.name('an element name after "<"');
    const attrs = this.attributes(qname);
    const t = this.text;
    let selfClosing = false;
    if (t.startsWith('/>', this.pos)) {
      selfClosing = true;
      this.pos += 2;
    } else if (t[this.pos] === '>') {
      this.pos++;
    } else {
      this.fail(`start tag <${qname}> is not terminated`);
    }
    const parentNs = this.stack.length ? this.stack[this.stack.length - 1].ns : new Map([['xml', XML_NS]]);
    const ns = this.declareNamespaces(parentNs, attrs);
    const element = this.resolve(qname, ns, tagPos);
    this.checkAttributePrefixes(attrs, ns, tagPos);
    if (!this.stack.length) {
      this.rootSeen = true;
      this.root = { ...element, qname };
    } else if (this.stack.length === 1) {
      this.rootChildren.push(element);
    }
    if (selfClosing) {
      if (!this.stack.length) this.rootClosed = true;
    } else {
      this.stack.push({ qname, ns });
    }
  }

  /** @param {string} qname @returns {Map<string,string>} name → raw value */
  attributes(qname) {
    const t = this.text;
    /** @type {Map<string,string>} */
    const attrs = new Map();
    for (;;) {
      const gap = this.spaces();
      const c = t[this.pos];
      if (c === '>' || c === '/' || c === undefined) return attrs;
      if (!gap) this.fail(`whitespace is required between attributes in <${qname}>`);
      const attrPos = this.pos;
      const name = this.name(`an attribute name in <${qname}>`);
      this.spaces();
      if (t[this.pos] !== '=') this.fail(`attribute "${name}" in <${qname}> has no value`);
      this.pos++;
      this.spaces();
      const quote = t[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`the value of attribute "${name}" must be quoted`);
      const end = t.indexOf(quote, this.pos + 1);
      if (end === -1) this.fail(`the value of attribute "${name}" is not terminated`);
      const value = t.slice(this.pos + 1, end);
      const lt = value.indexOf('<');
      if (lt !== -1) this.fail(`"<" is not allowed in the value of attribute "${name}"`, this.pos + 1 + lt);
      this.checkReferences(this.pos + 1, end);
      if (attrs.has(name)) this.fail(`duplicate attribute "${name}" in <${qname}>`, attrPos);
      attrs.set(name, value);
      this.pos = end + 1;
    }
  }

  /** @param {Map<string,string>} parent @param {Map<string,string>} attrs */
  declareNamespaces(parent, attrs) {
    let ns = parent;
    for (const [name, value] of attrs) {
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
      if (ns === parent) ns = new Map(parent);
      ns.set(name === 'xmlns' ? '' : name.slice(6), value);
    }
    return ns;
  }

  /** @param {string} qname @param {Map<string,string>} ns @param {number} pos */
  resolve(qname, ns, pos) {
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const local = colon === -1 ? qname : qname.slice(colon + 1);
    const uri = ns.get(prefix);
    if (prefix && uri === undefined) this.fail(`namespace prefix "${prefix}" of <${qname}> is not declared`, pos);
    return { local, ns: uri || null };
  }

  /** @param {Map<string,string>} attrs @param {Map<string,string>} ns @param {number} pos */
  checkAttributePrefixes(attrs, ns, pos) {
    for (const name of attrs.keys()) {
      const colon = name.indexOf(':');
      if (colon <= 0) continue;
      const prefix = name.slice(0, colon);
      if (prefix !== 'xmlns' && !ns.has(prefix)) this.fail(`namespace prefix "${prefix}" of attribute "${name}" is not declared`, pos);
    }
  }

  textRun() {
    const t = this.text;
    const next = t.indexOf('<', this.pos);
    const end = next === -1 ? t.length : next;
    if (!this.stack.length) {
      for (let i = this.pos; i < end; i++) {
        const c = t.charCodeAt(i);
        if (c !== 32 && c !== 9 && c !== 10 && c !== 13) this.fail('text is not allowed outside the root element', i);
      }
    } else {
      this.checkReferences(this.pos, end);
    }
    this.pos = end;
  }

  /** Every `&` in [from, to) must start a valid reference. */
  checkReferences(from, to) {
    const t = this.text;
    for (let i = t.indexOf('&', from); i !== -1 && i < to; i = t.indexOf('&', i + 1)) {
      REF_RE.lastIndex = i;
      const m = REF_RE.exec(t);
      if (!m || m.index + m[0].length > to) this.fail('"&" must start an entity reference such as &amp;', i);
      if (m[1] && !PREDEFINED_ENTITIES.has(m[1]) && !this.hasDoctype) this.fail(`undefined entity &${m[1]};`, i);
      const code = m[2] ? Number(m[2]) : m[3] ? parseInt(m[3], 16) : null;
      if (code !== null && (code === 0 || code > 0x10ffff)) this.fail(`invalid character reference ${m[0]}`, i);
    }
  }
}

/**
 * @typedef {{ ok: true } | { ok: false, message: string, line?: number, column?: number }} BpmnCheck
 */

/**
 * Checks that `xml` is a BPMN 2.0 document (contract §8.1): well formed, root `definitions` in the
 * BPMN MODEL namespace, at least one `process` or `collaboration` child in that namespace.
 * @param {string} xml
 * @returns {BpmnCheck} `message` is the full user-facing text for the 422
 */
function checkBpmn(xml) {
  const scanner = new XmlScanner(xml);
  try {
    scanner.scan();
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    const { line, column } = lineAndColumn(xml, e.pos);
    return { ok: false, line, column, message: `bpmn_xml is not well-formed XML: ${e.message} at line ${line}, column ${column}.` };
  }
  const root = /** @type {NonNullable<XmlScanner['root']>} */ (scanner.root);
  if (root.local !== 'definitions' || root.ns !== BPMN_MODEL_NS) {
    return {
      ok: false,
      message:
        `bpmn_xml is not a BPMN 2.0 document: the root element is <${root.qname}> in namespace ` +
        `${root.ns ? `"${root.ns}"` : '(none)'}, expected <definitions> in namespace "${BPMN_MODEL_NS}".`,
    };
  }
  const hasModel = scanner.rootChildren.some((c) => c.ns === BPMN_MODEL_NS && (c.local === 'process' || c.local === 'collaboration'));
  if (!hasModel) {
    return { ok: false, message: 'bpmn_xml is not a usable BPMN 2.0 document: <definitions> contains no <process> or <collaboration>.' };
  }
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Builders

const EVENT = 36;
const TASK_W = 100;
const TASK_H = 80;
const GAP = 50;
const ROW_Y = 80;

/**
 * A BPMN 2.0 document with one process: start event → tasks → end event, and BPMNDI layout.
 * @param {{name: string, tasks: string[], processId?: string}} spec
 * @returns {string}
 */
function buildBpmn({ name, tasks, processId = 'Process_1' }) {
  const nodes = [
    { id: 'StartEvent_1', tag: 'startEvent', label: 'Start', w: EVENT, h: EVENT },
    ...tasks.map((label, i) => ({ id: `Activity_${i + 1}`, tag: 'task', label, w: TASK_W, h: TASK_H })),
    { id: 'EndEvent_1', tag: 'endEvent', label: 'End', w: EVENT, h: EVENT },
  ];
  let x = 150;
  for (const n of nodes) {
    n.x = x;
    n.y = ROW_Y + (TASK_H - n.h) / 2;
    x += n.w + GAP;
  }
  const flows = nodes.slice(1).map((to, i) => ({ id: `Flow_${i + 1}`, from: nodes[i], to }));
  const incoming = (n) => flows.filter((f) => f.to === n).map((f) => `      <bpmn:incoming>${f.id}</bpmn:incoming>\n`).join('');
  const outgoing = (n) => flows.filter((f) => f.from === n).map((f) => `      <bpmn:outgoing>${f.id}</bpmn:outgoing>\n`).join('');
  const elements = nodes
    .map((n) => `    <bpmn:${n.tag} id="${n.id}" name="${xmlEscape(n.label)}">\n${incoming(n)}${outgoing(n)}    </bpmn:${n.tag}>\n`)
    .join('');
  const flowXml = flows
    .map((f) => `    <bpmn:sequenceFlow id="${f.id}" sourceRef="${f.from.id}" targetRef="${f.to.id}" />\n`)
    .join('');
  const shapes = nodes
    .map(
      (n) =>
        `      <bpmndi:BPMNShape id="${n.id}_di" bpmnElement="${n.id}">\n` +
        `        <dc:Bounds x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" />\n` +
        `      </bpmndi:BPMNShape>\n`,
    )
    .join('');
  const edges = flows
    .map(
      (f) =>
        `      <bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}">\n` +
        `        <di:waypoint x="${f.from.x + f.from.w}" y="${ROW_Y + TASK_H / 2}" />\n` +
        `        <di:waypoint x="${f.to.x}" y="${ROW_Y + TASK_H / 2}" />\n` +
        `      </bpmndi:BPMNEdge>\n`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<bpmn:definitions xmlns:bpmn="${BPMN_MODEL_NS}" xmlns:bpmndi="${BPMNDI_NS}" xmlns:dc="${DC_NS}" xmlns:di="${DI_NS}" ` +
    `id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Just Flow It (fake)" exporterVersion="1.0">\n` +
    `  <bpmn:process id="${processId}" name="${xmlEscape(name)}" isExecutable="false">\n` +
    elements +
    flowXml +
    `  </bpmn:process>\n` +
    `  <bpmndi:BPMNDiagram id="BPMNDiagram_1">\n` +
    `    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${processId}">\n` +
    shapes +
    edges +
    `    </bpmndi:BPMNPlane>\n` +
    `  </bpmndi:BPMNDiagram>\n` +
    `</bpmn:definitions>\n`
  );
}

/**
 * A valid small BPMN 2.0 document (definitions in the MODEL namespace, one process with a start
 * event, a task and an end event, sequence flows and BPMNDI), for tests.
 * @param {string} [name] the process name
 * @returns {string}
 */
function sampleBpmn(name = 'Sample process') {
  return buildBpmn({ name, tasks: ['Review request'] });
}

/** Removes the fake's control markers (`[fail]`, `[slow:N]`) from a prompt. @param {string} prompt */
function stripMarkers(prompt) {
  return prompt.replace(/\[(?:fail|slow:\d+)\]/gi, ' ').replace(/\s+/g, ' ').trim();
}

/** @param {string} s */
function capitalise(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** @param {string} s @param {number} max */
function clip(s, max) {
  return s.length <= max ? s : s.slice(0, max - 1).trimEnd() + '…';
}

/**
 * What a "generated" diagram is made of, derived from the prompt: a title (the part before a colon,
 * else the first phrase, at most 8 words) and up to 6 tasks (the prompt's sentences / comma or semicolon separated parts).
 * @param {string} prompt
 * @returns {{title: string, tasks: string[]}}
 */
function planFromPrompt(prompt) {
  let text = stripMarkers(prompt);
  let title = '';
  const colon = text.indexOf(':');
  if (colon > 0 && colon <= 80) {
    title = text.slice(0, colon).trim();
    text = text.slice(colon + 1);
  }
  const tasks = text
    .split(/[.;,!?\n]+|\s+(?:then|and then|after that)\s+/i)
    .map((s) => s.trim())
    .filter((s) => s.length > 1)
    .slice(0, 6)
    .map((s) => clip(capitalise(s), 60));
  if (!title && tasks.length) title = clip(tasks[0].split(/\s+/).slice(0, 8).join(' '), 80);
  return { title: title || 'Generated diagram', tasks: tasks.length ? tasks : ['Handle request'] };
}

/**
 * A plausible generated BPMN document for a prompt.
 * @param {string} prompt @param {string} name
 * @returns {string}
 */
function generatedBpmn(prompt, name) {
  return buildBpmn({ name, tasks: planFromPrompt(prompt).tasks });
}

module.exports = { BPMN_MODEL_NS, checkBpmn, sampleBpmn, buildBpmn, generatedBpmn, planFromPrompt, stripMarkers };
