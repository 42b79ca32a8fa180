import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on 127.0.0.1 by binding port 0 and closing again.
 * There is a small window in which another process could take the port; the harness
 * accepts that (a clash fails loudly at startup rather than silently).
 */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			if (address === null || typeof address === 'string') {
				server.close();
				reject(new Error('could not determine a free port'));
				return;
			}
			server.close(() => resolve(address.port));
		});
	});
}
