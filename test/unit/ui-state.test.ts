import {afterEach, describe, expect, it, vi} from 'vitest';
import {createSnapshotStore} from '../../source/ui/snapshot-store.js';
import {eventLogCap, eventLogReducer, initialEventLog} from '../../source/ui/use-event-log-state.js';
import {rotationReducer} from '../../source/ui/use-rotation-state.js';
import {initialSelection, resolveSelection, selectionReducer} from '../../source/ui/use-selection-state.js';

describe('selectionReducer', () => {
	const ids = ['a', 'b', 'c'];

	it('moves within bounds', () => {
		let state = selectionReducer(initialSelection, {type: 'select-next', ids});
		expect(state).toEqual({selectedId: 'b', index: 1});
		state = selectionReducer(state, {type: 'select-next', ids});
		state = selectionReducer(state, {type: 'select-next', ids});
		expect(state).toEqual({selectedId: 'c', index: 2});
		state = selectionReducer(state, {type: 'select-previous', ids});
		expect(state.selectedId).toBe('b');
		expect(selectionReducer({index: 0}, {type: 'select-previous', ids}).selectedId).toBe('a');
	});

	it('follows its row when rows move, and keeps its place when its row goes', () => {
		const state = {selectedId: 'b', index: 1};
		expect(resolveSelection(state, ['x', 'a', 'b'])).toBe(2);
		expect(resolveSelection(state, ['a', 'c'])).toBe(1);
		expect(resolveSelection(state, ['a'])).toBe(0);
		expect(resolveSelection(state, [])).toBe(-1);
		expect(selectionReducer(state, {type: 'select-next', ids: []})).toBe(state);
	});
});

describe('eventLogReducer', () => {
	it('appends newest last and keeps at most the cap', () => {
		let state = eventLogReducer(initialEventLog, {type: 'append', lines: [{at: 0, level: 'info', text: 'line 0'}, {at: 0, level: 'warning', text: 'line 1'}]});
		expect(state.entries.map(entry => [entry.id, entry.text])).toEqual([[1, 'line 0'], [2, 'line 1']]);
		for (let n = 2; n < eventLogCap + 5; n++) {
			state = eventLogReducer(state, {type: 'append', lines: [{at: n, level: 'info', text: `line ${n}`}]});
		}

		expect(state.entries).toHaveLength(eventLogCap);
		expect(state.entries[0]!.text).toBe('line 5');
		expect(state.entries.at(-1)!.text).toBe(`line ${eventLogCap + 4}`);
		expect(new Set(state.entries.map(entry => entry.id)).size).toBe(eventLogCap);
	});
});

describe('rotationReducer', () => {
	it('tracks a rotation per lease until it is done or failed', () => {
		let state = rotationReducer({}, {type: 'rotate-start', leaseId: 'l1'});
		expect(state).toEqual({l1: {kind: 'rotating'}});
		state = rotationReducer(state, {type: 'rotate-failed', leaseId: 'l1', message: 'refused'});
		expect(state).toEqual({l1: {kind: 'failed', message: 'refused'}});
		state = rotationReducer(state, {type: 'rotate-start', leaseId: 'l1'});
		state = rotationReducer(state, {type: 'rotate-done', leaseId: 'l1'});
		expect(state).toEqual({});
	});
});

describe('createSnapshotStore', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('reads on the next turn after a quiet spell, then at most once per interval', () => {
		vi.useFakeTimers();
		let reads = 0;
		const store = createSnapshotStore(() => ++reads, {intervalMs: 100});
		const listener = vi.fn();
		store.subscribe(listener);
		expect(store.getSnapshot()).toBe(1);

		vi.advanceTimersByTime(150);
		store.invalidate();
		expect(store.getSnapshot()).toBe(1);
		vi.advanceTimersByTime(0);
		expect(store.getSnapshot()).toBe(2);
		for (let n = 0; n < 50; n++) {
			store.invalidate();
		}

		expect(store.getSnapshot()).toBe(2);
		vi.advanceTimersByTime(100);
		expect(store.getSnapshot()).toBe(3);
		expect(listener).toHaveBeenCalledTimes(2);
		expect(store.getSnapshot()).toBe(store.getSnapshot());
	});

	it('stops reading once disposed', () => {
		vi.useFakeTimers();
		let reads = 0;
		const store = createSnapshotStore(() => ++reads, {intervalMs: 100});
		vi.advanceTimersByTime(150);
		store.invalidate();
		store.dispose();
		vi.advanceTimersByTime(500);
		store.invalidate();
		vi.advanceTimersByTime(500);
		expect(reads).toBe(1);
	});
});
