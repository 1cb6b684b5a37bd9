/** Parse and check an http:// or https:// URL. */
export function parseHttpUrl(text: string): URL {
	const url = new URL(text);
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new TypeError(`only http:// and https:// URLs are supported, got ${url.protocol}`);
	}

	return url;
}

/** The URL's port, or the scheme's default. */
export function portOf(url: URL): number {
	if (url.port !== '') {
		return Number(url.port);
	}

	return url.protocol === 'https:' ? 443 : 80;
}
