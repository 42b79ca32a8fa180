export * from './protocol.ts';
export * from './errors.ts';
export * from './pairing-code.ts';
export * from './schemas.ts';
