import {Box, Text} from 'ink';
import {capRows} from '../cap-rows.js';
import {fitText, truncateText} from '../fit-text.js';
import {formatCells, formatHeader, layoutTable, type Column, type TableRow} from '../table-layout.js';

type Props = {
	readonly title: string;
	readonly columns: readonly Column[];
	readonly rows: readonly TableRow[];
	readonly width: number;
	/** Lines for rows, "… N more" included (the title and header take two more). */
	readonly maxRows: number;
	readonly emptyText: string;
	/** Show a selection marker column and highlight this row. */
	readonly selectedId?: string;
	readonly selectable?: boolean;
};

const marker = 2;

/** A titled table that never draws wider than `width` nor taller than `maxRows` + 2 lines. */
export function TableView({title, columns, rows, width, maxRows, emptyText, selectedId, selectable = false}: Props) {
	const inner = Math.max(1, width - (selectable ? marker : 0));
	const layout = layoutTable(columns, inner);
	const selectedIndex = rows.findIndex(row => row.id === selectedId);
	const {visible, hidden} = capRows(rows, maxRows, selectedIndex);
	const pad = selectable ? '  ' : '';
	return (
		<Box flexDirection='column' width={width}>
			<Text bold wrap='truncate'>{truncateText(`${title} (${rows.length})`, width)}</Text>
			<Text dimColor wrap='truncate'>{truncateText(pad + formatHeader(layout, columns), width)}</Text>
			{rows.length === 0 ? <Text dimColor wrap='truncate'>{truncateText(pad + emptyText, width)}</Text> : undefined}
			{visible.map(row => {
				const selected = selectable && row.id === selectedId;
				const prefix = selectable ? (selected ? '> ' : '  ') : '';
				if ('note' in row) {
					const note = typeof row.note === 'string' ? {text: row.note, color: undefined} : row.note;
					return (
						<Text key={row.id} wrap='truncate' bold={selected}>
							{prefix}
							<Text color={note.color}>{fitText(note.text, inner)}</Text>
						</Text>
					);
				}

				return (
					<Text key={row.id} wrap='truncate' bold={selected} inverse={selected}>
						{prefix}
						{formatCells(layout, columns, row.cells).map((cell, index) => (
							// eslint-disable-next-line react/no-array-index-key
							<Text key={index} color={cell.color}>{cell.text}</Text>
						))}
					</Text>
				);
			})}
			{hidden > 0 ? <Text dimColor wrap='truncate'>{truncateText(`${pad}… ${hidden} more`, width)}</Text> : undefined}
		</Box>
	);
}
