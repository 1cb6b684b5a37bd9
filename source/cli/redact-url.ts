/**
 * A Redis URL fit to print: user name and password left out (a lone user name is a password to
 * ioredis), as the core's `describeTarget` does, so both name a server the same way.
 */
export function redactUrl(text: string): string {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return 'an unparsable Redis URL';
	}

	url.password = '';
	url.username = '';
	return url.toString().replace(/\/$/, '');
}
