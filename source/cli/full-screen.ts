const enter = '\u001B[?1049h\u001B[H';
const leave = '\u001B[?1049l\u001B[?25h';

/**
 * Switch the terminal to its alternate screen (what full-screen programs use, so the shell's
 * scrollback is left as it was). Returns an idempotent function that switches back; it also runs
 * when the process exits some other way.
 */
export function enterFullScreen(stream: NodeJS.WriteStream = process.stdout): () => void {
	let active = true;
	const restore = () => {
		if (active) {
			active = false;
			process.off('exit', restore);
			stream.write(leave);
		}
	};

	stream.write(enter);
	process.on('exit', restore);
	return restore;
}
