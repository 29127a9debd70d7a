export { ensureEventsSchema, EVENTS_SCHEMA_VERSION, EVENTS_CHANNEL } from './schema';
export { publishEvent, publishEvents, type NewEvent } from './publish';
export * from './consumer';
