import type { IBinaryData } from 'n8n-workflow';

import { fileItem, requestLines, run, runChain, sampleBpmn, setBinaryMode, useFake } from '../support/context';

/**
 * Issue 18, finding 4: BPMN in and out. Imports are read in the encoding the file's BOM or XML
 * declaration names (on 3728fa1 always UTF-8: an ISO-8859-1 export lost its umlauts); the 5 MiB
 * limit is checked on the JSON body that is sent; SVG is recognised wherever its root element
 * starts; imports work from files in n8n's filesystem binary mode, items checked before any POST.
 */

const fake = useFake();

/** A small BPMN document with `label` as its task name, with an XML declaration naming `encoding`. */
function bpmnText(label: string, encoding?: string): string {
	const declaration = encoding ? `<?xml version="1.0" encoding="${encoding}"?>\n` : '';
	return sampleBpmn('Encodings').replace(/^<\?xml[^>]*\?>\s*/, declaration).replace(/(<(?:bpmn:)?process\b[^>]*>)/, `$1<!-- ${label} -->`);
}

const importFile = (file: ReturnType<typeof fileItem>) =>
	run(fake, { resource: 'diagram', operation: 'create', name: 'Encodings', bpmnSource: 'binary' }, { input: [file] });

/** The bpmn_xml the node sent. */
const sentXml = () => String(JSON.parse(fake.requests[0].body).bpmn_xml);

