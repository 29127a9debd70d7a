import { io, type Socket } from 'socket.io-client';

/**
 * A socket to the page's own origin (the gateway, or Vite's dev proxy) for a LiveSocket: its own
 * manager (so the token in its query is its owner's), connecting only when told, reconnecting only
 * as LiveSocket decides; WebSocket first, long-polling where a WebSocket cannot get through.
 */
export function openPageSocket(): Socket {
  return io({ path: '/socket.io', autoConnect: false, reconnection: false, forceNew: true, transports: ['websocket', 'polling'], tryAllTransports: true });
}
