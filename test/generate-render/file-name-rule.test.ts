import { diagramFileName } from '../../nodes/JustFlowIt/shared/binary';

/**
 * The one rule that names every file the node writes (issue 18, finding 3), case by case: names in
 * any script kept, Windows device names, characters file systems refuse, trailing dots and spaces,
 * 255 bytes of UTF-8, and the diagram id that keeps each file its own.
 */

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
