import {mkdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';

/**
 * Create a directory authority's v3 identity key, signing key and certificate in `DATADIR/keys` with
 * tor-gencert (RSA-3072, about a second each: run several at once). Returns the v3ident: the
 * `fingerprint` line of the certificate.
 */
export async function createAuthorityKeys(options: {gencertPath: string; dataDir: string; dirPort: number; address?: string}): Promise<string> {
	const keys = path.join(options.dataDir, 'keys');
	await mkdir(keys, {recursive: true, mode: 0o700});
	const certificate = path.join(keys, 'authority_certificate');
	await execa(options.gencertPath, [
		'--create-identity-key',
		'-m', '12',
		'-a', `${options.address ?? '127.0.0.1'}:${options.dirPort}`,
		'-i', path.join(keys, 'authority_identity_key'),
		'-s', path.join(keys, 'authority_signing_key'),
		'-c', certificate,
		'--passphrase-fd', '0',
	], {input: '\n', timeout: 60_000});
	const text = await readFile(certificate, 'utf8');
	const v3ident = /^fingerprint ([\dA-F]{40})$/m.exec(text)?.[1];
	if (v3ident === undefined) {
		throw new Error(`no fingerprint line in ${certificate}`);
	}

	return v3ident;
}
