import { TextDecoder, TextEncoder } from 'node:util';

/** For component tests under jsdom, which lacks TextEncoder: react-router needs it. Import before react-router. */
Object.assign(globalThis, { TextEncoder: globalThis.TextEncoder ?? TextEncoder, TextDecoder: globalThis.TextDecoder ?? TextDecoder });
