import {createInterface} from 'node:readline';

/** One line a worker reports: an event name, the time it happened, and its fields. */
export type WorkerLine = {readonly e: string; readonly t: number; readonly [field: string]: unknown};

/** Report one event as a JSON line on stdout (the runner reads them). */
export function report(event: string, fields: Record<string, unknown> = {}): void {
	process.stdout.write(`${JSON.stringify({e: event, t: Date.now(), ...fields})}\n`);
}

/**
 * A worker's plumbing: its settings from argv[2] (JSON), commands from stdin (one JSON object a
 * line), a crash report for anything thrown and not caught, and one way to stop: `stop` on stdin,
 * SIGTERM, or stdin closing (the runner is gone).
 */
export function workerSettings<T>(): T {
	process.on('uncaughtException', error => {
		report('crash', {error: String(error?.stack ?? error)});
		process.exit(70);
	});
	process.on('unhandledRejection', error => {
		report('crash', {error: String(error instanceof Error ? error.stack : error)});
		process.exit(70);
	});
	return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function onCommands(handle: (command: {cmd: string; [field: string]: unknown}) => void, stop: () => Promise<void>): void {
	let stopping: Promise<void> | undefined;
	const shutdown = () => {
		stopping ??= stop().then(() => {
			report('stopped');
			process.exit(0);
		});
	};

	const lines = createInterface({input: process.stdin});
	lines.on('line', line => {
		const command = JSON.parse(line) as {cmd: string};
		if (command.cmd === 'stop') {
			shutdown();
		} else {
			handle(command);
		}
	});
	lines.on('close', shutdown);
	process.on('SIGTERM', shutdown);
	process.on('SIGINT', shutdown);
}
