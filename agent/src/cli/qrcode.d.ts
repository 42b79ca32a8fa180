/**
 * The part of `npm:qrcode` we use. Its own types (`@types/qrcode`) pull in a second
 * `@types/node` that changes `node:assert`'s types for the whole program, so they are not used.
 */
declare const QRCode: {
  toString(
    text: string,
    options: {
      type: "utf8" | "terminal";
      errorCorrectionLevel?: "L" | "M" | "Q" | "H";
      margin?: number;
    },
  ): Promise<string>;
};
export default QRCode;
