/** A port a command listens on, and the flag that chose it (a range for `--session-ports`). */
export type PortFlag = {readonly flag: string; readonly ports: number | {readonly first: number; readonly last: number} | undefined; readonly zeroIsFree: boolean};

/** A port a command was to listen on is taken; says which flag to change. */
export class PortTakenError extends Error {
	override readonly name = 'PortTakenError';

	constructor(readonly port: number, readonly address: string | undefined, readonly flag: PortFlag | undefined, options?: ErrorOptions) {
		const where = `port ${port}${address ? ` on ${address}` : ''} is in use`;
		const free = flag?.zeroIsFree ? ' (0: a free one)' : flag && flag.ports !== undefined && typeof flag.ports === 'number' ? ' (or leave it out to use a free one)' : '';
		super(flag ? `${where}: stop what uses it or pick another ${flag.flag}${free}` : `${where}: stop what uses it or pick another port`, options);
	}
}

/** The error, or the first of its causes, that says an address is in use. */
function addressInUse(error: unknown): (Error & {port?: unknown; address?: unknown}) | undefined {
	if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
		return error;
	}

	return error instanceof Error && error.cause !== undefined ? addressInUse(error.cause) : undefined;
}

function holds(ports: PortFlag['ports'], port: number): boolean {
	return typeof ports === 'number' ? ports === port : ports !== undefined && ports.first <= port && port <= ports.last;
}

/**
 * `error` as a PortTakenError naming the flag (of `flags`, the command's) that chose the taken port,
 * when it is Node's EADDRINUSE (or caused by one); any other error as it is.
 */
export function portTaken(error: unknown, flags: readonly PortFlag[]): unknown {
	const inUse = addressInUse(error);
	if (!inUse || typeof inUse.port !== 'number') {
		return error;
	}

	const {port} = inUse;
	return new PortTakenError(port, typeof inUse.address === 'string' ? inUse.address : undefined, flags.find(flag => holds(flag.ports, port)), {cause: error});
}
