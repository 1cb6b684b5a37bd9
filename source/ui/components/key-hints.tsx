import {Text} from 'ink';
import {truncateText} from '../fit-text.js';

type Props = {
	readonly hints: ReadonlyArray<readonly [key: string, label: string]>;
	readonly width: number;
};

/** The footer line: which keys do what. */
export function KeyHints({hints, width}: Props) {
	const text = hints.map(([key, label]) => `${key} ${label}`).join('  ');
	return <Text dimColor wrap='truncate'>{truncateText(text, width)}</Text>;
}
