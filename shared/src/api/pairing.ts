import { pollDevicePairingInput, redeemPairingInput, startDevicePairingInput } from '../schemas.ts';
import { publicProcedure, router } from './init.ts';

export const pairingRouter = router({
	/** Used by `remoteagent init`: trade a pairing code for an agent id and token. */
	redeem: publicProcedure
		.input(redeemPairingInput)
		.mutation(({ ctx, input }) => ctx.services.pairing.redeem(input, ctx.clientAddress)),
	/** `remoteagent init` without a code: ask to be approved on the dashboard. */
	startDevice: publicProcedure
		.input(startDevicePairingInput)
		.mutation(({ ctx, input }) => ctx.services.pairing.startDevice(input, ctx.clientAddress)),
	/** The agent's poll: a mutation, because the approved answer is handed out once. */
	pollDevice: publicProcedure
		.input(pollDevicePairingInput)
		.mutation(({ ctx, input }) => ctx.services.pairing.pollDevice(input.deviceCode))
});
