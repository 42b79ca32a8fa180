/**
 * Device-flow pairing, as `gh auth login` does it: `remoteagent init` without a code asks for a
 * pending request and shows a short link; the signed-in user opens it, sees the machine's name,
 * directory and runner, and approves or denies; the agent, polling with its secret device code,
 * then receives its token, once. Same rules as codes: 10 minutes, single use, bound to the
 * approving Telegram-verified user, rate limited; an expired request is told as expired for a
 * day. Requests live in Redis (short-lived, shared by every instance), only under hashes.
 */
import { eq } from 'drizzle-orm';
import {
	DomainError,
	generatePairingCode,
	normalizePairingCode,
	PAIRING_CODE_TTL_MS,
	type PollDevicePairingOutput,
	type StartDevicePairingInput,
	type StartDevicePairingOutput
} from '@remoteagent/shared';
import type { Deps } from '../deps.ts';
import { newId } from '../db/ids.ts';
import { agents, users } from '../db/schema/index.ts';
import { randomToken, sha256Hex } from '../auth/hash.ts';
import { signAgentToken } from '../auth/agent-token.ts';
import type { Limits } from '../ratelimit/limits.ts';
import { canAddAgent } from '../billing/entitlements.ts';
import { EXPIRED_CODE_KEPT_MS, freeName } from './pairing.ts';

/** How often the agent should poll. */
export const DEVICE_POLL_INTERVAL_MS = 2_000;

/** A pending request, under the hash of its user code. */
interface DeviceRequest {
	deviceHash: string;
	name: string;
	runner: string;
	hostname: string;
	directory: string;
	expiresAt: number;
}

/** What the approval page shows. */
export interface DeviceRequestView {
	userCode: string;
	name: string;
	runner: string;
	hostname: string;
	directory: string;
	expiresAt: Date;
	status: 'pending' | 'approved' | 'denied' | 'expired';
}

type DeviceDeps = Pick<Deps, 'db' | 'redis' | 'now' | 'config' | 'log'> & { limits: Limits };

const requestKey = (userHash: string) => `pair:dev:${userHash}`;
const pollKey = (deviceHash: string) => `pair:dev:poll:${deviceHash}`;
/** The first decision (approve/deny) wins: SET NX. */
const decisionKey = (userHash: string) => `pair:dev:decision:${userHash}`;
/** The token is handed out once: SET NX. */
const deliveredKey = (userHash: string) => `pair:dev:delivered:${userHash}`;

/** Keys live until a day after expiry, so a late poll or approval says "expired". */
const keptMs = () => PAIRING_CODE_TTL_MS + EXPIRED_CODE_KEPT_MS;

export async function startDevicePairing(
	deps: DeviceDeps,
	input: StartDevicePairingInput,
	clientAddress: string
): Promise<StartDevicePairingOutput> {
	if (!(await deps.limits.pairingAddress.limit(clientAddress)).success) {
		deps.log.warn('pairing.rate_limited', { scope: 'address', flow: 'device' });
		throw new DomainError('RATE_LIMITED');
	}
	const deviceCode = randomToken();
	const userCode = generatePairingCode();
	const userHash = sha256Hex(userCode);
	const deviceHash = sha256Hex(deviceCode);
	const expiresAt = deps.now().getTime() + PAIRING_CODE_TTL_MS;
	const request: DeviceRequest = {
		deviceHash,
		name: input.name,
		runner: input.runner,
		hostname: input.hostname,
		directory: input.directory,
		expiresAt
	};
	await deps.redis
		.multi()
		.set(requestKey(userHash), JSON.stringify(request), { px: keptMs() })
		.set(pollKey(deviceHash), userHash, { px: keptMs() })
		.exec();
	deps.log.info('pairing.device_started', {});
	const base = (deps.config.PUBLIC_URL ?? '').replace(/\/+$/, '');
	return {
		deviceCode,
		userCode,
		verificationUrl: `${base}/pair/${userCode}`,
		expiresAt: new Date(expiresAt).toISOString(),
		intervalMs: DEVICE_POLL_INTERVAL_MS
	};
}

async function loadRequest(deps: DeviceDeps, userHash: string): Promise<DeviceRequest | null> {
	const raw = await deps.redis.get<DeviceRequest | string>(requestKey(userHash));
	if (raw === null) return null;
	return typeof raw === 'string' ? (JSON.parse(raw) as DeviceRequest) : raw;
}

function statusOf(
	request: DeviceRequest,
	decision: string | null,
	now: Date
): DeviceRequestView['status'] {
	if (decision === 'deny') return 'denied';
	if (decision) return 'approved';
	return request.expiresAt <= now.getTime() ? 'expired' : 'pending';
}

