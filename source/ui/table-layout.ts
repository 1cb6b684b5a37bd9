import {fitText, truncateText} from './fit-text.js';

export type Column = {
	readonly header: string;
	/** Width the column needs. */
	readonly width: number;
	/** How many extra cells it takes when the terminal has room (default 0). */
	readonly grow?: number;
	readonly align?: 'left' | 'right';
	/** Columns with a higher number are dropped first when the terminal is narrow; 0 is never dropped. */
	readonly drop?: number;
};

export type CellColor = 'green' | 'yellow' | 'red' | 'cyan' | 'gray';
export type Cell = string | {readonly text: string; readonly color?: CellColor};

export type TableLayout = {
	/** Indexes of the columns shown, in order. */
	readonly shown: readonly number[];
	readonly widths: readonly number[];
	/** Total width of a formatted row. */
	readonly width: number;
};

const gap = 1;

/** Fit columns into `width` cells: drop optional columns, shrink, then give spare room to growing ones. */
export function layoutTable(columns: readonly Column[], width: number): TableLayout {
	let shown = columns.map((_column, index) => index);
	const need = (indexes: readonly number[]) => indexes.reduce((sum, index) => sum + columns[index]!.width, 0) + (gap * Math.max(0, indexes.length - 1));

	while (need(shown) > width) {
		const droppable = shown.filter(index => (columns[index]!.drop ?? 0) > 0);
		if (droppable.length === 0) {
			break;
		}

		const victim = droppable.reduce((worst, index) => ((columns[index]!.drop ?? 0) >= (columns[worst]!.drop ?? 0) ? index : worst));
		shown = shown.filter(index => index !== victim);
	}

	const widths = shown.map(index => columns[index]!.width);
	// Still too wide: shrink the widest columns, one cell at a time, never below 3.
	let over = need(shown) - width;
	while (over > 0) {
		const widest = widths.indexOf(Math.max(...widths));
		if (widths[widest]! <= 3) {
			break;
		}

		widths[widest]!--;
		over--;
	}

	let spare = Math.max(0, -over);
	for (const [position, index] of shown.entries()) {
		const extra = Math.min(spare, columns[index]!.grow ?? 0);
		widths[position]! += extra;
		spare -= extra;
	}

	const total = widths.reduce((sum, w) => sum + w, 0) + (gap * Math.max(0, widths.length - 1));
	return {shown, widths, width: Math.min(total, width)};
}

export type FormattedCell = {readonly text: string; readonly color?: CellColor};

/** The cells of one row, each cut or padded to its column (the gap after it included). */
export function formatCells(layout: TableLayout, columns: readonly Column[], cells: readonly Cell[]): FormattedCell[] {
	const formatted = layout.shown.map((index, position): FormattedCell => {
		const cell = cells[index] ?? '';
		const {text, color} = typeof cell === 'string' ? {text: cell, color: undefined} : cell;
		const last = position === layout.shown.length - 1;
		return {text: fitText(text, layout.widths[position]!, columns[index]!.align) + (last ? '' : ' '), color};
	});
	return clip(formatted, layout.width);
}

/** The header line of a table laid out by `layoutTable`. */
export function formatHeader(layout: TableLayout, columns: readonly Column[]): string {
	return formatCells(layout, columns, columns.map(column => column.header)).map(cell => cell.text).join('').trimEnd();
}

function clip(cells: FormattedCell[], width: number): FormattedCell[] {
	let left = width;
	return cells.map(cell => {
		const text = truncateText(cell.text, left);
		left -= [...text].length;
		return {...cell, text};
	});
}

/** One table line: cells in column order, or a note spanning the whole line (e.g. "waiting…"). */
export type TableRow = {readonly id: string; readonly cells: readonly Cell[]} | {readonly id: string; readonly note: Cell};
