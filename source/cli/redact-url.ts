/** A URL fit to print: the password (and a user name with it) replaced by `***`. */
export function redactUrl(text: string): string {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return '(an unparsable URL)';
	}

	if (url.password !== '') {
		url.password = '***';
	} else if (url.username !== '') {
		// `redis://secret@host` is a password with no user name to ioredis.
		url.username = '***';
	}

	return url.toString().replace(/\/$/, '');
}
