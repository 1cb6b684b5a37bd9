import {useCallback, useReducer} from 'react';

/** The selected row, by id (so it follows its row) and by position (used when its row goes away). */
export type SelectionState = {readonly selectedId?: string; readonly index: number};

export type SelectionAction =
	| {readonly type: 'select-previous'; readonly ids: readonly string[]}
	| {readonly type: 'select-next'; readonly ids: readonly string[]};

export const initialSelection: SelectionState = {index: 0};

/** The selected row's position among `ids`, or -1 when there are no rows. */
export function resolveSelection(state: SelectionState, ids: readonly string[]): number {
	if (ids.length === 0) {
		return -1;
	}

	const byId = state.selectedId === undefined ? -1 : ids.indexOf(state.selectedId);
	return byId === -1 ? Math.min(Math.max(0, state.index), ids.length - 1) : byId;
}

export function selectionReducer(state: SelectionState, action: SelectionAction): SelectionState {
	const current = resolveSelection(state, action.ids);
	if (current === -1) {
		return state;
	}

	const step = action.type === 'select-next' ? 1 : -1;
	const index = Math.min(Math.max(0, current + step), action.ids.length - 1);
	return {selectedId: action.ids[index], index};
}

export type Selection = {
	readonly selectedIndex: number;
	readonly selectedId: string | undefined;
	selectPrevious(): void;
	selectNext(): void;
};

/** Which of `ids` is selected; rows may come and go between renders. */
export function useSelectionState(ids: readonly string[]): Selection {
	const [state, dispatch] = useReducer(selectionReducer, initialSelection);
	const selectedIndex = resolveSelection(state, ids);
	const key = ids.join('\n');
	const selectPrevious = useCallback(() => {
		dispatch({type: 'select-previous', ids: key === '' ? [] : key.split('\n')});
	}, [key]);
	const selectNext = useCallback(() => {
		dispatch({type: 'select-next', ids: key === '' ? [] : key.split('\n')});
	}, [key]);
	return {selectedIndex, selectedId: selectedIndex === -1 ? undefined : ids[selectedIndex], selectPrevious, selectNext};
}