/**
 * The request behind a link, for the signed-in user who opened it. Lookups are rate limited
 * per user: the short code in the link must not be guessable by trying.
 */
export async function viewDeviceRequest(
	deps: DeviceDeps,
	user: { userId: string },
	rawCode: string
): Promise<DeviceRequestView | null> {
	if (!(await deps.limits.deviceLookup.limit(user.userId)).success) {
		throw new DomainError('RATE_LIMITED');
	}
	const userCode = normalizePairingCode(rawCode);
	if (!userCode) return null;
	const userHash = sha256Hex(userCode);
	const request = await loadRequest(deps, userHash);
	if (!request) return null;
	const decision = await deps.redis.get<string>(decisionKey(userHash));
	return {
		userCode,
		name: request.name,
		runner: request.runner,
		hostname: request.hostname,
		directory: request.directory,
		expiresAt: new Date(request.expiresAt),
		status: statusOf(request, decision, deps.now())
	};
}

/**
 * Approve (the agent will belong to this user) or deny. The first decision wins; a request
 * already decided, expired or unknown is refused.
 */
export async function decideDeviceRequest(
	deps: DeviceDeps,
	user: { userId: string; telegramUserId: number },
	rawCode: string,
	approve: boolean
): Promise<void> {
	const view = await viewDeviceRequest(deps, user, rawCode);
	if (!view) throw new DomainError('PAIRING_CODE_UNKNOWN');
	if (view.status === 'expired') throw new DomainError('PAIRING_CODE_EXPIRED');
	if (view.status !== 'pending') throw new DomainError('PAIRING_CODE_USED');
	if (approve) {
		// Over the plan's limit: nothing decided, so it can be approved after an upgrade.
		const [account] = await deps.db.select().from(users).where(eq(users.id, user.userId));
		if (!account || !(await canAddAgent(deps, account)).ok) {
			throw new DomainError('PLAN_LIMIT_REACHED');
		}
	}
	const decision = approve ? `approve:${user.userId}:${user.telegramUserId}` : 'deny';
	const set = await deps.redis.set(decisionKey(sha256Hex(view.userCode)), decision, {
		nx: true,
		px: keptMs()
	});
	if (set !== 'OK') throw new DomainError('PAIRING_CODE_USED');
	deps.log.info(approve ? 'pairing.device_approved' : 'pairing.device_denied', {
		userId: user.userId
	});
}

/** The agent's poll: pending, denied, expired, or (once) its new identity and token. */
export async function pollDevicePairing(
	deps: DeviceDeps,
	deviceCode: string
): Promise<PollDevicePairingOutput> {
	const userHash = await deps.redis.get<string>(pollKey(sha256Hex(deviceCode)));
	if (!userHash) throw new DomainError('PAIRING_CODE_UNKNOWN');
	const request = await loadRequest(deps, userHash);
	if (!request) throw new DomainError('PAIRING_CODE_UNKNOWN');
	const decision = await deps.redis.get<string>(decisionKey(userHash));
	const status = statusOf(request, decision, deps.now());
	if (status === 'pending') return { status: 'pending' };
	if (status === 'denied') throw new DomainError('PAIRING_DENIED');
	if (status === 'expired') throw new DomainError('PAIRING_CODE_EXPIRED');
	const claimed = await deps.redis.set(deliveredKey(userHash), 1, { nx: true, px: keptMs() });
	if (claimed !== 'OK') throw new DomainError('PAIRING_CODE_USED');
	const [, ownerId] = decision!.split(':');
	const [owner] = await deps.db.select().from(users).where(eq(users.id, ownerId!));
	if (!owner) throw new DomainError('PAIRING_CODE_UNKNOWN');
	const agentId = newId('agt');
	const tokenId = newId('tok');
	const name = await deps.db.transaction(async (tx) => {
		// The plan may have changed since the approval: then the token is not handed out yet.
		if (!(await canAddAgent({ ...deps, db: tx }, owner)).ok) {
			await deps.redis.del(deliveredKey(userHash));
			throw new DomainError('PLAN_LIMIT_REACHED');
		}
		const free = await freeName(tx, owner.id, request.name);
		await tx.insert(agents).values({
			id: agentId,
			ownerId: owner.id,
			name: free,
			runner: request.runner,
			tokenId,
			hostname: request.hostname,
			createdAt: deps.now()
		});
		return free;
	});
	deps.log.info('pairing.redeemed', { agentId, flow: 'device' });
	const token = await signAgentToken({ agentId, tokenId }, deps.config.AGENT_JWT_SECRET);
	return { status: 'approved', agentId, name, token, accountName: owner.firstName };
}
