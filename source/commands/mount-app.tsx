import {render} from 'ink';
import type {ReactNode} from 'react';
import {enterFullScreen} from '../cli/full-screen.js';
import type {Shutdown} from '../cli/shutdown.js';

/**
 * Show a full-screen Ink view until shutdown. Ctrl-C reaches the view as a key (it calls its
 * `onQuit`), so the view stays up while leases are given back; it is unmounted and the terminal
 * restored as the very last step. If the view ends by itself, that is a shutdown too.
 */
export function mountApp(node: ReactNode, shutdown: Shutdown): void {
	// A terminal that hung up (SIGHUP) fails every write: that must not stop the shutdown.
	process.stdout.on('error', () => undefined);
	const leaveFullScreen = enterFullScreen();
	shutdown.screenMounted();
	const instance = render(node, {exitOnCtrlC: false});
	instance.waitUntilExit().then(async () => shutdown.shutdown('quit'), async (error: unknown) => shutdown.fail(error));
	shutdown.onForce(leaveFullScreen);
	shutdown.deferLast('the screen', async () => {
		instance.unmount();
		await instance.waitUntilExit().catch(() => undefined);
		leaveFullScreen();
		shutdown.screenUnmounted();
	});
}
