/** Redeeming a pairing code, with each refusal of the server told as such. */
import { DOMAIN_ERRORS, domainCodeOf } from "@remoteagent/shared/errors.ts";
import type { RedeemPairingOutput } from "@remoteagent/shared/schemas.ts";
import type { RunnerName } from "@remoteagent/shared/protocol.ts";
import { createApiClient } from "../connection/client.ts";
import { networkProblem } from "./server.ts";
import { type CliContext, paint, say } from "./context.ts";
import { terminalQr } from "./qr.ts";
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

/** What a device-flow pairing needs. */
export interface DeviceRequest {
  server: string;
  name: string;
  runner: RunnerName;
  hostname: string;
  directory: string;
  fetch?: typeof fetch;
}

/** Polls that fail on the network in a row before giving up. */
const MAX_POLL_FAILURES = 5;

/**
 * Device flow: ask the relay for a pending request, show its link (and QR code), and poll
 * until the signed-in user approves it (the token), denies it, or it expires.
 */
export async function approveInBrowser(
  ctx: CliContext,
  req: DeviceRequest,
): Promise<RedeemPairingOutput> {
  const client = createApiClient({ server: req.server, fetch: req.fetch });
  const started = await client.pairing.startDevice.mutate({
    name: req.name,
    runner: req.runner,
    hostname: req.hostname.slice(0, 255),
    directory: req.directory.slice(0, 1024),
  }).catch((error) => {
    throw pairingFailure(error, req);
  });
  say(ctx, "");
  say(ctx, "Open this link signed in to the dashboard, check the machine and approve it:");
  say(ctx, `  ${paint(ctx, "1;36", started.verificationUrl)}`);
  say(ctx, await terminalQr(started.verificationUrl));
  say(
    ctx,
    `The page shows the code ${
      paint(ctx, "1", started.userCode)
    }. Waiting for approval (10 minutes; Ctrl-C to give up)…`,
  );
  let failures = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, started.intervalMs));
    try {
      const polled = await client.pairing.pollDevice.mutate({ deviceCode: started.deviceCode });
      failures = 0;
      if (polled.status === "approved") {
        const { status: _status, ...paired } = polled;
        return paired;
      }
    } catch (error) {
      const code = domainCodeOf(error);
      if (code === "PAIRING_CODE_EXPIRED") {
        throw new PairingError(
          "the pairing request expired (10 minutes) before it was approved: run `remoteagent init` again",
          { cause: error },
        );
      }
      // A relay restarting or a network blip: keep polling a few times.
      if (code === null && ++failures < MAX_POLL_FAILURES) continue;
      throw pairingFailure(error, req);
    }
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
    case "PAIRING_DENIED":
      return new PairingError(
        "the pairing was denied on the dashboard: nothing was paired",
        options,
      );
    case "PAIRING_CODE_MALFORMED":
      return new PairingError(DOMAIN_ERRORS.PAIRING_CODE_MALFORMED.message, options);
    case "PLAN_LIMIT_REACHED":
      return new PairingError(DOMAIN_ERRORS.PLAN_LIMIT_REACHED.message, options);
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
