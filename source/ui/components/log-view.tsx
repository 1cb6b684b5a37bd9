import {Box, Text} from 'ink';
import {truncateText} from '../fit-text.js';
import {formatClock} from '../format-clock.js';
import type {LogEntry} from '../use-event-log-state.js';

type Props = {
	readonly entries: readonly LogEntry[];
	readonly width: number;
	/** Lines for entries; the newest that fit are shown, newest last. */
	readonly maxRows: number;
};

const levelColor = {info: undefined, warning: 'yellow', error: 'red'} as const;

export function LogView({entries, width, maxRows}: Props) {
	const shown = maxRows > 0 ? entries.slice(-maxRows) : [];
	return (
		<Box flexDirection='column' width={width}>
			<Text bold wrap='truncate'>Log</Text>
			{entries.length === 0 ? <Text dimColor wrap='truncate'>no events yet</Text> : undefined}
			{shown.map(entry => (
				<Text key={entry.id} wrap='truncate' color={levelColor[entry.level]}>
					{truncateText(`${formatClock(entry.at)} ${entry.text}`, width)}
				</Text>
			))}
		</Box>
	);
}