describe('Diagram → Create reads a BPMN file in its own encoding', () => {
	it('ISO-8859-1 (declared): umlauts arrive intact and the declaration then says UTF-8', async () => {
		const text = bpmnText('Prüfung der Bestellung, Größe ändern', 'ISO-8859-1');
		const result = await importFile(fileItem(Buffer.from(text, 'latin1'), 'old.bpmn', 'application/xml'));
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(['POST /diagrams']);
		expect(sentXml()).toBe(text.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"'));
	});

	it('windows-1252 (declared): the euro sign and curly quotes are read as such', async () => {
		const text = bpmnText('Kosten über 1.000 € – „prüfen“', 'windows-1252');
		const bytes = Buffer.from(
			text.replace(/€/g, '\u0080').replace(/–/g, '\u0096').replace(/„/g, '\u0084').replace(/“/g, '\u0093'),
			'latin1',
		);
		const result = await importFile(fileItem(bytes, 'win.bpmn', 'application/xml'));
		expect(result.error).toBeUndefined();
		expect(sentXml()).toBe(text.replace('encoding="windows-1252"', 'encoding="UTF-8"'));
	});

	it('UTF-16 LE with a byte order mark', async () => {
		const text = bpmnText('Заказ: проверка', 'UTF-16');
		const result = await importFile(fileItem(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'le.bpmn', 'application/xml'));
		expect(result.error).toBeUndefined();
		expect(sentXml()).toBe(text.replace('encoding="UTF-16"', 'encoding="UTF-8"'));
	});

	it('UTF-16 BE with a byte order mark', async () => {
		const text = bpmnText('入职流程', 'UTF-16');
		const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
		const result = await importFile(fileItem(bytes, 'be.bpmn', 'application/xml'));
		expect(result.error).toBeUndefined();
		expect(sentXml()).toBe(text.replace('encoding="UTF-16"', 'encoding="UTF-8"'));
	});

	it('UTF-8 with a byte order mark and no declaration is sent as it is, without the mark', async () => {
		const text = bpmnText('Prüfung');
		const result = await importFile(fileItem(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'bom.bpmn', 'application/xml'));
		expect(result.error).toBeUndefined();
		expect(sentXml()).toBe(text);
	});

	it('refuses bytes that are not UTF-8 when nothing declares another encoding, before any request', async () => {
		const result = await importFile(fileItem(Buffer.from(bpmnText('Prüfung'), 'latin1'), 'bad.bpmn', 'application/xml'));
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('The file in "data" cannot be read: it is not valid UTF-8 and its XML declaration names no other encoding');
		expect(result.error?.description).toBe(
			'it is not valid UTF-8 and its XML declaration names no other encoding. Save it as UTF-8 (or declare its encoding) and import again.',
		);
	});
});

describe('Diagram → Create checks every file before the first import', () => {
	const files = () => [
		fileItem(bpmnText('one'), 'one.bpmn', 'application/xml'),
		fileItem('<html><body>an error page saved as .bpmn</body></html>', 'two.bpmn', 'text/html'),
		fileItem(bpmnText('three'), 'three.bpmn', 'application/xml'),
	];
	const parameters = { resource: 'diagram', operation: 'create', name: '={{ $json.fileName }}', bpmnSource: 'binary' };

	it('imports nothing when the second of three files is not BPMN', async () => {
		const result = await run(fake, parameters, { input: files() });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Item 2: The file in "data" is not a BPMN 2.0 document: it has no BPMN definitions root element');
	});

	it('with Continue On Fail imports exactly the two good files', async () => {
		const result = await run(fake, parameters, { input: files(), continueOnFail: true });
		expect(requestLines(fake)).toEqual(['POST /diagrams', 'POST /diagrams']);
		expect(fake.requests.map((request) => JSON.parse(request.body).name).sort()).toEqual(['one.bpmn', 'three.bpmn']);
		expect(result.items.map((item) => item.json.name ?? item.json.error)).toEqual([
			'one.bpmn',
			'The file in "data" is not a BPMN 2.0 document: it has no BPMN definitions root element',
			'three.bpmn',
		]);
	});
});

describe('Diagram → Create checks the 5 MiB limit on what it sends', () => {
	it('refuses XML under 5 MiB whose JSON body (quotes and line breaks escaped) is over it, before any request', async () => {
		const padding = '<documentation>"a"\n</documentation>'.repeat(Math.ceil((4.9 * 1024 * 1024) / 36));
		const xml = bpmnText('big').replace(/(<(?:bpmn:)?process\b[^>]*>)/, `$1${padding}`);
		expect(Buffer.byteLength(xml)).toBeLessThan(5 * 1024 * 1024);
		const result = await run(fake, { resource: 'diagram', operation: 'create', name: 'Big', bpmnSource: 'text', bpmnXml: xml });
		expect(fake.requests).toHaveLength(0);
		const sent = Buffer.byteLength(JSON.stringify({ name: 'Big', bpmn_xml: xml }));
		expect(sent).toBeGreaterThan(5 * 1024 * 1024);
		expect(result.error?.message).toBe(
			`The BPMN is too large to send: the request would be ${(sent / 1024 / 1024).toFixed(1)} MiB, over Just Flow It's 5 MiB limit`,
		);
	});
});

describe('Diagram → Create from files in n8n filesystem binary mode', () => {
	beforeAll(async () => {
		await setBinaryMode('filesystem');
	});
	afterAll(async () => {
		await setBinaryMode('memory');
	});

	const exportThenImport = [
		{ name: 'List', parameters: { resource: 'diagram', operation: 'getAll', returnAll: true } },
		{ name: 'Export', parameters: { resource: 'diagram', operation: 'export', diagramId: '={{ $json.id }}' } },
		{
			name: 'Import',
			parameters: { resource: 'diagram', operation: 'create', name: '={{ "Copy of " + $json.name }}', bpmnSource: 'binary' },
		},
	];

	it('imports every exported file held in the binary data store', async () => {
		const diagrams = [fake.seedDiagram({ name: 'Заказ 1' }), fake.seedDiagram({ name: '入职流程' })];
		const result = await runChain(fake, exportThenImport);
		expect(result.error).toBeUndefined();
		const exported = result.outputs.Export.map((item) => item.binary?.data as IBinaryData);
		expect(exported.every((file) => String(file.id).startsWith('filesystem'))).toBe(true);
		// The items' POSTs run side by side: they may arrive in either order.
		const posts = fake.requests.filter((request) => request.method === 'POST').map((request) => JSON.parse(request.body));
		expect(posts).toHaveLength(2);
		expect(posts).toEqual(
			expect.arrayContaining([
				{ name: 'Copy of 入职流程', bpmn_xml: sampleBpmn('入职流程') },
				{ name: 'Copy of Заказ 1', bpmn_xml: sampleBpmn('Заказ 1') },
			]),
		);
		expect(result.outputs.Import.map((item) => item.json.name)).toEqual(['Copy of 入职流程', 'Copy of Заказ 1']);
		expect(diagrams).toHaveLength(2);
	});

	it('sends no POST when one of the stored files is not BPMN', async () => {
		fake.seedDiagram({ name: 'Good one' });
		fake.seedDiagram({ name: 'Not BPMN', bpmnXml: '<html><body>not a diagram</body></html>' });
		fake.seedDiagram({ name: 'Good two' });
		const result = await runChain(fake, exportThenImport);
		expect(fake.requests.filter((request) => request.method === 'POST')).toHaveLength(0);
		expect(result.error?.message).toBe('Item 2: The file in "data" is not a BPMN 2.0 document: it has no BPMN definitions root element');
	});
});

describe('Render → Image recognises SVG wherever its root element starts', () => {
	it('accepts an SVG whose root element comes after a 6 KB licence comment and a DOCTYPE', async () => {
		const diagram = fake.seedDiagram({ name: 'Licensed' });
		const svg = `<?xml version="1.0"?>\n<!-- ${'Licence text. '.repeat(450)} -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY x "y">]>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`;
		fake.injectFailure({ method: 'GET', path: /\/image$/, status: 200, body: svg, headers: { 'Content-Type': 'image/svg+xml' } });
		const result = await run(fake, {
			resource: 'render',
			operation: 'image',
			diagramId: { __rl: true, mode: 'id', value: diagram.id },
			format: 'svg',
		});
		expect(result.error).toBeUndefined();
		expect((result.items[0].binary?.data as IBinaryData).mimeType).toBe('image/svg+xml');
	});

	it('still refuses an HTML page that mentions <svg> further down', async () => {
		const diagram = fake.seedDiagram({ name: 'Page' });
		fake.injectFailure({ method: 'GET', path: /\/image$/, status: 200, body: '<html><body><svg></svg></body></html>' });
		const result = await run(fake, {
			resource: 'render',
			operation: 'image',
			diagramId: { __rl: true, mode: 'id', value: diagram.id },
			format: 'svg',
		});
		expect(result.error?.message).toBe('Just Flow It sent something other than a SVG image');
	});
});
