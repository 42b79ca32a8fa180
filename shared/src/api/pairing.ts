import { redeemPairingInput } from '../schemas.ts';
import { publicProcedure, router } from './init.ts';

export const pairingRouter = router({
	/** Used by `remoteagent init`: trade a pairing code for an agent id and token. */
	redeem: publicProcedure
		.input(redeemPairingInput)
		.mutation(({ ctx, input }) => ctx.services.pairing.redeem(input, ctx.clientAddress))
});
