import {type BootstrapPhase, parseBootstrapPhase} from './bootstrap-phase.js';
import type {ControlReply} from './control-reply.js';
import {parseKeywordLine} from './control-string.js';

/** `650 STATUS_CLIENT NOTICE BOOTSTRAP ...`: bootstrap progress. */
export interface BootstrapEvent extends BootstrapPhase {
	kind: 'bootstrap';
}

/** Any other `STATUS_CLIENT` event, e.g. `CIRCUIT_ESTABLISHED`, `ENOUGH_DIR_INFO`. */
export interface StatusClientEvent {
	kind: 'status-client';
	severity: string;
	action: string;
	fields: Record<string, string>;
}

/** Every other event, unparsed beyond its name. */
export interface RawEvent {
	kind: 'raw';
	/** The event keyword, e.g. `CIRC`, `STREAM`, `NOTICE`. */
	name: string;
	reply: ControlReply;
}

export type TorControlEvent = BootstrapEvent | StatusClientEvent | RawEvent;

/** Turn an async reply (`650 ...`, or multi-line `650-`/`650+` ... `650 OK`) into a typed event. */
export function parseAsyncEvent(reply: ControlReply): TorControlEvent {
	const first = reply.lines[0]?.text ?? '';
	const space = first.indexOf(' ');
	const name = space === -1 ? first : first.slice(0, space);
	const rest = space === -1 ? '' : first.slice(space + 1);
	if (name === 'STATUS_CLIENT') {
		const phase = parseBootstrapPhase(rest);
		if (phase) {
			return {kind: 'bootstrap', ...phase};
		}

		const {positional, keywords} = parseKeywordLine(rest);
		const [severity, action] = positional;
		if (severity !== undefined && action !== undefined) {
			return {kind: 'status-client', severity, action, fields: keywords};
		}
	}

	return {kind: 'raw', name, reply};
}
