import {useInput} from 'ink';
import {useRef} from 'react';

export type ClientInputHandlers = {
	onQuit(): void;
	onSelectPrevious(): void;
	onSelectNext(): void;
	onDestroy(): void;
	onRotate(): void;
	onMore(): void;
	onFewer(): void;
};

/** The client screen's keys: q / Ctrl-C quit, ↑↓ select, d destroy, r rotate, + / - change N. */
export function useClientInput(handlers: ClientInputHandlers, {isActive}: {isActive: boolean}): void {
	// Ink re-subscribes a new handler only after the render's effects; keys that arrive sooner
	// (two in one read, or a test typing right after a frame) must still see this render's state.
	const latest = useRef(handlers);
	latest.current = handlers;
	useInput((input, key) => {
		const on = latest.current;
		if (input === 'q' || (key.ctrl && input === 'c')) {
			on.onQuit();
		} else if (key.upArrow) {
			on.onSelectPrevious();
		} else if (key.downArrow) {
			on.onSelectNext();
		} else if (input === 'd') {
			on.onDestroy();
		} else if (input === 'r') {
			on.onRotate();
		} else if (input === '+' || input === '=') {
			on.onMore();
		} else if (input === '-') {
			on.onFewer();
		}
	}, {isActive});
}
