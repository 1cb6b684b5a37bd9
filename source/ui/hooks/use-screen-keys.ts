import {useInput} from 'ink';
import {useRef} from 'react';

export type ScreenKeys = {
	/** q and Ctrl-C. */
	onQuit(): void;
	onSelectPrevious(): void;
	onSelectNext(): void;
	/** Single characters and what they do. */
	chars: Record<string, () => void>;
};

/** The keys every screen shares (q / Ctrl-C quit, ↑↓ select) plus its own letters. */
export function useScreenKeys(keys: ScreenKeys, {isActive}: {isActive: boolean}): void {
	// Ink re-subscribes a new handler only after the render's effects; keys that arrive sooner
	// (two in one read, or a test typing right after a frame) must still see this render's state.
	const latest = useRef(keys);
	latest.current = keys;
	useInput((input, key) => {
		const on = latest.current;
		if (input === 'q' || (key.ctrl && input === 'c')) {
			on.onQuit();
		} else if (key.upArrow) {
			on.onSelectPrevious();
		} else if (key.downArrow) {
			on.onSelectNext();
		} else if (Object.hasOwn(on.chars, input)) {
			on.chars[input]!();
		}
	}, {isActive});
}
