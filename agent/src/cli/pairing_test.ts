import { assertEquals } from "../../test/assert.ts";
import { PairingError } from "../errors.ts";
import { pairingFailure } from "./pairing.ts";

const refused = (domainCode: string) => ({ data: { domainCode, httpStatus: 403 } });
const req = { server: "https://relay.example", name: "box" };

Deno.test("a plan's agent limit is told as such, pointing at Billing", () => {
  const error = pairingFailure(refused("PLAN_LIMIT_REACHED"), req);
  assertEquals(error instanceof PairingError, true);
  assertEquals(
    error.message,
    "your plan allows no more agents: upgrade on the dashboard (Billing) or remove one",
  );
});
