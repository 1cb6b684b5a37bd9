const socksCredential = /\b(SOCKS_USERNAME|SOCKS_PASSWORD)=("(?:[^"\\]|\\.)*"?|\S*)/g;
const authenticateArgument = /^(\s*\+?AUTHENTICATE)\s+\S.*$/i;

/**
 * Strip secrets from a control-port line (or a Tor log line) before it is logged: the values of
 * `SOCKS_USERNAME="..."` and `SOCKS_PASSWORD="..."` (carried by CIRC and STREAM events and
 * `GETINFO circuit-status`) and the argument of an `AUTHENTICATE` command become `[redacted]`.
 */
export function redactControlLine(line: string): string {
	return line
		.replace(socksCredential, '$1=[redacted]')
		.replace(authenticateArgument, '$1 [redacted]');
}
