import {describe, expect, it} from 'vitest';
import {allocateRows} from '../../source/ui/allocate-rows.js';
import {capRows} from '../../source/ui/cap-rows.js';
import {fitText, truncateText} from '../../source/ui/fit-text.js';
import {formatDuration} from '../../source/ui/format-duration.js';
import {shortId} from '../../source/ui/short-id.js';
import {formatCells, formatHeader, layoutTable, type Column} from '../../source/ui/table-layout.js';

describe('formatDuration', () => {
	it.each([
		[0, '0s'],
		[999, '0s'],
		[12_000, '12s'],
		[59_999, '59s'],
		[65_000, '1m05s'],
		[3_600_000 + (2 * 60_000) + 5000, '1h02m'],
		[(3 * 86_400_000) + (4 * 3_600_000), '3d04h'],
		[-5000, '0s'],
	])('%d ms is %s', (ms, text) => {
		expect(formatDuration(ms)).toBe(text);
	});
});

describe('text fitting', () => {
	it('truncates with an ellipsis only when needed', () => {
		expect(truncateText('abcdef', 6)).toBe('abcdef');
		expect(truncateText('abcdef', 4)).toBe('abc…');
		expect(truncateText('abcdef', 0)).toBe('');
	});

	it('pads to an exact width, left or right aligned', () => {
		expect(fitText('ab', 4)).toBe('ab  ');
		expect(fitText('ab', 4, 'right')).toBe('  ab');
		expect(fitText('abcdef', 4)).toBe('abc…');
	});

	it('shortens ids', () => {
		expect(shortId('0123456789abcdef')).toBe('01234567');
		expect(shortId(undefined)).toBe('-');
	});
});

const columns: Column[] = [
	{header: 'id', width: 6},
	{header: 'exit', width: 10, grow: 10},
	{header: 'age', width: 5, align: 'right', drop: 1},
	{header: 'rot', width: 3, align: 'right', drop: 2},
];

describe('layoutTable', () => {
	it('gives spare room to growing columns', () => {
		const layout = layoutTable(columns, 40);
		expect(layout.widths).toEqual([6, 20, 5, 3]);
		expect(layout.width).toBe(37);
		expect(formatHeader(layout, columns)).toBe('id     exit                   age rot');
	});

	it('drops optional columns, highest first, then shrinks', () => {
		expect(layoutTable(columns, 27).shown).toEqual([0, 1, 2, 3]);
		expect(layoutTable(columns, 23).shown).toEqual([0, 1, 2]);
		expect(layoutTable(columns, 22).shown).toEqual([0, 1]);
		const tight = layoutTable(columns, 12);
		expect(tight.shown).toEqual([0, 1]);
		expect(tight.width).toBeLessThanOrEqual(12);
	});

	it('formats cells to the layout, never wider than the table', () => {
		for (const width of [5, 12, 17, 22, 40, 80]) {
			const layout = layoutTable(columns, width);
			const text = formatCells(layout, columns, ['mem-0', {text: '2001:db8::1234:5678:9abc', color: 'green'}, '1m05s', '12']).map(cell => cell.text).join('');
			expect([...text].length).toBeLessThanOrEqual(width);
		}

		const layout = layoutTable(columns, 40);
		const cells = formatCells(layout, columns, ['mem-0', {text: '203.0.113.9', color: 'green'}, '12s', '3']);
		expect(cells.map(cell => cell.text).join('')).toBe('mem-0  203.0.113.9            12s   3');
		expect(cells[1]!.color).toBe('green');
	});
});

describe('capRows', () => {
	const rows = ['a', 'b', 'c', 'd', 'e', 'f'];

	it('keeps everything that fits', () => {
		expect(capRows(rows, 6)).toEqual({visible: rows, hidden: 0});
	});

	it('keeps a line for "… N more" and scrolls to the selected row', () => {
		expect(capRows(rows, 4)).toEqual({visible: ['a', 'b', 'c'], hidden: 3});
		expect(capRows(rows, 4, 4)).toEqual({visible: ['c', 'd', 'e'], hidden: 3});
		expect(capRows(rows, 4, 5)).toEqual({visible: ['d', 'e', 'f'], hidden: 3});
		expect(capRows(rows, 1)).toEqual({visible: [], hidden: 6});
	});
});

describe('allocateRows', () => {
	it('gives each section a line, then shares the rest round-robin', () => {
		expect(allocateRows(15, [3, 1, 2])).toEqual([3, 1, 2]);
		expect(allocateRows(6, [10, 10, 10])).toEqual([2, 2, 2]);
		expect(allocateRows(7, [10, 1, 10])).toEqual([3, 1, 3]);
		expect(allocateRows(4, [0, 0, 8])).toEqual([1, 1, 2]);
		expect(allocateRows(2, [5, 5, 5])).toEqual([1, 1, 0]);
		expect(allocateRows(-3, [5])).toEqual([0]);
	});
});
