import type { IBinaryData } from 'n8n-workflow';

import { diagramFileName } from '../../nodes/JustFlowIt/shared/binary';
import { runChain, useFake } from '../support/context';

/**
 * Issue 18, finding 3: file names that keep every diagram. On 3728fa1 the name kept only
 * [A-Za-z0-9._ -]: "Заказ 1" and "Счёт 1" both became "1.bpmn", "入职流程" became "diagram.bpmn",
 * two diagrams with the same name shared a file, and "CON" passed. One rule now names every file
 * (export, image, generation; from the diagram, Content-Disposition or the id): the name in any
 * script, then the diagram id.
 */

const fake = useFake();

const NAMES = ['Заказ 1', 'Счёт 1', '入职流程', 'Invoice approval', 'Invoice approval', 'CON'];

/** Every diagram exported, as the backup example does: Get Many → Export. */
async function exportAll(): Promise<{ names: string[]; ids: string[] }> {
	const result = await runChain(fake, [
		{ name: 'List', parameters: { resource: 'diagram', operation: 'getAll', returnAll: true } },
		{ name: 'Export', parameters: { resource: 'diagram', operation: 'export', diagramId: '={{ $json.id }}' } },
	]);
	expect(result.error).toBeUndefined();
	return {
		names: result.outputs.Export.map((item) => (item.binary?.data as IBinaryData).fileName as string),
		ids: result.outputs.Export.map((item) => String(item.json.id)),
	};
}

describe('Diagram → Export file names', () => {
	it('keeps Cyrillic and Chinese names whole and gives every diagram its own file, the same ones alike included', async () => {
		const seeded = NAMES.map((name) => fake.seedDiagram({ name }));
		const { names } = await exportAll();
		const expected = [...seeded].reverse().map((diagram) => {
			const base = diagram.name === 'CON' ? '_CON' : String(diagram.name);
			return `${base} (${String(diagram.id)}).bpmn`;
		});
		expect(names).toEqual(expected);
		expect(new Set(names).size).toBe(NAMES.length);
	});

	it('gives each diagram the same file name on the next run', async () => {
		NAMES.map((name) => fake.seedDiagram({ name }));
		const first = await exportAll();
		const second = await exportAll();
		expect(second.names).toEqual(first.names);
	});
});

describe('diagramFileName (the one rule)', () => {
	const id = 'd290f1ee-6c54-4b01-90e6-d701748f0851';

	it.each([
		['Заказ 1', `Заказ 1 (${id}).png`],
		['Счёт 1', `Счёт 1 (${id}).png`],
		['入职流程', `入职流程 (${id}).png`],
		['Prüfung (v2)', `Prüfung (v2) (${id}).png`],
		['CON', `_CON (${id}).png`],
		['con.backup', `_con.backup (${id}).png`],
		['LPT1', `_LPT1 (${id}).png`],
		['Invoice approval: v2/final?', `Invoice approval_ v2_final (${id}).png`],
		['  ...trailing dots and spaces . . ', `trailing dots and spaces (${id}).png`],
		['..', `diagram-${id}.png`],
		['', `diagram-${id}.png`],
		[undefined, `diagram-${id}.png`],
		['a\u0000b\u001fc', `a_b_c (${id}).png`],
	])('%j → %s', (name, fileName) => {
		expect(diagramFileName(name, id, 'png')).toBe(fileName);
	});

	it('keeps a long name in other scripts within 255 bytes of UTF-8, cut at a character, with no dots left before the id', () => {
		// 255 bytes less " (<id>).bpmn" (44) leaves 211: 70 three-byte characters.
		const chinese = diagramFileName('流程'.repeat(100), id, 'bpmn');
		expect(chinese).toBe(`${'流程'.repeat(35)} (${id}).bpmn`);
		expect(Buffer.byteLength(chinese, 'utf8')).toBe(254);
		// A name is cut at 120 characters: here right after "...", which must not stay before the id.
		expect(diagramFileName(`${'a'.repeat(117)}...x`, id, 'bpmn')).toBe(`${'a'.repeat(117)} (${id}).bpmn`);
		const emoji = diagramFileName('😀'.repeat(200), id, 'bpmn');
		expect(Buffer.byteLength(emoji, 'utf8')).toBeLessThanOrEqual(255);
	});

	it('cuts a 300-byte name at a character boundary and keeps the id whole', () => {
		const fileName = diagramFileName('Ä'.repeat(150), id, 'svg');
		expect(Buffer.byteLength(fileName, 'utf8')).toBeLessThanOrEqual(255);
		expect(fileName.endsWith(` (${id}).svg`)).toBe(true);
		expect(fileName.startsWith('Ä'.repeat(100))).toBe(true);
	});
});
