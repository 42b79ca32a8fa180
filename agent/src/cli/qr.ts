/**
 * A QR code for the terminal, drawn with Unicode half blocks (two rows per line), so the
 * device-pairing link can be opened by pointing a phone at the screen.
 */
// @ts-types="./qrcode.d.ts"
import QRCode from "qrcode";

/** The QR code of `text` as lines of `▀▄█ ` (dark on light, with a quiet zone). */
export async function terminalQr(text: string): Promise<string> {
  return await QRCode.toString(text, { type: "utf8", errorCorrectionLevel: "L", margin: 2 });
}
