import {parseKeywordLine} from './control-string.js';

export interface CircuitHop {
	/** 40 hex digits, uppercase, without the `$`. */
	fingerprint: string;
	nickname?: string;
}

/** One circuit from `GETINFO circuit-status` (control-spec 4.1.1 format). */
export interface Circuit {
	id: string;
	/** `LAUNCHED`, `BUILT`, `GUARD_WAIT`, `EXTENDED`, `FAILED`, `CLOSED`, or a newer value. */
	status: string;
	path: CircuitHop[];
	buildFlags: string[];
	purpose?: string;
	timeCreated?: string;
	/** Present on circuits built for a SOCKS/HTTP-tunnel client with credentials: a secret, never log it. */
	socksUsername?: string;
	socksPassword?: string;
	/** Every keyword argument, as sent. */
	fields: Record<string, string>;
}

const hopPattern = /^\$([\dA-Fa-f]{40})(?:[~=]([\dA-Za-z]{1,19}))?$/;

/** Parse the value of `GETINFO circuit-status`: one circuit per line, possibly none. */
export function parseCircuitStatus(value: string): Circuit[] {
	const circuits: Circuit[] = [];
	for (const line of value.split('\n')) {
		const circuit = parseCircuitLine(line.trim());
		if (circuit) {
			circuits.push(circuit);
		}
	}

	return circuits;
}

function parseCircuitLine(line: string): Circuit | undefined {
	const {positional, keywords} = parseKeywordLine(line);
	const [id, status, pathToken] = positional;
	if (id === undefined || status === undefined || !/^[\dA-Za-z]{1,16}$/.test(id)) {
		return undefined;
	}

	const path = pathToken === undefined ? [] : parsePath(pathToken);
	const circuit: Circuit = {
		id,
		status,
		path,
		buildFlags: keywords.BUILD_FLAGS ? keywords.BUILD_FLAGS.split(',') : [],
		fields: keywords,
	};
	assignDefined(circuit, 'purpose', keywords.PURPOSE);
	assignDefined(circuit, 'timeCreated', keywords.TIME_CREATED);
	assignDefined(circuit, 'socksUsername', keywords.SOCKS_USERNAME);
	assignDefined(circuit, 'socksPassword', keywords.SOCKS_PASSWORD);
	return circuit;
}

function parsePath(token: string): CircuitHop[] {
	const hops: CircuitHop[] = [];
	for (const part of token.split(',')) {
		const match = hopPattern.exec(part);
		if (match) {
			const hop: CircuitHop = {fingerprint: match[1]!.toUpperCase()};
			assignDefined(hop, 'nickname', match[2]);
			hops.push(hop);
		}
	}

	return hops;
}

function assignDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
	if (value !== undefined) {
		target[key] = value;
	}
}
