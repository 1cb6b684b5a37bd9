import {useCallback, useEffect, useReducer, useRef} from 'react';

export type LogLevel = 'info' | 'warning' | 'error';

export type LogLine = {readonly at: number; readonly level: LogLevel; readonly text: string};

export type LogEntry = LogLine & {readonly id: number};

export type EventLogState = {readonly entries: readonly LogEntry[]; readonly nextId: number};

export type EventLogAction = {readonly type: 'append'; readonly lines: readonly LogLine[]};

export const initialEventLog: EventLogState = {entries: [], nextId: 1};

/** Most entries kept; the view shows the newest that fit. */
export const eventLogCap = 50;

/** Lines that arrive within this long are shown in one render (a flood of warnings is one update). */
export const eventLogBatchMs = 100;

/** Append lines, newest last, dropping the oldest past `eventLogCap`. */
export function eventLogReducer(state: EventLogState, action: EventLogAction): EventLogState {
	const added = action.lines.map((line, index): LogEntry => ({...line, id: state.nextId + index}));
	const entries = [...state.entries, ...added];
	return {entries: entries.length > eventLogCap ? entries.slice(entries.length - eventLogCap) : entries, nextId: state.nextId + added.length};
}

export type EventLog = {
	readonly entries: readonly LogEntry[];
	append(text: string, level?: LogLevel): void;
};

/** A short log of what happened, for the bottom of a screen. Appends are batched. */
export function useEventLogState(now: () => number): EventLog {
	const [state, dispatch] = useReducer(eventLogReducer, initialEventLog);
	const pending = useRef<LogLine[]>([]);
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);
	useEffect(() => () => {
		clearTimeout(timer.current);
	}, []);
	const append = useCallback((text: string, level: LogLevel = 'info') => {
		pending.current.push({at: now(), level, text});
		timer.current ??= setTimeout(() => {
			timer.current = undefined;
			dispatch({type: 'append', lines: pending.current.splice(0)});
		}, eventLogBatchMs);
	}, [now]);
	return {entries: state.entries, append};
}
