import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';
import {expect} from 'vitest';
import {Client} from '../../source/core/client.js';
import {Provider} from '../../source/core/provider.js';
import {MemoryBackend} from '../../source/pool/memory-backend.js';
import {setupRedisTestbed} from './redis-testbed.js';

export type InkApp = ReturnType<typeof render>;

export type InkTestbed = {
	/** The file's redis-server (started in `beforeAll`). */
	readonly redisUrl: string;
	/** A providing Provider on `namespace` with a memory pool of `count` proxies; stopped after the test. */
	provider(namespace: string, options?: {count?: number; rotateDelayMs?: number}): Promise<Provider>;
	/** A connected Client on `namespace`; closed after the test. */
	client(namespace: string): Promise<Client>;
	/** Render `tree` on a `columns`x`rows` test terminal; unmounted after the test. `frame()` is the last frame, without colours. */
	render(tree: ReactElement, size?: {columns?: number; rows?: number}): {app: InkApp; frame(): string};
};

/**
 * For Ink screen tests against a real Redis: registers the hooks that start one redis-server for
 * the file and, after each test, unmount what was rendered and close the clients and providers
 * (all of them, even when one fails).
 */
export function setupInkTestbed(): InkTestbed {
	const {cleanups, redisUrl} = setupRedisTestbed();
	return {
		get redisUrl() {
			return redisUrl();
		},
		async provider(namespace, {count = 3, rotateDelayMs = 0} = {}) {
			const provider = new Provider({redis: redisUrl(), namespace, backend: new MemoryBackend({count, rotateDelayMs})});
			cleanups.add(async () => provider.stop());
			await provider.start();
			return provider;
		},
		async client(namespace) {
			const client = new Client({redis: redisUrl(), namespace});
			cleanups.add(async () => client.close());
			await client.start();
			return client;
		},
		render(tree, {columns = 80, rows = 24} = {}) {
			const app = render(tree);
			cleanups.add(() => {
				app.unmount();
			});
			resize(app.stdout, columns, rows);
			return {app, frame: () => plain(app.lastFrame())};
		},
	};
}

/** Strip colours so widths count what the terminal shows. */
export function plain(frame: string | undefined): string {
	// eslint-disable-next-line no-control-regex
	return (frame ?? '').replaceAll(/\u001B\[[\d;]*m/g, '');
}

/** Make ink-testing-library's stdout a `columns`x`rows` terminal, as a resize would. */
export function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number): void {
	Object.defineProperty(stdout, 'columns', {value: columns, configurable: true});
	Object.defineProperty(stdout, 'rows', {value: rows, configurable: true});
	stdout.emit('resize');
}

/** Every line of `frame` fits `columns`, and there are fewer lines than `rows`. */
export function expectFits(frame: string, columns: number, rows: number): void {
	const lines = frame.split('\n');
	expect(lines.length).toBeLessThan(rows);
	for (const line of lines) {
		expect([...line].length, line).toBeLessThanOrEqual(columns);
	}
}
