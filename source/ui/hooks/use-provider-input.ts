import {useInput} from 'ink';
import {useRef} from 'react';

export type ProviderInputHandlers = {
	onQuit(): void;
	onSelectPrevious(): void;
	onSelectNext(): void;
	onRotate(): void;
	onRestart(): void;
};

/** The provider screen's keys: q / Ctrl-C quit, ↑↓ select, r rotate, x restart. */
export function useProviderInput(handlers: ProviderInputHandlers, {isActive}: {isActive: boolean}): void {
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
		} else if (input === 'r') {
			on.onRotate();
		} else if (input === 'x') {
			on.onRestart();
		}
	}, {isActive});
}
