/** Redeeming a pairing code, with each refusal of the server told as such. */
import { DOMAIN_ERRORS, domainCodeOf } from "@remoteagent/shared/errors.ts";
import type { RedeemPairingOutput } from "@remoteagent/shared/schemas.ts";
import type { RunnerName } from "@remoteagent/shared/protocol.ts";
import { createApiClient } from "../connection/client.ts";
import { networkProblem } from "./server.ts";
import { type AgentError, messageOf, PairingError, ServerError } from "../errors.ts";

/** What `pairing.redeem` needs. */
export interface RedeemRequest {
  server: string;
  code: string;
  name: string;
  runner: RunnerName;
  hostname: string;
  fetch?: typeof fetch;
}

/** Trade a pairing code for an agent id and token. */
export async function redeemCode(req: RedeemRequest): Promise<RedeemPairingOutput> {
  const client = createApiClient({ server: req.server, fetch: req.fetch });
  try {
    return await client.pairing.redeem.mutate({
      code: req.code,
      name: req.name,
      runner: req.runner,
      hostname: req.hostname.slice(0, 255),
    });
  } catch (error) {
    throw pairingFailure(error, req);
  }
}

/** The error to show for a failed redemption. */
export function pairingFailure(error: unknown, req: { server: string; name: string }): AgentError {
  const options = { cause: error };
  switch (domainCodeOf(error)) {
    case "PAIRING_CODE_UNKNOWN":
      return new PairingError(
        "unknown pairing code: check it on the dashboard (it looks like ABCD-EFGH)",
        options,
      );
    case "PAIRING_CODE_EXPIRED":
      return new PairingError(DOMAIN_ERRORS.PAIRING_CODE_EXPIRED.message, options);
    case "PAIRING_CODE_USED":
      return new PairingError(DOMAIN_ERRORS.PAIRING_CODE_USED.message, options);
    case "PAIRING_CODE_MALFORMED":
      return new PairingError(DOMAIN_ERRORS.PAIRING_CODE_MALFORMED.message, options);
    case "RATE_LIMITED":
      return new PairingError("too many pairing attempts: wait a minute, then try again", options);
    case "NAME_TAKEN":
      return new PairingError(
        `an agent named '${req.name}' already exists on your account: choose another with --name`,
        options,
      );
  }
  const status = (error as { data?: { httpStatus?: number } }).data?.httpStatus;
  if (status === 429) {
    return new PairingError("too many pairing attempts: wait a minute, then try again", options);
  }
  if (status === undefined) {
    return new ServerError(`pairing failed: ${networkProblem(error, req.server)}`, options);
  }
  return new ServerError(
    `pairing failed: the server answered ${status}: ${messageOf(error)}`,
    options,
  );
}
